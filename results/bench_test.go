package results

import (
	"math/rand"
	"net/http"
	"runtime"
	"testing"
	"time"

	"github.com/seccheck/seccheck/conformance"
)

// benchSample returns a typical clean response of list-orders (3 required headers present).
func benchSample() Sample {
	return Sample{
		Endpoint: 0, Method: "GET", URL: "http://127.0.0.1:8080/api/orders?limit=10",
		Status: 200, Header: secureHeader(), Body: []byte(`{"orders":[]}`), BytesIn: 120, BytesOut: 80,
	}
}

// addLoop adds n samples at 10,000 a second with latencies spread over 1–50 ms.
func addLoop(a *Aggregator, s *Sample, from, n int, lat []time.Duration) {
	for i := from; i < from+n; i++ {
		s.At = time.Duration(i) * 100 * time.Microsecond
		s.Latency = lat[i&1023]
		s.Service = s.Latency / 2
		a.Add(s)
	}
}

func latencies() []time.Duration {
	rng := rand.New(rand.NewSource(1))
	lat := make([]time.Duration, 1024)
	for i := range lat {
		lat[i] = time.Millisecond + time.Duration(rng.ExpFloat64()*float64(5*time.Millisecond))
	}
	return lat
}

func BenchmarkAdd(b *testing.B) {
	lat := latencies()
	b.Run("clean", func(b *testing.B) {
		a := NewAggregator(testMeta())
		s := benchSample()
		b.ReportAllocs()
		b.ResetTimer()
		addLoop(a, &s, 0, b.N, lat)
	})
	b.Run("one-violation", func(b *testing.B) {
		a := NewAggregator(testMeta())
		s := benchSample()
		s.Header = http.Header{"Strict-Transport-Security": {"max-age=31536000"}, "X-Content-Type-Options": {"nosniff"}}
		s.Violations = []conformance.Violation{{Rule: "header.missing", Severity: conformance.SeverityHigh,
			Header: "content-security-policy", Message: "Content-Security-Policy is missing", Offset: -1}}
		b.ReportAllocs()
		b.ResetTimer()
		addLoop(a, &s, 0, b.N, lat)
	})
	b.Run("500-bypass-leak", func(b *testing.B) {
		a := NewAggregator(testMeta())
		ok := benchSample()
		a.Add(&ok)
		s := benchSample()
		s.Status = 500
		s.Header = http.Header{"Content-Type": {"text/plain"}}
		s.Body = traceback(rand.New(rand.NewSource(1)))
		for _, h := range requiredHeaders {
			s.Violations = append(s.Violations, conformance.Violation{Rule: "header.missing", Severity: conformance.SeverityHigh, Header: h, Message: "missing", Offset: -1})
		}
		s.Violations = append(s.Violations, conformance.Violation{Rule: "body.leak.python_traceback", Severity: conformance.SeverityHigh, Kind: "python_traceback", Offset: 10})
		b.ReportAllocs()
		b.ResetTimer()
		addLoop(a, &s, 1, b.N, lat)
	})
}

// heap returns HeapInuse and HeapAlloc (live bytes) after a full collection.
func heap() (inuse, alloc uint64) {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse, m.HeapAlloc
}

// BenchmarkAddMemory reports the heap after 100k and after 1M samples of a 100 s run
// (10,000/s; one violation in 16 responses, one 500 in 64): the difference is the timeline's
// growth (one row a second), not the number of requests.
func BenchmarkAddMemory(b *testing.B) {
	lat := latencies()
	for range b.N {
		base, baseAlloc := heap()
		a := NewAggregator(testMeta())
		clean, bad := benchSample(), benchSample()
		bad.Status = 500
		bad.Header = http.Header{"Content-Type": {"text/plain"}}
		bad.Violations = []conformance.Violation{{Rule: "header.missing", Severity: conformance.SeverityHigh, Header: "strict-transport-security", Offset: -1}}
		feedN := func(from, n int) {
			for i := from; i < from+n; i += 16 {
				addLoop(a, &clean, i, 15, lat)
				addLoop(a, &bad, i+15, 1, lat)
			}
		}
		feedN(0, 100_000)
		at100k, alloc100k := heap()
		feedN(100_000, 900_000)
		at1M, alloc1M := heap()
		mib := func(n, base uint64) float64 { return (float64(n) - float64(base)) / (1 << 20) }
		b.ReportMetric(mib(at100k, base), "inuse-MiB@100k")
		b.ReportMetric(mib(at1M, base), "inuse-MiB@1M")
		b.ReportMetric(mib(alloc100k, baseAlloc), "live-MiB@100k")
		b.ReportMetric(mib(alloc1M, baseAlloc), "live-MiB@1M")
		runtime.KeepAlive(a)
	}
}

// TestMemoryBounded: once a run's seconds are covered, more requests add no memory
// (invariant 2). 300k samples over the same 10 s cost what 30k do.
func TestMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("feeds 300k samples")
	}
	lat := latencies()
	rng := rand.New(rand.NewSource(5))
	stream := randomStream(rng, 4096, 10) // violations, bypasses, errors, every endpoint
	a := NewAggregator(testMeta())
	feedN := func(n int) {
		for i := range n {
			s := stream[i&4095]
			s.Latency = lat[i&1023]
			a.Add(&s)
		}
	}
	feedN(30_000)
	_, before := heap()
	feedN(300_000)
	_, after := heap()
	growth := int64(after) - int64(before)
	t.Logf("live heap: %d KiB after 30k samples, %d KiB after 330k (growth %d KiB)", before>>10, after>>10, growth>>10)
	if growth > 1<<20 {
		t.Errorf("heap grew by %d KiB over 300k more samples in the same seconds; want < 1 MiB", growth>>10)
	}
	runtime.KeepAlive(a)
	runtime.KeepAlive(stream)
}

// BenchmarkMarshalBinary encodes the partial of a one-hour run (200 responses a second, latency
// spread over 1–50 ms) and reports its size.
func BenchmarkMarshalBinary(b *testing.B) {
	lat := latencies()
	a := NewAggregator(testMeta())
	s := benchSample()
	for i := range 3600 * 200 {
		s.At = time.Duration(i) * 5 * time.Millisecond
		s.Latency = lat[i&1023]
		a.Add(&s)
	}
	_, live := heap()
	b.ReportAllocs()
	b.ResetTimer()
	var n int
	for range b.N {
		data, err := a.MarshalBinary()
		if err != nil {
			b.Fatal(err)
		}
		n = len(data)
	}
	b.ReportMetric(float64(n)/1024, "KiB")
	b.ReportMetric(float64(live)/(1<<20), "live-MiB") // after ResetTimer, which clears metrics
}
