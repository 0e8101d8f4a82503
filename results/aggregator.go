package results

import (
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/seccheck/seccheck/conformance"
)

// Histogram geometry. Latencies are recorded in microseconds from 1 µs to 60 s; a value above
// 60 s is recorded as 60 s (clamped, never dropped), a negative one as 0.
const (
	histLowest  = 1
	histHighest = 60_000_000
	histDigits  = 3 // run and endpoint histograms: ~140 KB each, dense, fast to record
	// Timeline rows use 2 significant digits in sparse (packed) histograms: one row a second
	// for an hour must stay small (a row holds its populated buckets only, ~0.3–6 KB).
	rowDigits = 2

	maxStatusCode = 1000 // statuses 0..999 are counted by code; a larger one counts as 999
	// maxTimelineSeconds caps the timeline (a week); samples later than that land in its last row.
	maxTimelineSeconds = 7 * 24 * 3600

	// Exemplars kept per endpoint and required header for header.bypass_on_error.
	bypassOKExemplars  = 1
	bypassErrExemplars = 2

	// RuleBypassOnError is the rule id of the cross-response finding: a required header present
	// on successful responses of an endpoint and missing on its error responses.
	RuleBypassOnError = "header.bypass_on_error"
)

// errKinds lists the transport-error kinds in report order; ErrKind values outside it count as
// ErrOther.
var errKinds = [...]ErrKind{ErrTimeout, ErrRefused, ErrReset, ErrTLS, ErrOther}

func kindIndex(k ErrKind) int {
	switch k {
	case ErrTimeout:
		return 0
	case ErrRefused:
		return 1
	case ErrReset:
		return 2
	case ErrTLS:
		return 3
	}
	return 4
}

// Aggregator folds Samples into bounded, mergeable aggregates: per endpoint request and status
// counts, transport errors by kind, HDR histograms of latency and service time, bytes, findings
// with capped exemplars, header.bypass_on_error evidence, and one timeline row a second. Its
// memory depends on the spec (endpoints, rules, headers) and on the run's duration in seconds,
// never on the number of requests (invariant 2).
//
// Add is not safe for concurrent use; Snapshot may be called from any goroutine while Add runs.
type Aggregator struct {
	meta     Meta
	red      Redactor
	eps      []*endpointAgg
	timeline []secondRow // index: second since the start of the run
	findings map[findingKey]*finding

	samples uint64
	minAt   time.Duration // smallest Sample.At seen (valid when samples > 0)
	maxAt   time.Duration // largest Sample.At seen
	maxEnd  time.Duration // largest At+Latency seen: the derived duration of the run

	shards []int // shard indexes folded in (sorted)
	merged bool  // built by MergeParts

	view     sampleView
	viewUsed bool
	live     liveCounters
}

// liveCounters mirror the totals for Snapshot; only Add (and Merge) write them.
type liveCounters struct {
	requests, status5xx, errors, findings, violations atomic.Uint64
	elapsed                                           atomic.Int64
}

type endpointAgg struct {
	requests   uint64
	status     [maxStatusCode]uint64 // index: status code; 0 unused (transport errors)
	errKinds   [len(errKinds)]uint64
	errSamples [len(errKinds)][]errSample
	latency    *hdr.Histogram // µs, from intended send (coordinated-omission corrected)
	service    *hdr.Histogram // µs, from actual send
	bytesIn    uint64
	bytesOut   uint64
	violations uint64
	required   []*bypass
}

// bypass is the evidence for header.bypass_on_error of one endpoint and required header.
type bypass struct {
	header       string // lower-case
	canon        string // as http.Header stores it
	ok           uint64 // successful (2xx/3xx) responses carrying the header
	missing      uint64 // error (≥ 400) responses lacking it
	byStatus     []statusCount
	okExemplars  []exemplar // ≤ bypassOKExemplars
	errExemplars []exemplar // ≤ bypassErrExemplars
}

func (b *bypass) found() bool { return b.ok > 0 && b.missing > 0 }

type statusCount struct {
	Status int
	Count  uint64
}

// addStatus adds n to status in a list sorted by status.
func addStatus(list []statusCount, status int, n uint64) []statusCount {
	for i := range list {
		if list[i].Status == status {
			list[i].Count += n
			return list
		}
		if list[i].Status > status {
			return slices.Insert(list, i, statusCount{status, n})
		}
	}
	return append(list, statusCount{status, n})
}

type secondRow struct {
	requests, status5xx, errors uint64
	latency                     *hdr.PackedHistogram // nil until a response lands in the row
}

type findingKey struct {
	endpoint           int
	rule, header, kind string
}

// finding aggregates one (endpoint, rule, header, kind). Its message is the one of the earliest
// violation (ties: the smaller message), so that it does not depend on arrival order.
type finding struct {
	key       findingKey
	severity  conformance.Severity
	count     uint64
	byStatus  []statusCount
	firstAt   time.Duration
	message   string
	exemplars []exemplar
}

func (f *finding) observe(sev conformance.Severity, at time.Duration, msg string) {
	f.severity = max(f.severity, sev)
	if at < f.firstAt || (at == f.firstAt && msg < f.message) {
		f.firstAt, f.message = at, msg
	}
}

// NewAggregator returns an empty Aggregator for the run meta describes.
func NewAggregator(meta Meta) *Aggregator {
	meta.Endpoints = slices.Clone(meta.Endpoints)
	a := &Aggregator{
		meta:     meta,
		red:      meta.Redactor,
		eps:      make([]*endpointAgg, len(meta.Endpoints)),
		findings: make(map[findingKey]*finding),
		shards:   []int{meta.Shard},
	}
	if a.red == nil {
		a.red = noRedactor{}
	}
	for i, em := range meta.Endpoints {
		e := &endpointAgg{latency: newHist(), service: newHist()}
		for j, c := range canonicalRequired(em.Required) {
			e.required = append(e.required, &bypass{header: strings.ToLower(em.Required[j]), canon: c})
		}
		a.eps[i] = e
	}
	return a
}

func newHist() *hdr.Histogram { return hdr.New(histLowest, histHighest, histDigits) }

func newRowHist() *hdr.PackedHistogram { return hdr.NewPacked(histLowest, histHighest, rowDigits) }

// micros converts d to a recordable histogram value.
func micros(d time.Duration) int64 {
	return min(max(d.Microseconds(), 0), histHighest)
}

// Meta returns the meta the aggregator was built with (Redactor omitted once decoded).
func (a *Aggregator) Meta() Meta { return a.meta }

// SetRedactor sets the Redactor of an aggregator, for one decoded from a partial result that
// will Add more samples. It must not be called while Add runs.
func (a *Aggregator) SetRedactor(r Redactor) {
	a.meta.Redactor, a.red = r, r
	if r == nil {
		a.red = noRedactor{}
	}
}

// Add folds one sample in. It keeps nothing of s.Header or s.Body beyond redacted copies in
// exemplars. A transport failure (Err set or Status 0) counts as an error and is not recorded in
// the latency histograms (a refused connection is not a fast response). Latency is recorded as
// given: Sample.Latency is already measured from the intended send time.
// Add panics when s.Endpoint is not an index of Meta.Endpoints.
func (a *Aggregator) Add(s *Sample) {
	if s.Endpoint < 0 || s.Endpoint >= len(a.eps) {
		panic(fmt.Sprintf("results: sample for endpoint %d, aggregator has %d endpoints", s.Endpoint, len(a.eps)))
	}
	e := a.eps[s.Endpoint]
	at := max(s.At, 0)
	a.note(at, s.Latency)
	row := a.row(at)
	row.requests++
	e.requests++
	e.bytesIn += s.BytesIn
	e.bytesOut += s.BytesOut
	a.live.requests.Add(1)

	if s.Err != ErrNone || s.Status <= 0 {
		k := kindIndex(s.Err)
		e.errKinds[k]++
		row.errors++
		a.live.errors.Add(1)
		if list := e.errSamples[k]; len(list) < maxErrSamples || at <= list[len(list)-1].At {
			text := truncateUTF8(strings.ToValidUTF8(a.red.String(s.ErrText), "\uFFFD"), maxErrText)
			e.errSamples[k] = keepSmallest(list, maxErrSamples, errSample{At: at, Text: text}, (*errSample).compare)
		}
	} else {
		st := min(s.Status, maxStatusCode-1)
		e.status[st]++
		if st >= 500 && st < 600 {
			row.status5xx++
			a.live.status5xx.Add(1)
		}
		us := micros(s.Latency)
		_ = e.latency.RecordValue(us) // in range by construction
		_ = e.service.RecordValue(micros(s.Service))
		if row.latency == nil {
			row.latency = newRowHist()
		}
		_ = row.latency.RecordValue(us)
		if len(e.required) > 0 {
			a.trackBypass(e, s, at)
		}
	}
	if len(s.Violations) > 0 {
		a.addViolations(e, s, at)
	}
	if a.viewUsed {
		a.view, a.viewUsed = sampleView{}, false // drop references to the caller's buffers
	}
}

func (a *Aggregator) note(at, latency time.Duration) {
	if a.samples == 0 || at < a.minAt {
		a.minAt = at
	}
	a.samples++
	if at > a.maxAt {
		a.maxAt = at
		a.live.elapsed.Store(int64(at))
	}
	if end := at + max(latency, 0); end > a.maxEnd {
		a.maxEnd = end
	}
}

// row returns the timeline row of the second at falls in, growing the timeline as needed.
func (a *Aggregator) row(at time.Duration) *secondRow {
	sec := min(int(at/time.Second), maxTimelineSeconds-1)
	if sec >= len(a.timeline) {
		a.timeline = slices.Grow(a.timeline, sec+1-len(a.timeline))
		a.timeline = a.timeline[:sec+1]
	}
	return &a.timeline[sec]
}

// viewOf returns the lazily built redacted view of the sample being added, valid during one Add.
func (a *Aggregator) viewOf() *sampleView {
	if !a.viewUsed {
		a.view.reset(a.red)
		a.viewUsed = true
	}
	return &a.view
}

func (a *Aggregator) addViolations(e *endpointAgg, s *Sample, at time.Duration) {
	for i := range s.Violations {
		v := &s.Violations[i]
		key := findingKey{endpoint: s.Endpoint, rule: v.Rule, header: v.Header, kind: v.Kind}
		f := a.findings[key]
		if f == nil {
			f = &finding{key: key, severity: v.Severity, firstAt: at, message: v.Message}
			a.findings[key] = f
			a.live.findings.Add(1)
		} else {
			f.observe(v.Severity, at, v.Message)
		}
		f.count++
		f.byStatus = addStatus(f.byStatus, s.Status, 1)
		if admits(f.exemplars, maxExemplars, at) {
			f.exemplars = keepSmallest(f.exemplars, maxExemplars, a.viewOf().exemplar(s, v.Offset), (*exemplar).compare)
		}
	}
	e.violations += uint64(len(s.Violations))
	a.live.violations.Add(uint64(len(s.Violations)))
}

// trackBypass counts, per required header, successful responses that carry it and error
// responses that lack it. Both counts above zero make a header.bypass_on_error finding.
func (a *Aggregator) trackBypass(e *endpointAgg, s *Sample, at time.Duration) {
	switch {
	case s.Status >= 200 && s.Status < 400:
		for _, b := range e.required {
			if len(s.Header[b.canon]) == 0 {
				continue
			}
			b.ok++
			if b.ok == 1 && b.missing > 0 {
				a.live.findings.Add(1)
			}
			if admits(b.okExemplars, bypassOKExemplars, at) {
				b.okExemplars = keepSmallest(b.okExemplars, bypassOKExemplars, a.viewOf().exemplar(s, -1), (*exemplar).compare)
			}
		}
	case s.Status >= 400:
		for _, b := range e.required {
			if len(s.Header[b.canon]) > 0 {
				continue
			}
			b.missing++
			if b.missing == 1 && b.ok > 0 {
				a.live.findings.Add(1)
			}
			b.byStatus = addStatus(b.byStatus, min(s.Status, maxStatusCode-1), 1)
			if admits(b.errExemplars, bypassErrExemplars, at) {
				b.errExemplars = keepSmallest(b.errExemplars, bypassErrExemplars, a.viewOf().exemplar(s, -1), (*exemplar).compare)
			}
		}
	}
}

// Snapshot returns live totals. It is cheap and safe to call from any goroutine while Add runs.
func (a *Aggregator) Snapshot() Progress {
	return Progress{
		Requests:   a.live.requests.Load(),
		Status5xx:  a.live.status5xx.Load(),
		Errors:     a.live.errors.Load(),
		Findings:   a.live.findings.Load(),
		Violations: a.live.violations.Load(),
		Elapsed:    time.Duration(a.live.elapsed.Load()),
	}
}

// refreshLive recomputes the live counters from the aggregates (after Merge or decoding).
func (a *Aggregator) refreshLive() {
	var req, s5, errs, viol, finds uint64
	for _, e := range a.eps {
		req += e.requests
		for st := 500; st < 600; st++ {
			s5 += e.status[st]
		}
		for _, n := range e.errKinds {
			errs += n
		}
		viol += e.violations
		for _, b := range e.required {
			if b.found() {
				finds++
			}
		}
	}
	finds += uint64(len(a.findings))
	a.live.requests.Store(req)
	a.live.status5xx.Store(s5)
	a.live.errors.Store(errs)
	a.live.violations.Store(viol)
	a.live.findings.Store(finds)
	a.live.elapsed.Store(int64(a.maxAt))
}
