package pipeline

import (
	"strings"
	"testing"

	"github.com/seccheck/seccheck/results"
)

func endpoint(name, path string, requests, s5xx uint64) results.Endpoint {
	e := results.Endpoint{Name: name, Method: "GET", Path: path}
	e.Requests, e.Status5xx = requests, s5xx
	if requests > 0 {
		e.Rate5xx = float64(s5xx) / float64(requests)
	}
	return e
}

func TestExplain(t *testing.T) {
	tests := []struct {
		name    string
		rep     results.Report
		want    []string // substrings, each in its own line, in this order
		notWant []string
	}{
		{
			name: "clean report",
			rep:  results.Report{Command: "run", Endpoints: []results.Endpoint{endpoint("items", "/api/items", 100, 0)}},
		},
		{
			name: "bypass, leaks and other rules under load",
			rep: results.Report{
				Command: "demo",
				Endpoints: []results.Endpoint{
					endpoint("health", "/api/health", 100, 0),
					endpoint("items", "/api/items", 200, 25),
				},
				Findings: []results.Finding{
					{Rule: "header.bypass_on_error", Endpoint: "items", Header: "x-frame-options", Count: 25},
					{Rule: "header.bypass_on_error", Endpoint: "items", Header: "content-security-policy", Count: 25},
					{Rule: "body.leak.python_traceback", Endpoint: "items", Count: 25},
					{Rule: "body.leak.internal_path", Endpoint: "items", Count: 20},
					{Rule: "header.forbidden", Endpoint: "health", Header: "server", Count: 100},
					{Rule: "cookie.flags", Endpoint: "health", Kind: "httponly", Count: 3},
					{Rule: "header.forbidden", Endpoint: "items", Header: "server", Count: 200},
				},
			},
			want: []string{
				"/api/items answered 5xx to 12.5% of its requests (25 of 200) under load, and those error responses lacked 2 security header(s) that its successful responses carry (content-security-policy, x-frame-options): the security middleware is bypassed on the error path",
				"At least 25 of those responses leaked internals in their body (python_traceback, internal_path)",
				"Also found: cookie.flags, header.forbidden (see the findings table).",
			},
			notWant: []string{"/api/health answered"},
		},
		{
			name: "5xx without a bypass, from a smoke check",
			rep: results.Report{
				Command:   "check",
				Endpoints: []results.Endpoint{endpoint("login", "/api/login", 4, 1)},
			},
			want:    []string{"/api/login answered 5xx to 25.0% of its requests (1 of 4)."},
			notWant: []string{"under load", "bypassed"},
		},
		{
			name: "a leak on an endpoint without 5xx",
			rep: results.Report{
				Command:   "run",
				Endpoints: []results.Endpoint{endpoint("debug", "/debug", 10, 0)},
				Findings:  []results.Finding{{Rule: "body.leak.sql_error", Endpoint: "debug", Count: 10}},
			},
			want: []string{"/debug leaked internals in response bodies (sql_error)."},
		},
		{
			// Several endpoints leak: lines follow the report's endpoint order, every time.
			name: "leaks on several endpoints",
			rep: results.Report{
				Command: "run",
				Endpoints: []results.Endpoint{
					endpoint("e1", "/one", 10, 0), endpoint("e2", "/two", 10, 0), endpoint("e3", "/three", 10, 0),
					endpoint("e4", "/four", 10, 0), endpoint("e5", "/five", 10, 0),
				},
				Findings: []results.Finding{
					{Rule: "body.leak.sql_error", Endpoint: "e5", Count: 1},
					{Rule: "body.leak.sql_error", Endpoint: "e3", Count: 1},
					{Rule: "body.leak.java_stacktrace", Endpoint: "e1", Count: 1},
					{Rule: "body.leak.sql_error", Endpoint: "e4", Count: 1},
					{Rule: "body.leak.sql_error", Endpoint: "e2", Count: 1},
				},
			},
			want: []string{"/one leaked", "/two leaked", "/three leaked", "/four leaked", "/five leaked"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Explain(&tt.rep)
			if len(tt.want) == 0 {
				if len(got) != 0 {
					t.Errorf("Explain = %q, want no lines", got)
				}
				return
			}
			if len(got) != len(tt.want) {
				t.Fatalf("Explain gave %d lines, want %d:\n%s", len(got), len(tt.want), strings.Join(got, "\n"))
			}
			for i, w := range tt.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("line %d:\n got %q\nwant it to contain %q", i, got[i], w)
				}
			}
			all := strings.Join(got, "\n")
			for _, nw := range tt.notWant {
				if strings.Contains(all, nw) {
					t.Errorf("Explain mentions %q:\n%s", nw, all)
				}
			}
		})
	}
}
