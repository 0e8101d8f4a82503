package pipeline

import (
	"fmt"
	"testing"
)

// checkSpec has an endpoint with the default credentials, one that opts out, and one with its
// own credentials.
func checkSpec(url string) string {
	return fmt.Sprintf(`version: 1
name: smoke
target: {url: %q}
auth: {bearer: "${TOKEN}"}
endpoints:
  - {name: private, path: /private}
  - {name: public, path: /public, auth: none}
  - name: own
    path: /own
    auth: {header: {name: X-Key, value: "k-${TOKEN}"}}
thresholds:
  violations: "== 0"
`, url)
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name        string
		enforceAuth bool
		requests    int
		wantVerdict string
		// endpoints whose unauthenticated request succeeded
		wantNotEnforced []string
	}{
		{name: "the server answers 401 without credentials", enforceAuth: true, requests: 3, wantVerdict: "pass"},
		{name: "the server ignores credentials", enforceAuth: false, requests: 2, wantVerdict: "fail",
			wantNotEnforced: []string{"private", "own"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, seen := server(t, tt.enforceAuth)
			spec := parse(t, checkSpec(srv.URL))
			out, err := Check(t.Context(), spec, CheckOptions{Requests: tt.requests, Concurrency: 2})
			if err != nil {
				t.Fatal(err)
			}
			rep := out.Report
			n := tt.requests
			// N requests per endpoint, plus one without credentials for each endpoint that has
			// them (private, own); never one for public.
			for k, want := range map[string]int{
				"/private auth": n, "/private anon": 1,
				"/public anon": n, "/public auth": 0,
				"/own auth": n, "/own anon": 1,
			} {
				if got := seen.get(k); got != want {
					t.Errorf("server saw %d requests %q, want %d (all: %v)", got, k, want, seen.n)
				}
			}
			if want := uint64(3*n + 2); rep.Totals.Requests != want {
				t.Errorf("report counts %d requests, want %d", rep.Totals.Requests, want)
			}
			if rep.Command != "check" || rep.Verdict != tt.wantVerdict {
				t.Errorf("command %q verdict %q, want check and %q", rep.Command, rep.Verdict, tt.wantVerdict)
			}
			var got []string
			for _, f := range rep.Findings {
				if f.Rule == RuleAuthNotEnforced {
					got = append(got, f.Endpoint)
					if f.Count != 1 || f.Severity != "critical" {
						t.Errorf("%s: count %d severity %q, want 1 critical", f.Endpoint, f.Count, f.Severity)
					}
				} else {
					t.Errorf("unexpected finding %s on %s (%s)", f.Rule, f.Endpoint, f.Header)
				}
			}
			if fmt.Sprint(sortStrings(got)) != fmt.Sprint(sortStrings(tt.wantNotEnforced)) {
				t.Errorf("auth.not_enforced on %v, want %v", got, tt.wantNotEnforced)
			}
		})
	}
}

// TestCheckStatusExpectationNotAppliedWithoutCredentials: the 401 to the request without
// credentials is the right answer, not a status.unexpected against expect: [200].
func TestCheckStatusExpectationNotAppliedWithoutCredentials(t *testing.T) {
	srv, _ := server(t, true)
	spec := parse(t, fmt.Sprintf(`version: 1
target: {url: %q}
auth: {bearer: "${TOKEN}"}
endpoints:
  - {name: private, path: /private, expect: {status: [200]}}
`, srv.URL))
	out, err := Check(t.Context(), spec, CheckOptions{Requests: 1})
	if err != nil {
		t.Fatal(err)
	}
	if rep := out.Report; len(rep.Findings) != 0 || rep.Totals.Status["401"] != 1 || rep.Totals.Status["200"] != 1 {
		t.Errorf("findings %+v, status %v; want none, one 200 and one 401", rep.Findings, rep.Totals.Status)
	}
}

func sortStrings(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}
