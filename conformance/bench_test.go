package conformance

import (
	"bytes"
	"flag"
	"testing"

	"github.com/cloudflare/ahocorasick"
	"github.com/seccheck/seccheck/specs"
)

// Run: go test -run 'TestScanSpeedRatio' -bench . ./conformance/

// catalogueLiterals is every anchor of the builtin catalogue, deduplicated.
func catalogueLiterals() [][]byte {
	seen := map[string]bool{}
	var lits [][]byte
	for _, s := range Catalogue {
		for _, a := range s.Anchors {
			if !seen[a] {
				seen[a] = true
				lits = append(lits, []byte(a))
			}
		}
	}
	return lits
}

// leakyBody is n bytes of clean corpus with every catalogue example spliced in at even spacing.
func leakyBody(tb testing.TB, n int) []byte {
	b := corpus(tb, n)
	step := n / (len(Catalogue) + 1)
	for i, s := range Catalogue {
		copy(b[(i+1)*step:], "\n"+s.Example+"\n")
	}
	return b
}

func benchBodies(b *testing.B) map[string][]byte {
	return map[string][]byte{
		"clean1KiB":  corpus(b, 1<<10),
		"clean64KiB": corpus(b, 64<<10),
		"leaky64KiB": leakyBody(b, 64<<10),
	}
}

var benchNames = []string{"clean1KiB", "clean64KiB", "leaky64KiB"}

// BenchmarkLeakScan scans with the whole builtin catalogue (anchor pass + confirmations).
func BenchmarkLeakScan(b *testing.B) {
	bodies := benchBodies(b)
	for _, name := range benchNames {
		body := bodies[name]
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			dst := make([]Violation, 0, 32)
			for i := 0; i < b.N; i++ {
				dst = builtinLeaks.scan(body, dst[:0])
			}
		})
	}
}

// BenchmarkBytesContainsLoop is the baseline: one bytes.Contains per catalogue literal.
func BenchmarkBytesContainsLoop(b *testing.B) {
	bodies := benchBodies(b)
	lits := catalogueLiterals()
	for _, name := range benchNames {
		body := bodies[name]
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			n := 0
			for i := 0; i < b.N; i++ {
				for _, l := range lits {
					if bytes.Contains(body, l) {
						n++
					}
				}
			}
			_ = n
		})
	}
}

// BenchmarkCloudflareAhoCorasick is the candidate LIBRARY-NOTES.md measured, on the same literals.
func BenchmarkCloudflareAhoCorasick(b *testing.B) {
	bodies := benchBodies(b)
	m := ahocorasick.NewMatcher(catalogueLiterals())
	for _, name := range benchNames {
		body := bodies[name]
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			for i := 0; i < b.N; i++ {
				_ = m.MatchThreadSafe(body)
			}
		})
	}
}

// BenchmarkCheck is Check on a full clean response: recommended headers, a cookie, 2 KiB JSON.
func BenchmarkCheck(b *testing.B) {
	ch, err := Compile(recommendedChecks(), specs.Expect{Status: []specs.StatusMatcher{{Class: 2}}})
	if err != nil {
		b.Fatal(err)
	}
	r := &Response{Status: 200, Header: cleanHeader(), Body: jsonBody2K(b), Credentialed: true}
	dst := make([]Violation, 0, 8)
	b.ReportAllocs()
	b.SetBytes(int64(len(r.Body)))
	for i := 0; i < b.N; i++ {
		dst = ch.Check(r, dst[:0])
	}
}

// TestScanSpeedRatio prints the anchor scan's speed against the bytes.Contains loop and
// cloudflare/ahocorasick on the clean 64 KiB body. It runs only with -bench (it measures; it
// asserts nothing, as timings on a shared machine are not a test).
func TestScanSpeedRatio(t *testing.T) {
	if f := flag.Lookup("test.bench"); f == nil || f.Value.String() == "" {
		t.Skip("measures speed; runs with -bench")
	}
	body := corpus(t, 64<<10)
	lits := catalogueLiterals()
	m := ahocorasick.NewMatcher(lits)
	mbps := func(r testing.BenchmarkResult) float64 {
		return float64(r.Bytes) * float64(r.N) / r.T.Seconds() / 1e6
	}
	scan := testing.Benchmark(func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for i := 0; i < b.N; i++ {
			builtinLeaks.scan(body, nil)
		}
	})
	loop := testing.Benchmark(func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for i := 0; i < b.N; i++ {
			for _, l := range lits {
				bytes.Contains(body, l)
			}
		}
	})
	ac := testing.Benchmark(func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for i := 0; i < b.N; i++ {
			m.MatchThreadSafe(body)
		}
	})
	t.Logf("clean 64 KiB, %d literals: anchor scan %.0f MB/s; bytes.Contains loop %.0f MB/s; cloudflare/ahocorasick %.0f MB/s",
		len(lits), mbps(scan), mbps(loop), mbps(ac))
	t.Logf("ratio: %.1fx the bytes.Contains loop, %.1fx cloudflare/ahocorasick", mbps(scan)/mbps(loop), mbps(scan)/mbps(ac))
}
