package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seccheck/seccheck/results"
)

// sampleReport is a small report v1: one endpoint, 100 requests, p99 20 ms.
func sampleReport(name string) *results.Report {
	stats := results.Stats{
		Requests: 100, RPS: 10, Status: map[string]uint64{"200": 100}, Status2xx: 100,
		Latency: results.Latency{P50: 5, P90: 10, P95: 15, P99: 20, Max: 30, Mean: 6},
	}
	return &results.Report{
		Schema: results.SchemaV1, Name: name, Verdict: "pass", StartedAt: "2026-01-02T03:04:05Z",
		DurationS: 10, Command: "run", Totals: stats,
		Endpoints:  []results.Endpoint{{Name: "items", Method: "GET", Path: "/api/items", Stats: stats}},
		Findings:   []results.Finding{},
		Thresholds: []results.Threshold{{Name: "rate_5xx", Limit: "<= 0.1%", Observed: 0, Pass: true}},
		Timeline:   []results.Second{},
	}
}

// worse is sampleReport with a new finding and a failed verdict.
func worse(name string) *results.Report {
	r := sampleReport(name)
	r.Verdict = "fail"
	r.Findings = []results.Finding{{
		Rule: "header.missing", Severity: "high", Endpoint: "items", Header: "content-security-policy",
		Count: 100, ByStatus: map[string]uint64{"200": 100}, Message: "missing",
	}}
	r.Endpoints[0].Violations, r.Totals.Violations = 100, 100
	return r
}

func writeReport(t *testing.T, dir, name string, rep *results.Report) string {
	t.Helper()
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	return writeFile(t, dir, name, string(b))
}

func TestReport(t *testing.T) {
	dir := t.TempDir()
	good := writeReport(t, dir, "good.json", sampleReport("orders-api"))
	notJSON := writeFile(t, dir, "junk.json", "<html>")
	otherSchema := writeFile(t, dir, "other.json", `{"schema":"k6/summary"}`)
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string // in stdout
		wantErr  string // in the error
	}{
		{"table", []string{"report", good}, ExitOK, "orders-api", ""},
		{"json", []string{"report", good, "--format", "json"}, ExitOK, `"schema": "seccheck.report/v1"`, ""},
		{"junit", []string{"report", good, "--format", "junit"}, ExitOK, "<testsuite", ""},
		{"markdown", []string{"report", good, "--format", "markdown"}, ExitOK, "orders-api", ""},
		{"html", []string{"report", good, "--format", "html"}, ExitOK, "<html", ""},
		{"format is case-insensitive", []string{"report", good, "--format", "JSON"}, ExitOK, `"schema"`, ""},
		{"unknown format", []string{"report", good, "--format", "yaml"}, ExitUsage, "", `--format: `},
		{"missing file", []string{"report", filepath.Join(dir, "nope.json")}, ExitUsage, "", "nope.json: no such file or directory"},
		{"not JSON", []string{"report", notJSON}, ExitUsage, "", "junk.json: not a JSON report"},
		{"other schema", []string{"report", otherSchema}, ExitUsage, "", `schema "k6/summary", want "seccheck.report/v1"`},
		{"-o in a missing directory", []string{"report", good, "-o", filepath.Join(dir, "no", "r.html")}, ExitUsage, "", "does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, out, _ := testFactory()
			code, err := execute(f, tt.args...)
			if code != tt.wantCode {
				t.Fatalf("%v: code %d (err %v), want %d", tt.args, code, err, tt.wantCode)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("%v: err %v, want %q", tt.args, err, tt.wantErr)
			}
			if !strings.Contains(out.String(), tt.wantOut) {
				t.Errorf("%v: stdout lacks %q:\n%.500s", tt.args, tt.wantOut, out)
			}
		})
	}
}

func TestReportToFile(t *testing.T) {
	dir := t.TempDir()
	good := writeReport(t, dir, "good.json", sampleReport("orders-api"))
	target := filepath.Join(dir, "r.md")
	f, out, _ := testFactory()
	if code, err := execute(f, "report", good, "--format", "markdown", "-o", target); code != ExitOK {
		t.Fatalf("code %d err %v", code, err)
	}
	if out.Len() != 0 {
		t.Errorf("stdout %q, want nothing with -o", out)
	}
	b, err := os.ReadFile(target)
	if err != nil || !strings.Contains(string(b), "orders-api") {
		t.Errorf("%s: %v\n%s", target, err, b)
	}
	// The json format round-trips: re-rendering a report as JSON gives the same report.
	jsonTarget := filepath.Join(dir, "again.json")
	if code, err := execute(f, "report", good, "--format", "json", "-o", jsonTarget); code != ExitOK {
		t.Fatalf("code %d err %v", code, err)
	}
	a, _ := readReport(good)
	b2, err := readReport(jsonTarget)
	if err != nil || a.Name != b2.Name || a.Totals.Requests != b2.Totals.Requests || a.Verdict != b2.Verdict {
		t.Errorf("round trip: %v %+v", err, b2)
	}
}

func TestCompare(t *testing.T) {
	dir := t.TempDir()
	base := writeReport(t, dir, "base.json", sampleReport("orders-api"))
	same := writeReport(t, dir, "same.json", sampleReport("orders-api"))
	bad := writeReport(t, dir, "worse.json", worse("orders-api"))
	slow := sampleReport("orders-api")
	slow.Totals.Latency.P99, slow.Endpoints[0].Latency.P99 = 23, 23 // +15%
	slower := writeReport(t, dir, "slower.json", slow)
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string
		wantErr  string
	}{
		{"nothing changed", []string{"compare", base, same}, ExitOK, "", ""},
		{"it got better", []string{"compare", bad, base}, ExitOK, "", ""},
		{"new finding", []string{"compare", base, bad}, ExitFail, "content-security-policy", ""},
		{"p99 up 15% over a 10% tolerance", []string{"compare", base, slower}, ExitFail, "p99", ""},
		{"p99 up 15% within a 20% tolerance", []string{"compare", base, slower, "--latency-tolerance", "0.2"}, ExitOK, "", ""},
		{"negative tolerance", []string{"compare", base, same, "--latency-tolerance", "-1"}, ExitUsage, "", "--latency-tolerance must be >= 0"},
		{"missing new", []string{"compare", base, filepath.Join(dir, "nope.json")}, ExitUsage, "", "no such file"},
		{"one argument", []string{"compare", base}, ExitUsage, "", "accepts 2 arg(s)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, out, _ := testFactory()
			code, err := execute(f, tt.args...)
			if code != tt.wantCode {
				t.Fatalf("%v: code %d (err %v), want %d\n%s", tt.args, code, err, tt.wantCode, out)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("err %v, want %q", err, tt.wantErr)
			}
			if !strings.Contains(out.String(), tt.wantOut) {
				t.Errorf("stdout lacks %q:\n%s", tt.wantOut, out)
			}
		})
	}
}
