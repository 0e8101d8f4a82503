package pipeline

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/seccheck/seccheck/results"
)

// strictHeaders pass every per-header rule of the strict preset.
var strictHeaders = map[string]string{
	"Strict-Transport-Security":    "max-age=31536000; includeSubDomains",
	"Content-Security-Policy":      "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self'",
	"X-Frame-Options":              "DENY",
	"X-Content-Type-Options":       "nosniff",
	"Referrer-Policy":              "no-referrer",
	"Permissions-Policy":           "camera=()",
	"Cross-Origin-Opener-Policy":   "same-origin",
	"Cross-Origin-Resource-Policy": "same-origin",
	"Cache-Control":                "no-store",
}

// corsServer answers with strictHeaders plus the CORS headers cors derives from the request's
// Origin, and records the Origins it received.
func corsServer(t *testing.T, cors func(origin string, h http.Header)) (*httptest.Server, func() []string) {
	t.Helper()
	var mu sync.Mutex
	origins := map[string]bool{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		origins[r.Header.Get("Origin")] = true
		mu.Unlock()
		for k, v := range strictHeaders {
			w.Header().Set(k, v)
		}
		cors(r.Header.Get("Origin"), w.Header())
		fmt.Fprintln(w, `{"ok":true}`)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []string {
		mu.Lock()
		defer mu.Unlock()
		var out []string
		for o := range origins {
			out = append(out, o)
		}
		sort.Strings(out)
		return out
	}
}

// TestStrictCORS runs a strict spec through the real pipeline (a load run, whose hits go
// through Sink, and the smoke check) against three CORS configurations.
func TestStrictCORS(t *testing.T) {
	const probe = "https://seccheck-probe.invalid"
	tests := []struct {
		name string
		cors func(origin string, h http.Header)
		want []string // "rule header severity"
	}{
		{name: "reflects any Origin with credentials", cors: func(o string, h http.Header) {
			if o != "" {
				h.Set("Access-Control-Allow-Origin", o)
				h.Set("Access-Control-Allow-Credentials", "true")
			}
		}, want: []string{"cors.origin_reflected access-control-allow-origin high"}},
		{name: "wildcard with credentials", cors: func(_ string, h http.Header) {
			h.Set("Access-Control-Allow-Origin", "*")
			h.Set("Access-Control-Allow-Credentials", "true")
		}, want: []string{"cors.wildcard_credentials access-control-allow-origin high"}},
		{name: "fixed allow-list origin", cors: func(o string, h http.Header) {
			h.Set("Access-Control-Allow-Origin", "https://app.example.com")
			h.Set("Access-Control-Allow-Credentials", "true")
			h.Set("Vary", "Origin")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, origins := corsServer(t, tt.cors)
			spec := parse(t, fmt.Sprintf(`version: 1
name: cors
target: {url: %q}
endpoints:
  - {name: api, path: /api}
checks: {preset: strict}
load:
  phases:
    - {duration: 300ms, rate: 20}
`, srv.URL))
			run, err := New(Options{Spec: spec, Command: "run"})
			if err != nil {
				t.Fatal(err)
			}
			out, err := run.Execute(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			chk, err := Check(t.Context(), spec, CheckOptions{Requests: 2})
			if err != nil {
				t.Fatal(err)
			}
			for how, rep := range map[string]*results.Report{"run": out.Report, "check": chk.Report} {
				n := rep.Totals.Requests
				if n == 0 {
					t.Fatalf("%s sent nothing", how)
				}
				var got []string
				for _, f := range rep.Findings {
					got = append(got, f.Rule+" "+f.Header+" "+f.Severity)
					if f.Count != n { // every response is judged
						t.Errorf("%s: %s on %d of %d responses", how, f.Rule, f.Count, n)
					}
				}
				if strings.Join(got, "|") != strings.Join(tt.want, "|") {
					t.Errorf("%s: findings %q, want %q", how, got, tt.want)
				}
			}
			if got := origins(); len(got) != 1 || got[0] != probe {
				t.Errorf("server received Origins %q, want only %q", got, probe)
			}
		})
	}
}
