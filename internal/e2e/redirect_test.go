package e2e

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/seccheck/seccheck/results"
)

// TestRedirectToAnotherHostIsNotFollowed: the 302 is reported as a response, and the other host
// (a second listener that counts) receives nothing, with and without follow_redirects.
func TestRedirectToAnotherHostIsNotFollowed(t *testing.T) {
	other, hits := countingServer(t)
	// "localhost" and "127.0.0.1" are different hosts to seccheck, though both are loopback.
	away := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/stolen", http.StatusFound)
	}))
	t.Cleanup(away.Close)

	for _, follow := range []string{"false", "true"} {
		t.Run("follow_redirects="+follow, func(t *testing.T) {
			dir := t.TempDir()
			spec := writeFile(t, dir, "spec.yaml", `version: 1
name: redirect
target: {url: "`+away.URL+`", follow_redirects: `+follow+`}
endpoints: [{path: /login}]
load: {phases: [{duration: 1s, rate: 20}]}
checks: {preset: none}
`)
			out := filepath.Join(dir, "r.json")
			r := seccheck(t, 30*time.Second, nil, "run", spec, "--no-progress", "--out", "json="+out)
			if r.code > 1 {
				t.Fatalf("exit %d\nstderr:\n%s", r.code, r.stderr)
			}
			b, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			var rep results.Report
			if err := json.Unmarshal(b, &rep); err != nil {
				t.Fatal(err)
			}
			if rep.Totals.Status["302"] == 0 {
				t.Errorf("the 302 was not reported as a response: status %v, errors %d", rep.Totals.Status, rep.Totals.Errors)
			}
			if n := hits.Load(); n != 0 {
				t.Errorf("the other host received %d requests, want 0", n)
			}
		})
	}
}
