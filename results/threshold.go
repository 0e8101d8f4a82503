package results

import "github.com/seccheck/seccheck/specs"

// Threshold names, in the order reports list them.
const (
	ThresholdRate5xx    = "rate_5xx"
	ThresholdRateErrors = "rate_errors"
	ThresholdLatencyP50 = "latency_p50"
	ThresholdLatencyP90 = "latency_p90"
	ThresholdLatencyP95 = "latency_p95"
	ThresholdLatencyP99 = "latency_p99"
	ThresholdLatencyMax = "latency_max"
	ThresholdViolations = "violations"
)

// Evaluate judges the thresholds t against s, the stats of the whole run (endpoint "") or of
// one endpoint. Observed values are normalised as specs.Threshold expects: rates as fractions of
// all requests (0..1), latency in milliseconds from the intended send time (the
// coordinated-omission-corrected latency, Stats.Latency), violations as a count of violations of
// all rules. Unset thresholds are not judged; the result lists the judged ones in a fixed order
// and is never nil.
func Evaluate(t *specs.Thresholds, endpoint string, s *Stats) []Threshold {
	out := []Threshold{}
	if t == nil {
		return out
	}
	judge := func(name string, th *specs.Threshold, observed float64) {
		if th == nil {
			return
		}
		out = append(out, Threshold{Name: name, Endpoint: endpoint, Limit: th.Raw, Observed: observed, Pass: th.Holds(observed)})
	}
	judge(ThresholdRate5xx, t.Rate5xx, s.Rate5xx)
	judge(ThresholdRateErrors, t.RateErrors, s.RateErrors)
	judge(ThresholdLatencyP50, t.LatencyP50, s.Latency.P50)
	judge(ThresholdLatencyP90, t.LatencyP90, s.Latency.P90)
	judge(ThresholdLatencyP95, t.LatencyP95, s.Latency.P95)
	judge(ThresholdLatencyP99, t.LatencyP99, s.Latency.P99)
	judge(ThresholdLatencyMax, t.LatencyMax, s.Latency.Max)
	judge(ThresholdViolations, t.Violations, float64(s.Violations))
	return out
}

// Verdict returns "pass" or "fail" for judged thresholds and findings; judged reports whether a
// `violations` threshold governs an endpoint (nil: none does). The rule:
//
//   - any threshold that fails fails the run;
//   - a finding fails the run unless a `violations` threshold governs its endpoint (the
//     endpoint's own, or the global one). Where a spec sets `violations`, that threshold alone
//     decides how many are tolerated; where it does not, any finding — whatever its severity,
//     header.bypass_on_error included — fails the run.
//
// So a spec without a `violations` threshold passes only with zero findings (`seccheck demo
// --fixed` passes, the broken demo fails), and `violations: "<= 10"` tolerates up to ten.
func Verdict(thresholds []Threshold, findings []Finding, judged func(endpoint string) bool) string {
	for _, t := range thresholds {
		if !t.Pass {
			return "fail"
		}
	}
	for _, f := range findings {
		if judged == nil || !judged(f.Endpoint) {
			return "fail"
		}
	}
	return "pass"
}
