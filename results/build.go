package results

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/seccheck/seccheck/specs"
)

// ReportOptions are what a report needs beyond the aggregates.
type ReportOptions struct {
	Thresholds specs.Thresholds
	// EndpointThresholds[i] are endpoint i's own thresholds (nil or missing: none).
	EndpointThresholds []*specs.Thresholds
	Partial            bool
	PartialWhy         string
	Phases             []Phase
	Command            string
	Seed               int64
	// Duration of the run; 0 derives it from the samples (the latest response completion,
	// At + Latency, since the start).
	Duration time.Duration
}

// Report builds report v1 (DESIGN.md) from the aggregates. Stats.RPS is requests divided by the
// run's duration; findings come header.bypass_on_error first, then by severity, count (both
// descending), endpoint, rule, header and kind; the timeline has one row per second from 0 to
// the last second with a sample. The verdict is the one Verdict documents. Slices and maps of
// the report are empty, never nil, so JSON shows [] and {}. Report does not change the
// aggregator.
//
// A report of an aggregator merged by MergeParts from fewer shards than the run had is marked
// partial.
func (a *Aggregator) Report(opts ReportOptions) *Report {
	dur := opts.Duration
	if dur <= 0 {
		dur = a.maxEnd
	}
	durS := dur.Seconds()

	total := &endpointAgg{latency: newHist(), service: newHist()}
	r := &Report{
		Schema:     SchemaV1,
		Name:       a.meta.Name,
		Partial:    opts.Partial,
		PartialWhy: opts.PartialWhy,
		StartedAt:  a.meta.Start.UTC().Format(time.RFC3339),
		DurationS:  durS,
		Command:    opts.Command,
		Seed:       opts.Seed,
		Endpoints:  make([]Endpoint, 0, len(a.eps)),
		Thresholds: []Threshold{},
		Phases:     opts.Phases,
		SpecHash:   a.meta.SpecHash,
	}
	if a.meta.Shards > 1 {
		r.Shards = a.meta.Shards
		if missing := a.missingShards(); a.merged && len(missing) > 0 {
			r.Partial = true
			why := fmt.Sprintf("merged %d of %d shards (missing %s)", len(a.shards), a.meta.Shards, joinInts(missing))
			if r.PartialWhy != "" {
				why = r.PartialWhy + "; " + why
			}
			r.PartialWhy = why
		}
	}
	for i, e := range a.eps {
		em := a.meta.Endpoints[i]
		r.Endpoints = append(r.Endpoints, Endpoint{Name: em.Name, Method: em.Method, Path: em.Path, Stats: e.stats(durS)})
		total.add(e)
	}
	r.Totals = total.stats(durS)

	r.Thresholds = append(r.Thresholds, Evaluate(&opts.Thresholds, "", &r.Totals)...)
	for i := range r.Endpoints {
		if i < len(opts.EndpointThresholds) {
			r.Thresholds = append(r.Thresholds, Evaluate(opts.EndpointThresholds[i], r.Endpoints[i].Name, &r.Endpoints[i].Stats)...)
		}
	}
	r.Findings = a.reportFindings()
	r.Timeline = a.reportTimeline()
	r.Verdict = Verdict(r.Thresholds, r.Findings, func(endpoint string) bool {
		if opts.Thresholds.Violations != nil {
			return true
		}
		i := slices.IndexFunc(a.meta.Endpoints, func(e EndpointMeta) bool { return e.Name == endpoint })
		return i >= 0 && i < len(opts.EndpointThresholds) && opts.EndpointThresholds[i] != nil &&
			opts.EndpointThresholds[i].Violations != nil
	})
	return r
}

// add folds o's counters and histograms into e (used for totals and Merge).
func (e *endpointAgg) add(o *endpointAgg) {
	e.requests += o.requests
	for i, n := range o.status {
		e.status[i] += n
	}
	for k := range o.errKinds {
		e.errKinds[k] += o.errKinds[k]
		e.errSamples[k] = mergeSmallest(e.errSamples[k], o.errSamples[k], maxErrSamples, (*errSample).compare)
	}
	e.latency.Merge(o.latency)
	e.service.Merge(o.service)
	e.bytesIn += o.bytesIn
	e.bytesOut += o.bytesOut
	e.violations += o.violations
}

func (e *endpointAgg) stats(durS float64) Stats {
	s := Stats{
		Requests:   e.requests,
		Status:     map[string]uint64{},
		Latency:    latencyOf(e.latency),
		Service:    latencyOf(e.service),
		Violations: e.violations,
		BytesIn:    e.bytesIn,
		BytesOut:   e.bytesOut,
	}
	for code, n := range e.status {
		if n == 0 {
			continue
		}
		s.Status[strconv.Itoa(code)] = n
		switch code / 100 {
		case 2:
			s.Status2xx += n
		case 3:
			s.Status3xx += n
		case 4:
			s.Status4xx += n
		case 5:
			s.Status5xx += n
		}
	}
	for k, n := range e.errKinds {
		if n == 0 {
			continue
		}
		if s.ErrorKinds == nil {
			s.ErrorKinds = map[string]uint64{}
		}
		s.ErrorKinds[string(errKinds[k])] = n
		s.Errors += n
		for _, es := range e.errSamples[k] {
			s.ErrorSamples = append(s.ErrorSamples, ErrorSample{Kind: string(errKinds[k]), Text: es.Text, AtS: es.At.Seconds()})
		}
	}
	if e.requests > 0 {
		s.Rate5xx = float64(s.Status5xx) / float64(e.requests)
		s.RateErrors = float64(s.Errors) / float64(e.requests)
	}
	if durS > 0 {
		s.RPS = float64(e.requests) / durS
	}
	return s
}

func latencyOf(h *hdr.Histogram) Latency {
	if h.TotalCount() == 0 {
		return Latency{}
	}
	return Latency{
		P50:  ms(h.ValueAtQuantile(50)),
		P90:  ms(h.ValueAtQuantile(90)),
		P95:  ms(h.ValueAtQuantile(95)),
		P99:  ms(h.ValueAtQuantile(99)),
		Max:  ms(h.Max()),
		Mean: h.Mean() / 1000,
	}
}

func ms(us int64) float64 { return float64(us) / 1000 }

func (a *Aggregator) reportTimeline() []Second {
	out := make([]Second, len(a.timeline))
	for i, row := range a.timeline {
		s := Second{T: i, Requests: row.requests, Status5xx: row.status5xx, Errors: row.errors}
		if row.latency != nil && row.latency.TotalCount() > 0 {
			s.P50 = ms(row.latency.ValueAtPercentile(50))
			s.P95 = ms(row.latency.ValueAtPercentile(95))
			s.P99 = ms(row.latency.ValueAtPercentile(99))
		}
		out[i] = s
	}
	return out
}

func (a *Aggregator) reportFindings() []Finding {
	out := []Finding{}
	for i, e := range a.eps {
		for _, b := range e.required {
			if b.found() {
				out = append(out, a.bypassFinding(i, b))
			}
		}
	}
	for _, f := range a.findings {
		rf := Finding{
			Rule:      f.key.rule,
			Severity:  f.severity.String(),
			Endpoint:  a.meta.Endpoints[f.key.endpoint].Name,
			Header:    f.key.header,
			Kind:      f.key.kind,
			Count:     f.count,
			ByStatus:  byStatusMap(f.byStatus),
			FirstAtS:  f.firstAt.Seconds(),
			Message:   f.message,
			Exemplars: make([]Exemplar, 0, len(f.exemplars)),
		}
		for i := range f.exemplars {
			rf.Exemplars = append(rf.Exemplars, f.exemplars[i].report())
		}
		out = append(out, rf)
	}
	slices.SortFunc(out, compareFindings)
	return out
}

func (a *Aggregator) bypassFinding(ep int, b *bypass) Finding {
	parts := make([]string, len(b.byStatus))
	for i, sc := range b.byStatus {
		parts[i] = fmt.Sprintf("%d: %d", sc.Status, sc.Count)
	}
	f := Finding{
		Rule:     RuleBypassOnError,
		Severity: "high",
		Endpoint: a.meta.Endpoints[ep].Name,
		Header:   b.header,
		Count:    b.missing,
		ByStatus: byStatusMap(b.byStatus),
		FirstAtS: b.errExemplars[0].At.Seconds(),
		Message: fmt.Sprintf("%s is sent on %d successful responses but missing on %d error responses (status %s): error paths bypass the security headers",
			b.header, b.ok, b.missing, strings.Join(parts, ", ")),
		Exemplars: make([]Exemplar, 0, len(b.okExemplars)+len(b.errExemplars)),
	}
	for i := range b.okExemplars {
		f.Exemplars = append(f.Exemplars, b.okExemplars[i].report())
	}
	for i := range b.errExemplars {
		f.Exemplars = append(f.Exemplars, b.errExemplars[i].report())
	}
	return f
}

func byStatusMap(list []statusCount) map[string]uint64 {
	m := make(map[string]uint64, len(list))
	for _, sc := range list {
		m[strconv.Itoa(sc.Status)] = sc.Count
	}
	return m
}

func severityRank(s string) int {
	switch s {
	case "critical":
		return 4
	case "high":
		return 3
	case "medium":
		return 2
	case "low":
		return 1
	}
	return 0
}

func compareFindings(a, b Finding) int {
	ab, bb := a.Rule == RuleBypassOnError, b.Rule == RuleBypassOnError
	if ab != bb {
		if ab {
			return -1
		}
		return 1
	}
	if c := cmp.Compare(severityRank(b.Severity), severityRank(a.Severity)); c != 0 {
		return c
	}
	if c := cmp.Compare(b.Count, a.Count); c != 0 {
		return c
	}
	if c := strings.Compare(a.Endpoint, b.Endpoint); c != 0 {
		return c
	}
	if c := strings.Compare(a.Rule, b.Rule); c != 0 {
		return c
	}
	if c := strings.Compare(a.Header, b.Header); c != 0 {
		return c
	}
	return strings.Compare(a.Kind, b.Kind)
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ", ")
}
