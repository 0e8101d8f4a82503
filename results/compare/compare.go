// Package compare tells what got worse between two reports of the same spec — the last
// release's and this build's — so CI can gate on regressions rather than on absolute limits.
package compare

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/seccheck/seccheck/results"
	"github.com/seccheck/seccheck/results/render"
)

// DefaultLatencyTolerance is the relative p99 rise `seccheck compare` allows by default.
const DefaultLatencyTolerance = 0.10

// Options tune what counts as worse.
type Options struct {
	// LatencyTolerance is the relative rise of p99 latency that is not yet a regression:
	// next > base·(1+LatencyTolerance) is worse. 0.10 allows 10%; 0 flags any rise. Latency
	// is noisy between runs, rates and findings are not, so only latency has a tolerance.
	LatencyTolerance float64
}

// Kinds of regression, stable for scripts that read Change.Kind.
const (
	KindVerdict     = "verdict"      // pass → fail
	KindNewFinding  = "finding.new"  // endpoint+rule+header/kind absent from base
	KindFindingRate = "finding.rate" // affected share of the endpoint's requests rose
	KindRate5xx     = "rate_5xx"
	KindRateErrors  = "rate_errors"
	KindLatencyP99  = "latency_p99"
)

// Change is one thing that got worse. Base and Next are in the unit of the kind: a fraction
// for rates (finding.rate included: findings per request), ms for latency.
type Change struct {
	Kind     string
	Endpoint string // "" for the whole run
	Rule     string // finding kinds only
	Subject  string // header or leak kind, finding kinds only
	Base     float64
	Next     float64
	Detail   string // one line for people
}

// Result lists the regressions of Next against Base, whole-run changes first, then per
// endpoint in Next's order.
type Result struct {
	Base, Next string // report names, with their start times
	Changes    []Change
}

// Worse reports whether anything got worse.
func (r Result) Worse() bool { return len(r.Changes) > 0 }

// Reports compares next against base. Endpoints are matched by name; an endpoint only in
// next has no baseline, so only its findings count (as new).
func Reports(base, next *results.Report, opts Options) Result {
	res := Result{Base: label(base), Next: label(next)}
	if base == nil || next == nil {
		return res
	}
	add := func(c Change) { res.Changes = append(res.Changes, c) }

	if base.Verdict == "pass" && next.Verdict != "pass" {
		add(Change{Kind: KindVerdict, Detail: "verdict went from pass to " + strings.ToLower(orFail(next.Verdict))})
	}
	for _, c := range statsChanges("", base.Totals, next.Totals, opts) {
		add(c)
	}
	baseEP := map[string]results.Stats{}
	for _, e := range base.Endpoints {
		baseEP[e.Name] = e.Stats
	}
	nextEP := map[string]results.Stats{}
	for _, e := range next.Endpoints {
		nextEP[e.Name] = e.Stats
		if b, ok := baseEP[e.Name]; ok {
			for _, c := range statsChanges(e.Name, b, e.Stats, opts) {
				add(c)
			}
		}
	}

	baseF := map[findingKey]results.Finding{}
	for _, f := range base.Findings {
		baseF[keyOf(f)] = f
	}
	for _, f := range next.Findings {
		k := keyOf(f)
		b, seen := baseF[k]
		if !seen {
			add(Change{Kind: KindNewFinding, Endpoint: f.Endpoint, Rule: f.Rule, Subject: k.subject,
				Next:   findingRate(f, nextEP, next.Totals),
				Detail: fmt.Sprintf("new: %s on %d responses (%s)", ruleText(f.Rule, k.subject), f.Count, statuses(f.ByStatus))})
			continue
		}
		br, nr := findingRate(b, baseEP, base.Totals), findingRate(f, nextEP, next.Totals)
		if nr > br {
			add(Change{Kind: KindFindingRate, Endpoint: f.Endpoint, Rule: f.Rule, Subject: k.subject, Base: br, Next: nr,
				Detail: fmt.Sprintf("%s on %s of requests, was %s", ruleText(f.Rule, k.subject), render.Percent(nr), render.Percent(br))})
		}
	}
	return res
}

// statsChanges compares one scope's counters. A scope without requests in base has no rate
// or latency to regress from.
func statsChanges(endpoint string, b, n results.Stats, opts Options) []Change {
	if b.Requests == 0 || n.Requests == 0 {
		return nil
	}
	var out []Change
	if n.Rate5xx > b.Rate5xx {
		out = append(out, Change{Kind: KindRate5xx, Endpoint: endpoint, Base: b.Rate5xx, Next: n.Rate5xx,
			Detail: fmt.Sprintf("5xx rate %s, was %s", render.Percent(n.Rate5xx), render.Percent(b.Rate5xx))})
	}
	if n.RateErrors > b.RateErrors {
		out = append(out, Change{Kind: KindRateErrors, Endpoint: endpoint, Base: b.RateErrors, Next: n.RateErrors,
			Detail: fmt.Sprintf("transport error rate %s, was %s", render.Percent(n.RateErrors), render.Percent(b.RateErrors))})
	}
	if n.Latency.P99 > b.Latency.P99*(1+opts.LatencyTolerance) {
		rise := "from zero"
		if b.Latency.P99 > 0 {
			rise = "+" + strconv.FormatFloat(100*(n.Latency.P99/b.Latency.P99-1), 'f', 0, 64) + "%"
		}
		out = append(out, Change{Kind: KindLatencyP99, Endpoint: endpoint, Base: b.Latency.P99, Next: n.Latency.P99,
			Detail: fmt.Sprintf("p99 %s ms, was %s ms (%s, tolerance %s)", render.Millis(n.Latency.P99), render.Millis(b.Latency.P99), rise,
				strconv.FormatFloat(100*opts.LatencyTolerance, 'f', -1, 64)+"%")})
	}
	return out
}

// findingKey identifies a finding across runs: endpoint, rule and what it is about.
type findingKey struct{ endpoint, rule, subject string }

func keyOf(f results.Finding) findingKey {
	s := f.Header
	if s == "" {
		s = f.Kind
	}
	return findingKey{f.Endpoint, f.Rule, strings.ToLower(s)}
}

// findingRate is count / requests of the finding's endpoint (of the run when the endpoint is
// unknown): runs of different length compare by share, not by count.
func findingRate(f results.Finding, eps map[string]results.Stats, totals results.Stats) float64 {
	req := totals.Requests
	if s, ok := eps[f.Endpoint]; ok {
		req = s.Requests
	}
	if req == 0 {
		return 0
	}
	return float64(f.Count) / float64(req)
}

func label(r *results.Report) string {
	if r == nil {
		return "(none)"
	}
	if r.StartedAt != "" {
		return r.Name + " @ " + r.StartedAt
	}
	return r.Name
}

func orFail(v string) string {
	if v == "" {
		return "fail"
	}
	return v
}

func ruleText(rule, subject string) string {
	if subject != "" {
		return rule + " " + subject
	}
	return rule
}

func statuses(m map[string]uint64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys) // status codes are three digits: text order is numeric order
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ":" + strconv.FormatUint(m[k], 10)
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

// Render writes the regressions as a table, or one line saying there are none.
func (r Result) Render(w io.Writer) error {
	if !r.Worse() {
		_, err := fmt.Fprintf(w, "compare: nothing got worse (%s -> %s)\n", clean(r.Base), clean(r.Next))
		return err
	}
	if _, err := fmt.Fprintf(w, "compare: %d regressions (%s -> %s)\n", len(r.Changes), clean(r.Base), clean(r.Next)); err != nil {
		return err
	}
	tb := tablewriter.NewTable(w,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{Symbols: tw.NewSymbols(tw.StyleASCII)})),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAlignment(tw.AlignLeft),
	)
	tb.Header("what", "endpoint", "detail")
	for _, c := range r.Changes {
		scope := c.Endpoint
		if scope == "" {
			scope = "all"
		}
		if err := tb.Append(c.Kind, clean(scope), clean(c.Detail)); err != nil {
			return err
		}
	}
	return tb.Render()
}

// clean keeps report text from driving the terminal: control characters become "?".
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return '?'
		}
		return r
	}, s)
}
