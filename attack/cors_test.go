package attack

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/seccheck/seccheck/specs"
)

// TestCORSProbeOrigin: an endpoint whose effective checks have a probe_origin sends it as the
// Origin of every request (open and closed phases, Probe with and without credentials), and
// every Hit reports it; an endpoint without one sends no Origin. The server reflects Origin
// into Access-Control-Allow-Origin, as the misconfiguration does.
func TestCORSProbeOrigin(t *testing.T) {
	t.Parallel()
	const probe = "https://seccheck-probe.invalid"
	var mu sync.Mutex
	seen := map[string]map[string]int{} // path -> Origin received -> count
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		o := r.Header.Get("Origin")
		mu.Lock()
		if seen[r.URL.Path] == nil {
			seen[r.URL.Path] = map[string]int{}
		}
		seen[r.URL.Path][o]++
		mu.Unlock()
		if o != "" {
			w.Header().Set("Access-Control-Allow-Origin", o)
			w.Header().Set("Access-Control-Allow-Credentials", "true")
		}
	})
	spec := testSpec(srv.URL, openPhase(200*time.Millisecond, 100, 0), closedPhase(200*time.Millisecond, 2))
	spec.Auth = &specs.Auth{Bearer: "tok"}
	strict, _ := specs.Preset("strict")
	spec.Endpoints = []specs.Endpoint{
		{Name: "probed", Method: "GET", Path: "/probed", Weight: 1, Effective: strict,
			Headers: map[string]string{"Origin": "https://overridden.example"}},
		{Name: "plain", Method: "GET", Path: "/plain", Weight: 1},
	}
	a := mustNew(t, spec)
	hits := map[string]int{} // "endpoint phase origin acao"
	_, err := a.Run(context.Background(), func(h *Hit) {
		want := ""
		if h.Endpoint == 0 {
			want = probe
		}
		if h.Status != 200 || h.Origin != want || h.Header.Get("Access-Control-Allow-Origin") != want {
			t.Errorf("endpoint %d phase %d: status %d, Hit.Origin %q, ACAO %q; want Origin %q",
				h.Endpoint, h.Phase, h.Status, h.Origin, h.Header.Get("Access-Control-Allow-Origin"), want)
		}
		hits[spec.Endpoints[h.Endpoint].Name]++
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, cred := range []bool{true, false} {
		h, err := a.Probe(context.Background(), 0, cred)
		if err != nil || h.Status != 200 || h.Origin != probe || h.Header.Get("Access-Control-Allow-Origin") != probe {
			t.Errorf("Probe(credentials %v): %+v, %v", cred, h, err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen["/probed"]) != 1 || seen["/probed"][probe] != hits["probed"]+2 {
		t.Errorf("/probed received Origins %v, want only %q (%d requests)", seen["/probed"], probe, hits["probed"]+2)
	}
	if len(seen["/plain"]) != 1 || seen["/plain"][""] != hits["plain"] || hits["plain"] == 0 {
		t.Errorf("/plain received Origins %v, want none (%d requests)", seen["/plain"], hits["plain"])
	}
}
