package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/seccheck/seccheck/results"
)

// secureHeaders are the five headers the recommended preset requires.
var secureHeaders = map[string]string{
	"Strict-Transport-Security": "max-age=31536000; includeSubDomains",
	"Content-Security-Policy":   "default-src 'self'",
	"X-Frame-Options":           "DENY",
	"X-Content-Type-Options":    "nosniff",
	"Referrer-Policy":           "no-referrer",
}

// targetServer answers every request 200 with the secure headers, except those named in omit.
// It counts requests and rejects any that lack the spec's bearer token.
func targetServer(t *testing.T, omit ...string) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		for k, v := range secureHeaders {
			if !contains(omit, k) {
				w.Header().Set(k, v)
			}
		}
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path != "/" && r.Header.Get("Authorization") != "Bearer "+secretValue {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		fmt.Fprintln(w, `{"ok":true}`)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// runSpec is a short open-model run: 20/s for 500ms over two endpoints.
func runSpec(url string) string {
	return fmt.Sprintf(`version: 1
name: cli-run-test
target:
  url: %s
  timeout: 5s
auth:
  bearer: ${TOKEN}
endpoints:
  - name: items
    path: /api/items
  - name: orders
    path: /api/orders
    expect:
      status: [200]
load:
  phases:
    - {duration: 500ms, rate: 20}
thresholds:
  rate_5xx: "== 0"
  rate_errors: "== 0"
`, url)
}

func TestRunEndToEnd(t *testing.T) {
	tests := []struct {
		name       string
		omit       []string
		wantCode   int
		wantRule   string // a finding the report must hold; "" for none at all
		wantHeader string
	}{
		{name: "all five headers", wantCode: ExitOK},
		{name: "missing CSP", omit: []string{"Content-Security-Policy"}, wantCode: ExitFail,
			wantRule: "header.missing", wantHeader: "content-security-policy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, hits := targetServer(t, tt.omit...)
			dir := t.TempDir()
			spec := writeFile(t, dir, "spec.yaml", runSpec(srv.URL))
			jsonPath := filepath.Join(dir, "report.json")
			f, out, errOut := testFactory("TOKEN", secretValue)
			opts := &RunOptions{
				IO: f.IO, LookupEnv: f.LookupEnv, SpecPath: spec, Seed: 1, DurationScale: 1,
				Outs: []string{"json=" + jsonPath}, NoProgress: true,
			}
			err := runRun(t.Context(), opts)
			if CodeOf(err) != tt.wantCode {
				t.Fatalf("code %d (err %v), want %d\nstdout:\n%s\nstderr:\n%s", CodeOf(err), err, tt.wantCode, out, errOut)
			}
			var ee *ExitError
			if err != nil && (!errors.As(err, &ee) || ee.Err != nil) {
				t.Errorf("a failed verdict is reported by the table; err should be quiet, got %v", err)
			}
			stdout := out.String()
			if !strings.HasPrefix(stdout, "cli-run-test: 2 endpoints, 1 phase, ") {
				t.Errorf("stdout does not start with the plan:\n%s", stdout)
			}
			for _, s := range []string{"Endpoints", "items", "orders", "verdict: "} {
				if !strings.Contains(stdout, s) {
					t.Errorf("table lacks %q:\n%s", s, stdout)
				}
			}
			if strings.Contains(stdout+errOut.String(), secretValue) {
				t.Errorf("secret in output")
			}

			data, err := os.ReadFile(jsonPath)
			if err != nil {
				t.Fatal(err)
			}
			var rep results.Report
			if err := json.Unmarshal(data, &rep); err != nil {
				t.Fatalf("report does not parse: %v", err)
			}
			if rep.Schema != results.SchemaV1 || rep.Name != "cli-run-test" || rep.Command != "run" || rep.Partial {
				t.Errorf("report head: schema %q name %q command %q partial %v", rep.Schema, rep.Name, rep.Command, rep.Partial)
			}
			wantVerdict := map[int]string{ExitOK: "pass", ExitFail: "fail"}[tt.wantCode]
			if rep.Verdict != wantVerdict {
				t.Errorf("verdict %q, want %q", rep.Verdict, wantVerdict)
			}
			// The preflight is one request more than the report counts.
			if got := int64(rep.Totals.Requests) + 1; rep.Totals.Requests == 0 || got != hits.Load() {
				t.Errorf("report counts %d requests, server saw %d (preflight included)", rep.Totals.Requests, hits.Load())
			}
			if rep.Totals.Status["200"] != rep.Totals.Requests {
				t.Errorf("status mix %v, want all 200 (the bearer token was sent)", rep.Totals.Status)
			}
			var sum uint64
			for _, ep := range rep.Endpoints {
				sum += ep.Requests
			}
			if sum != rep.Totals.Requests {
				t.Errorf("endpoints add up to %d, totals say %d", sum, rep.Totals.Requests)
			}
			if tt.wantRule == "" {
				if len(rep.Findings) != 0 {
					t.Errorf("findings %+v, want none", rep.Findings)
				}
				return
			}
			found := false
			for _, fd := range rep.Findings {
				if fd.Rule == tt.wantRule && fd.Header == tt.wantHeader {
					found = true
					if fd.Count == 0 || fd.Count > rep.Totals.Requests {
						t.Errorf("finding count %d of %d requests", fd.Count, rep.Totals.Requests)
					}
				}
			}
			if !found {
				t.Errorf("no %s finding for %s in %+v", tt.wantRule, tt.wantHeader, rep.Findings)
			}
		})
	}
}

// closedPort returns a 127.0.0.1 address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestRunUnreachable(t *testing.T) {
	dir := t.TempDir()
	spec := writeFile(t, dir, "spec.yaml", runSpec("http://"+closedPort(t)))
	jsonPath := filepath.Join(dir, "report.json")
	f, out, errOut := testFactory("TOKEN", secretValue)
	// Through Main's error printing, as a user sees it.
	root := NewRootCmd(f)
	root.SetArgs([]string{"run", spec, "--out", "json=" + jsonPath, "--no-progress"})
	err := root.Execute()
	if CodeOf(err) != ExitCannotRun {
		t.Fatalf("code %d (err %v), want %d", CodeOf(err), err, ExitCannotRun)
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") || !strings.Contains(msg, "cannot reach http://127.0.0.1:") || !strings.Contains(msg, "refused") {
		t.Errorf("error %q: want one line naming the target and the refusal", msg)
	}
	if strings.Contains(out.String()+errOut.String()+msg, secretValue) {
		t.Errorf("secret in output")
	}
	if _, err := os.Stat(jsonPath); !os.IsNotExist(err) {
		t.Errorf("a report was written although nothing ran: %v", err)
	}
}

func TestRunBadSpecSendsNothing(t *testing.T) {
	srv, hits := targetServer(t)
	spec := writeFile(t, t.TempDir(), "spec.yaml", strings.Replace(runSpec(srv.URL), "rate: 20", "rate: 0", 1))
	f, out, errOut := testFactory("TOKEN", secretValue)
	err := runRun(t.Context(), &RunOptions{IO: f.IO, LookupEnv: f.LookupEnv, SpecPath: spec, DurationScale: 1, NoProgress: true})
	if CodeOf(err) != ExitUsage || hits.Load() != 0 {
		t.Errorf("code %d, %d requests sent; want 2 and none", CodeOf(err), hits.Load())
	}
	if out.Len() != 0 || !strings.Contains(errOut.String(), spec+":") {
		t.Errorf("stdout %q stderr %q", out, errOut)
	}
}

// TestStepSummaryAppends: $GITHUB_STEP_SUMMARY (from the Factory's environment) gets the
// Markdown summary appended after what earlier steps wrote, once per run.
func TestStepSummaryAppends(t *testing.T) {
	srv, _ := targetServer(t)
	dir := t.TempDir()
	spec := writeFile(t, dir, "spec.yaml", runSpec(srv.URL))
	const earlier = "## An earlier step\n\nits own summary\n"
	summary := writeFile(t, dir, "summary.md", earlier)
	for run := 1; run <= 2; run++ {
		f, _, errOut := testFactory("TOKEN", secretValue, "GITHUB_STEP_SUMMARY", summary)
		err := runRun(t.Context(), &RunOptions{IO: f.IO, LookupEnv: f.LookupEnv, SpecPath: spec, Seed: 1, DurationScale: 1, NoProgress: true})
		if err != nil {
			t.Fatalf("run %d: %v\n%s", run, err, errOut)
		}
		data, err := os.ReadFile(summary)
		if err != nil {
			t.Fatal(err)
		}
		got := string(data)
		if !strings.HasPrefix(got, earlier) {
			t.Fatalf("run %d: the earlier content was overwritten:\n%s", run, got)
		}
		if n := strings.Count(got, "cli-run-test"); n < run {
			t.Errorf("run %d: the summary names the spec %d times, want at least %d:\n%s", run, n, run, got)
		}
	}
}

// TestStepSummarySeparated: a summary that does not end in a newline is not glued to ours.
func TestStepSummarySeparated(t *testing.T) {
	summary := writeFile(t, t.TempDir(), "summary.md", "no newline at the end")
	f, _, _ := testFactory("GITHUB_STEP_SUMMARY", summary)
	rep := &results.Report{Schema: results.SchemaV1, Name: "sep", Verdict: "pass"}
	if err := appendStepSummary(f, rep); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(summary)
	first, rest, _ := strings.Cut(string(data), "\n")
	if first != "no newline at the end" || !strings.Contains(rest, "sep") {
		t.Errorf("summary file:\n%s", data)
	}
}

func TestStepSummaryUnset(t *testing.T) {
	tests := []struct {
		name string
		env  []string
	}{
		{"unset", nil},
		{"empty", []string{"GITHUB_STEP_SUMMARY", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, _ := testFactory(tt.env...)
			if err := appendStepSummary(f, &results.Report{Schema: results.SchemaV1}); err != nil {
				t.Errorf("appendStepSummary: %v", err)
			}
		})
	}
	f, _, _ := testFactory("GITHUB_STEP_SUMMARY", filepath.Join(t.TempDir(), "missing-dir", "s.md"))
	if err := appendStepSummary(f, &results.Report{Schema: results.SchemaV1}); err == nil || !strings.Contains(err.Error(), "GITHUB_STEP_SUMMARY") {
		t.Errorf("unwritable summary: %v, want an error naming GITHUB_STEP_SUMMARY", err)
	}
}
