// Command vegeta-plain is the baseline of bench/throughput.sh: vegeta's library attacking one
// URL with a fixed number of workers and no checks, draining results the way its CLI's report
// would (count, status, latency sum). It prints one JSON line: {"requests":…,"rps":…}.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

func main() {
	url := flag.String("url", "", "target URL (127.0.0.1 only)")
	workers := flag.Uint64("workers", 64, "requests in flight")
	duration := flag.Duration("duration", 10*time.Second, "attack duration")
	maxBody := flag.Int64("max-body", 1<<20, "bytes of each body kept (as seccheck's max_body)")
	flag.Parse()
	if *url == "" {
		fmt.Fprintln(os.Stderr, "vegeta-plain: -url is required")
		os.Exit(2)
	}
	tr := vegeta.NewStaticTargeter(vegeta.Target{Method: http.MethodGet, URL: *url})
	a := vegeta.NewAttacker(
		vegeta.Workers(*workers), vegeta.MaxWorkers(*workers), vegeta.Connections(int(*workers)),
		vegeta.MaxBody(*maxBody), vegeta.Redirects(vegeta.NoFollow), vegeta.KeepAlive(true),
	)
	var n, ok uint64
	var lat time.Duration
	start := time.Now()
	for r := range a.Attack(tr, vegeta.ConstantPacer{}, *duration, "bench") {
		n++
		if r.Code >= 200 && r.Code < 400 {
			ok++
		}
		lat += r.Latency
	}
	el := time.Since(start).Seconds()
	json.NewEncoder(os.Stdout).Encode(map[string]any{"requests": n, "ok": ok, "rps": float64(n) / el})
}
