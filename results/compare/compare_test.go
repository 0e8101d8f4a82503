package compare

import (
	"bytes"
	"strings"
	"testing"

	"github.com/seccheck/seccheck/results"
)

// report builds a two-endpoint report; tweak adjusts it per case.
func report(tweak func(r *results.Report)) *results.Report {
	r := &results.Report{
		Schema: results.SchemaV1, Name: "orders-api", Verdict: "pass", StartedAt: "2026-03-14T09:00:00Z",
		Totals: results.Stats{Requests: 2000, Rate5xx: 0.001, RateErrors: 0, Latency: results.Latency{P99: 100}},
		Endpoints: []results.Endpoint{
			{Name: "list", Stats: results.Stats{Requests: 1000, Rate5xx: 0.002, Latency: results.Latency{P99: 120}}},
			{Name: "create", Stats: results.Stats{Requests: 1000, Latency: results.Latency{P99: 80}}},
		},
		Findings: []results.Finding{
			{Rule: "header.missing", Endpoint: "create", Header: "x-frame-options", Count: 100, ByStatus: map[string]uint64{"201": 100}},
		},
	}
	if tweak != nil {
		tweak(r)
	}
	return r
}

func TestReports(t *testing.T) {
	cases := []struct {
		name  string
		next  func(r *results.Report)
		opts  Options
		kinds []string // Kind@Endpoint, in order
	}{
		{name: "identical", kinds: nil},
		{name: "better everywhere", next: func(r *results.Report) {
			r.Totals.Rate5xx, r.Endpoints[0].Rate5xx, r.Totals.Latency.P99 = 0, 0, 50
			r.Findings = nil
		}},
		{name: "verdict pass to fail", next: func(r *results.Report) { r.Verdict = "fail" },
			kinds: []string{"verdict@"}},
		{name: "5xx up globally and on list", next: func(r *results.Report) {
			r.Totals.Rate5xx, r.Endpoints[0].Rate5xx = 0.02, 0.04
		}, kinds: []string{"rate_5xx@", "rate_5xx@list"}},
		{name: "error rate up on create only", next: func(r *results.Report) {
			r.Endpoints[1].RateErrors = 0.01
		}, kinds: []string{"rate_errors@create"}},
		{name: "p99 within tolerance", next: func(r *results.Report) {
			r.Totals.Latency.P99, r.Endpoints[0].Latency.P99 = 109, 131
		}, opts: Options{LatencyTolerance: 0.10}},
		{name: "p99 beyond tolerance", next: func(r *results.Report) {
			r.Totals.Latency.P99, r.Endpoints[1].Latency.P99 = 111, 200
		}, opts: Options{LatencyTolerance: 0.10}, kinds: []string{"latency_p99@", "latency_p99@create"}},
		{name: "zero tolerance flags any rise", next: func(r *results.Report) {
			r.Totals.Latency.P99 = 100.5
		}, kinds: []string{"latency_p99@"}},
		{name: "new finding", next: func(r *results.Report) {
			r.Findings = append(r.Findings, results.Finding{Rule: "header.bypass_on_error", Endpoint: "list",
				Header: "strict-transport-security", Count: 3, ByStatus: map[string]uint64{"500": 3}})
		}, kinds: []string{"finding.new@list"}},
		{name: "same rule on another header is new", next: func(r *results.Report) {
			r.Findings[0].Header = "content-security-policy"
		}, kinds: []string{"finding.new@create"}},
		{name: "header case does not make a finding new", next: func(r *results.Report) {
			r.Findings[0].Header = "X-Frame-Options"
		}},
		{name: "finding rate rose", next: func(r *results.Report) { r.Findings[0].Count = 150 },
			kinds: []string{"finding.rate@create"}},
		{name: "more findings in a longer run is not a rise", next: func(r *results.Report) {
			r.Findings[0].Count, r.Endpoints[1].Requests = 200, 2000
		}},
		{name: "new endpoint: only its findings count", next: func(r *results.Report) {
			r.Endpoints = append(r.Endpoints, results.Endpoint{Name: "admin", Stats: results.Stats{Requests: 10, Rate5xx: 1}})
			r.Findings = append(r.Findings, results.Finding{Rule: "body.leak.python_traceback", Endpoint: "admin", Kind: "python_traceback", Count: 10})
		}, kinds: []string{"finding.new@admin"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := Reports(report(nil), report(c.next), c.opts)
			var got []string
			for _, ch := range res.Changes {
				got = append(got, ch.Kind+"@"+ch.Endpoint)
			}
			if strings.Join(got, " ") != strings.Join(c.kinds, " ") {
				t.Errorf("changes %v, want %v\n%+v", got, c.kinds, res.Changes)
			}
			if res.Worse() != (len(c.kinds) > 0) {
				t.Errorf("Worse() = %v with changes %v", res.Worse(), got)
			}
		})
	}
}

func TestFindingRateValues(t *testing.T) {
	res := Reports(report(nil), report(func(r *results.Report) { r.Findings[0].Count = 150 }), Options{})
	if len(res.Changes) != 1 {
		t.Fatalf("changes %+v", res.Changes)
	}
	c := res.Changes[0]
	if c.Base != 0.1 || c.Next != 0.15 || c.Rule != "header.missing" || c.Subject != "x-frame-options" {
		t.Errorf("change %+v, want header.missing x-frame-options 0.1 -> 0.15", c)
	}
}

func TestRender(t *testing.T) {
	var buf bytes.Buffer
	if err := Reports(report(nil), report(nil), Options{}).Render(&buf); err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); !strings.HasPrefix(got, "compare: nothing got worse") {
		t.Errorf("no regressions rendered as %q", got)
	}

	buf.Reset()
	next := report(func(r *results.Report) {
		r.Verdict = "fail"
		r.Totals.Rate5xx = 0.05
		r.Findings = append(r.Findings, results.Finding{Rule: "header.bypass_on_error", Endpoint: "li\x1b[2Jst",
			Header: "strict-transport-security", Count: 3, ByStatus: map[string]uint64{"500": 2, "502": 1}})
	})
	if err := Reports(report(nil), next, Options{LatencyTolerance: DefaultLatencyTolerance}).Render(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"compare: 3 regressions", "verdict went from pass to fail", "5xx rate 5.00%, was 0.10%",
		"new: header.bypass_on_error strict-transport-security on 3 responses (500:2, 502:1)"} {
		if !strings.Contains(out, want) {
			t.Errorf("render lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b") {
		t.Errorf("an escape sequence from the report reached the output:\n%q", out)
	}
}

func TestNilReports(t *testing.T) {
	if Reports(nil, report(nil), Options{}).Worse() {
		t.Error("nil base reported worse")
	}
}
