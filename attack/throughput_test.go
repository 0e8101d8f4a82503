package attack

import (
	"bytes"
	"context"
	"net/http"
	"syscall"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// BenchmarkClosed64 measures requests/s in the closed model with 64 in flight against a local
// server, for plain vegeta (its lib: default options plus MaxBody) and for Run with a no-op
// sink, in alternating rounds of the same run so both see the same machine:
//
//	go test -run '^$' -bench Closed64 -benchtime 1x ./attack/
func BenchmarkClosed64(b *testing.B) {
	for _, size := range []struct {
		name string
		body []byte
	}{
		{"ok-100B", bytes.Repeat([]byte("k"), 100)},
		{"big-64KiB", bytes.Repeat([]byte("b"), 64<<10)},
	} {
		b.Run(size.name, func(b *testing.B) {
			srv := newServer(b, func(w http.ResponseWriter, r *http.Request) {
				h := w.Header()
				h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
				h.Set("X-Content-Type-Options", "nosniff")
				h.Set("X-Frame-Options", "DENY")
				h.Set("Content-Security-Policy", "default-src 'self'")
				h.Set("Referrer-Policy", "no-referrer")
				w.Write(size.body)
			})
			const round = 500 * time.Millisecond // short rounds, alternated: a shared machine is noisy
			var plain, ours float64              // requests
			var plainT, oursT, plainCPU, oursCPU time.Duration
			for range b.N {
				for range 6 {
					start, cpu := time.Now(), cpuTime()
					plain += float64(plainVegeta(srv.URL, round))
					plainT += time.Since(start)
					plainCPU += cpuTime() - cpu

					a := mustNew(b, testSpec(srv.URL, closedPhase(round, 64)))
					start, cpu = time.Now(), cpuTime()
					info, err := a.Run(context.Background(), func(*Hit) {})
					oursT += time.Since(start)
					oursCPU += cpuTime() - cpu
					if err != nil || info.Errors > 0 {
						b.Fatalf("run: %v, %d errors", err, info.Errors)
					}
					ours += float64(info.Hits)
					a.Close()
				}
			}
			b.ReportMetric(plain/plainT.Seconds(), "vegeta-req/s")
			b.ReportMetric(ours/oursT.Seconds(), "seccheck-req/s")
			b.ReportMetric((ours/oursT.Seconds())/(plain/plainT.Seconds()), "ratio")
			// CPU of this process (client and server) per request: steadier than req/s when
			// other processes share the machine.
			b.ReportMetric(float64(plainCPU.Microseconds())/plain, "vegeta-cpu-µs/req")
			b.ReportMetric(float64(oursCPU.Microseconds())/ours, "seccheck-cpu-µs/req")
		})
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// plainVegeta is vegeta's lib as its README shows it, closed model: 64 workers, no rate limit.
func plainVegeta(url string, d time.Duration) int {
	atk := vegeta.NewAttacker(vegeta.Workers(64), vegeta.MaxWorkers(64), vegeta.MaxBody(1<<20))
	tr := vegeta.NewStaticTargeter(vegeta.Target{Method: "GET", URL: url + "/"})
	n := 0
	for res := range atk.Attack(tr, vegeta.ConstantPacer{}, d, "plain") {
		if res.Code == 200 {
			n++
		}
	}
	return n
}
