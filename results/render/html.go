package render

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/seccheck/seccheck/results"
)

// HTML renders one self-contained page for people: the verdict and thresholds first, SVG
// plots of throughput, server errors and latency over time with phase boundaries, the status
// mix, the endpoints, and every finding with its exemplars.
//
// The page loads nothing: CSS and SVG are inline, there is no script, and a
// Content-Security-Policy meta tag forbids scripts and remote loads, so a report opened from
// a CI artifact store behaves the same offline. Everything that came from a response goes
// through html/template's contextual escaping; a body holding <script> shows as text.
type HTML struct{}

var _ Renderer = HTML{}

//go:embed html.tmpl
var htmlSource string

var htmlTemplate = template.Must(template.New("report").Parse(htmlSource))

// Render writes the HTML page.
func (HTML) Render(w io.Writer, r *results.Report) error {
	if r == nil {
		return errNilReport
	}
	return htmlTemplate.Execute(w, newHTMLView(r))
}

// htmlView is the page's data, every value formatted, so the template only lays out.
type htmlView struct {
	Name, Command, Verdict, VerdictClass, Reason string
	Partial, StartedAt, Duration                 string
	Meta                                         []kv
	Cards                                        []card
	Thresholds                                   []thresholdRow
	FailedThresholds                             int
	Charts                                       []chart
	StatusBar                                    []statusSegment
	StatusCodes                                  []statusCode
	Endpoints                                    []endpointRow
	Total                                        endpointRow
	Phases                                       []phaseRow
	Findings                                     []findingView
	BypassCount                                  int
	Timeline                                     bool
	Schema                                       string
}

type kv struct{ K, V string }

type card struct{ Label, Value, Sub, Class string }

type thresholdRow struct {
	Name, Scope, Limit, Observed string
	Pass                         bool
}

type statusSegment struct{ Label, X, W, Class, Title string }

type statusCode struct{ Code, Count, Pct, Class string }

type endpointRow struct {
	Name, Method, Path, Requests, RPS, S2xx, S3xx, S4xx, S5xx, Rate5xx, Errors, P50, P95, P99 string
	Findings                                                                                  string
	Bad                                                                                       bool
}

type phaseRow struct {
	Index, Model, Start, Duration, Asked, Achieved, Sent string
	Lagging                                              bool
}

type findingView struct {
	ID, Severity, Rule, Endpoint, Subject, Count, Statuses, FirstAt, Message string
	Bypass                                                                   bool
	Exemplars                                                                []exemplarView
	MoreExemplars                                                            int
}

type exemplarView struct {
	Number, Status, Method, URL, At string
	Headers                         []kv
	Missing                         string // the required header this response lacked
	Body                            string
	StatusClass                     string
}

// exemplarsShown bounds the exemplars per finding on the page; the JSON keeps them all.
const exemplarsShown = 3

func newHTMLView(r *results.Report) htmlView {
	v := htmlView{
		Name:      printable(r.Name, false),
		Command:   commandWord(r),
		Verdict:   verdictWord(r),
		Reason:    verdictReason(r),
		StartedAt: printable(r.StartedAt, false),
		Duration:  fmtSeconds(r.DurationS),
		Timeline:  len(r.Timeline) > 0,
		Schema:    printable(r.Schema, false),
	}
	if v.Schema == "" {
		v.Schema = results.SchemaV1
	}
	if v.Name == "" {
		v.Name = "(unnamed)"
	}
	v.VerdictClass = strings.ToLower(v.Verdict)
	if r.Partial {
		v.Partial = r.PartialWhy
		if v.Partial == "" {
			v.Partial = "stopped early"
		}
		v.Partial = printable(v.Partial, false)
	}
	v.Meta = []kv{{"started", v.StartedAt}, {"duration", v.Duration}, {"command", v.Command},
		{"seed", strconv.FormatInt(r.Seed, 10)}}
	if r.SpecHash != "" {
		v.Meta = append(v.Meta, kv{"spec", printable(truncate(r.SpecHash, 16), false)})
	}
	if r.Shards > 0 {
		v.Meta = append(v.Meta, kv{"shards", strconv.Itoa(r.Shards)})
	}
	t := r.Totals
	v.Cards = []card{
		{Label: "Requests", Value: fmtCount(t.Requests), Sub: fmtRate(t.RPS) + " req/s"},
		{Label: "5xx rate", Value: fmtPct(t.Rate5xx), Sub: fmtCount(t.Status5xx) + " responses", Class: badIf(t.Status5xx > 0)},
		{Label: "Transport errors", Value: fmtPct(t.RateErrors), Sub: fmtCount(t.Errors) + " failed", Class: badIf(t.Errors > 0)},
		{Label: "Latency p99", Value: fmtMS(t.Latency.P99) + " ms", Sub: "p50 " + fmtMS(t.Latency.P50) + " · p95 " + fmtMS(t.Latency.P95) + " ms"},
		{Label: "Findings", Value: strconv.Itoa(len(r.Findings)), Sub: fmtCount(t.Violations) + " violations", Class: badIf(len(r.Findings) > 0)},
	}
	for _, th := range r.Thresholds {
		scope := printable(th.Endpoint, false)
		if scope == "" {
			scope = "all endpoints"
		}
		v.Thresholds = append(v.Thresholds, thresholdRow{Name: printable(th.Name, false), Scope: scope,
			Limit: printable(th.Limit, false), Observed: fmtObserved(th), Pass: th.Pass})
	}
	v.FailedThresholds = failedThresholds(r)
	v.Charts = timelineCharts(r)
	v.StatusBar, v.StatusCodes = statusMix(t)

	perEndpoint := findingsPerEndpoint(r)
	for _, e := range r.Endpoints {
		v.Endpoints = append(v.Endpoints, newEndpointRow(printable(e.Name, false), printable(e.Method, false),
			printable(e.Path, false), e.Stats, perEndpoint[e.Name]))
	}
	v.Total = newEndpointRow("all endpoints", "", "", t, len(r.Findings))
	for _, p := range r.Phases {
		v.Phases = append(v.Phases, phaseRow{Index: strconv.Itoa(p.Index + 1), Model: printable(p.Model, false),
			Start: fmtSeconds(p.StartS), Duration: fmtSeconds(p.DurationS), Asked: strings.ReplaceAll(phaseAsked(p), "->", "→"),
			Achieved: fmtRate(p.AchievedRate) + "/s", Sent: fmtCount(p.Sent), Lagging: p.Lagging})
	}
	for i, f := range orderedFindings(r) {
		fv := findingView{ID: "finding-" + strconv.Itoa(i+1), Severity: printable(f.Severity, false),
			Rule: printable(f.Rule, false), Endpoint: printable(f.Endpoint, false), Subject: printable(subject(f), false),
			Count: fmtCount(f.Count), Statuses: fmtStatuses(f.ByStatus), FirstAt: fmtSeconds(f.FirstAtS),
			Message: printable(f.Message, false), Bypass: f.Rule == ruleBypass}
		if fv.Bypass {
			v.BypassCount++
		}
		for j, e := range f.Exemplars {
			if j == exemplarsShown {
				fv.MoreExemplars = len(f.Exemplars) - j
				break
			}
			ev := newExemplarView(e)
			ev.Number = strconv.Itoa(j + 1)
			if !hasHeader(e.Headers, f.Header) && (f.Rule == ruleBypass || f.Rule == "header.missing") {
				ev.Missing = printable(f.Header, false)
			}
			fv.Exemplars = append(fv.Exemplars, ev)
		}
		v.Findings = append(v.Findings, fv)
	}
	return v
}

func badIf(b bool) string {
	if b {
		return "bad"
	}
	return ""
}

func newEndpointRow(name, method, path string, s results.Stats, findings int) endpointRow {
	return endpointRow{Name: name, Method: method, Path: path, Requests: fmtCount(s.Requests), RPS: fmtRate(s.RPS),
		S2xx: fmtCount(s.Status2xx), S3xx: fmtCount(s.Status3xx), S4xx: fmtCount(s.Status4xx),
		S5xx: fmtCount(s.Status5xx), Rate5xx: fmtPct(s.Rate5xx), Errors: fmtCount(s.Errors),
		P50: fmtMS(s.Latency.P50), P95: fmtMS(s.Latency.P95), P99: fmtMS(s.Latency.P99),
		Findings: strconv.Itoa(findings), Bad: s.Status5xx > 0 || s.Errors > 0 || findings > 0}
}

func newExemplarView(e results.Exemplar) exemplarView {
	ev := exemplarView{Status: strconv.Itoa(e.Status), Method: printable(e.Method, false),
		URL: printable(e.URL, false), At: fmtSeconds(e.AtS), Body: printable(e.BodyExcerpt, true),
		StatusClass: statusClass(e.Status)}
	if e.Status == 0 {
		ev.Status = "transport error"
	}
	keys := make([]string, 0, len(e.Headers))
	for k := range e.Headers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		ev.Headers = append(ev.Headers, kv{printable(k, false), printable(e.Headers[k], false)})
	}
	return ev
}

func statusClass(code int) string {
	switch {
	case code >= 500:
		return "c5"
	case code >= 400:
		return "c4"
	case code >= 300:
		return "c3"
	case code >= 200:
		return "c2"
	default:
		return "ce"
	}
}

// statusMix lays out the stacked bar of status classes (and transport errors) over the run's
// requests, and lists every status code with its share.
func statusMix(s results.Stats) ([]statusSegment, []statusCode) {
	total := s.Status2xx + s.Status3xx + s.Status4xx + s.Status5xx + s.Errors
	var codes []statusCode
	for _, k := range sortedStatuses(s.Status) {
		n := s.Status[k]
		code, _ := strconv.Atoi(k)
		codes = append(codes, statusCode{Code: k, Count: fmtCount(n), Pct: share(n, total), Class: statusClass(code)})
	}
	if s.Errors > 0 {
		codes = append(codes, statusCode{Code: "transport errors", Count: fmtCount(s.Errors), Pct: share(s.Errors, total), Class: "ce"})
	}
	if total == 0 {
		return nil, codes
	}
	var segs []statusSegment
	x := 0.0
	for _, c := range []struct {
		label, class string
		n            uint64
	}{{"2xx", "c2", s.Status2xx}, {"3xx", "c3", s.Status3xx}, {"4xx", "c4", s.Status4xx},
		{"5xx", "c5", s.Status5xx}, {"errors", "ce", s.Errors}} {
		if c.n == 0 {
			continue
		}
		w := 1000 * float64(c.n) / float64(total)
		segs = append(segs, statusSegment{Label: c.label, X: fnum(x), W: fnum(w), Class: c.class,
			Title: fmt.Sprintf("%s: %s (%s)", c.label, fmtCount(c.n), share(c.n, total))})
		x += w
	}
	return segs, codes
}

func share(n, total uint64) string {
	if total == 0 {
		return "0%"
	}
	return fmtPct(float64(n) / float64(total))
}
