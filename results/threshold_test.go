package results

import (
	"testing"
	"time"

	"github.com/seccheck/seccheck/conformance"
	"github.com/seccheck/seccheck/specs"
)

func th(op string, v float64, raw string) *specs.Threshold {
	return &specs.Threshold{Op: op, Value: v, Raw: raw}
}

func TestEvaluate(t *testing.T) {
	s := &Stats{Rate5xx: 0.002, RateErrors: 0, Violations: 3,
		Latency: Latency{P50: 10, P90: 40, P95: 90, P99: 850, Max: 1200}}
	tests := []struct {
		name string
		t    specs.Thresholds
		want []bool // pass, in report order
	}{
		{"none", specs.Thresholds{}, []bool{}},
		{"rate_5xx as fraction", specs.Thresholds{Rate5xx: th("<=", 0.001, "<= 0.1%")}, []bool{false}},
		{"rate_5xx holds", specs.Thresholds{Rate5xx: th("<=", 0.005, "<= 0.5%")}, []bool{true}},
		{"latency in ms", specs.Thresholds{LatencyP99: th("<", 800, "< 800ms"), LatencyP50: th("<", 20, "< 20ms"), LatencyMax: th("<=", 2000, "<= 2s")}, []bool{true, false, true}},
		{"violations count", specs.Thresholds{Violations: th("==", 0, "== 0"), RateErrors: th("<=", 0.005, "<= 0.5%")}, []bool{true, false}},
		{"all", specs.Thresholds{Rate5xx: th("<", 1, "< 100%"), RateErrors: th("==", 0, "== 0"), LatencyP50: th(">", 0, "> 0ms"),
			LatencyP90: th("<", 50, "< 50ms"), LatencyP95: th("<", 50, "< 50ms"), LatencyP99: th("<", 1000, "< 1s"),
			LatencyMax: th("<", 1000, "< 1s"), Violations: th("<=", 3, "<= 3")}, []bool{true, true, true, true, false, true, false, true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Evaluate(&tc.t, "list-orders", s)
			if len(got) != len(tc.want) {
				t.Fatalf("judged %d thresholds (%+v), want %d", len(got), got, len(tc.want))
			}
			for i, g := range got {
				if g.Pass != tc.want[i] || g.Endpoint != "list-orders" {
					t.Errorf("%s %s observed %v: pass %v, want %v", g.Name, g.Limit, g.Observed, g.Pass, tc.want[i])
				}
			}
		})
	}
	if got := Evaluate(nil, "", s); got == nil || len(got) != 0 {
		t.Errorf("Evaluate(nil) = %#v, want empty", got)
	}
}

// The verdict: thresholds, and findings unless a violations threshold governs their endpoint.
func TestReportVerdict(t *testing.T) {
	a := NewAggregator(testMeta())
	for i := range 100 {
		s := Sample{Endpoint: 2, At: time.Duration(i) * time.Millisecond, Latency: 5 * time.Millisecond, Status: 200}
		if i == 0 {
			s.Violations = []conformance.Violation{{Rule: "header.forbidden", Severity: conformance.SeverityLow, Header: "x-powered-by", Offset: -1}}
		}
		a.Add(&s)
	}
	eps := func(ts ...*specs.Thresholds) []*specs.Thresholds { return ts }
	tests := []struct {
		name string
		opts ReportOptions
		want string
	}{
		{"a finding, no violations threshold", ReportOptions{}, "fail"},
		{"global violations tolerates it", ReportOptions{Thresholds: specs.Thresholds{Violations: th("<=", 1, "<= 1")}}, "pass"},
		{"global violations refuses it", ReportOptions{Thresholds: specs.Thresholds{Violations: th("==", 0, "== 0")}}, "fail"},
		{"the endpoint's own violations threshold", ReportOptions{EndpointThresholds: eps(nil, nil, &specs.Thresholds{Violations: th("<", 5, "< 5")})}, "pass"},
		{"another endpoint's violations threshold", ReportOptions{EndpointThresholds: eps(&specs.Thresholds{Violations: th("<", 5, "< 5")})}, "fail"},
		{"latency threshold fails", ReportOptions{Thresholds: specs.Thresholds{Violations: th("<=", 1, "<= 1"), LatencyP99: th("<", 1, "< 1ms")}}, "fail"},
		{"endpoint latency threshold fails", ReportOptions{Thresholds: specs.Thresholds{Violations: th("<=", 1, "<= 1")},
			EndpointThresholds: eps(nil, nil, &specs.Thresholds{LatencyP50: th("<", 1, "< 1ms")})}, "fail"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := a.Report(tc.opts)
			if r.Verdict != tc.want {
				t.Errorf("verdict %s, want %s (thresholds %+v)", r.Verdict, tc.want, r.Thresholds)
			}
		})
	}
	r := a.Report(ReportOptions{Thresholds: specs.Thresholds{Rate5xx: th("<=", 0, "<= 0%")},
		EndpointThresholds: eps(nil, nil, &specs.Thresholds{LatencyP99: th("<", 800, "< 800ms")})})
	if len(r.Thresholds) != 2 || r.Thresholds[0].Endpoint != "" || r.Thresholds[1].Endpoint != "health" || r.Thresholds[1].Observed < 4.9 || r.Thresholds[1].Observed > 5.1 {
		t.Errorf("thresholds = %+v, want the global one then health's p99 ≈ 5 ms", r.Thresholds)
	}
}
