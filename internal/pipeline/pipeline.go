// Package pipeline wires the four rooms together for one run: attack produces hits, conformance
// judges each response, results aggregates them. Commands (run, demo, check) call it; it holds
// the glue a test should cover, so cmd stays thin.
package pipeline

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/seccheck/seccheck/attack"
	"github.com/seccheck/seccheck/conformance"
	"github.com/seccheck/seccheck/results"
	"github.com/seccheck/seccheck/specs"
)

// Options configure a load run.
type Options struct {
	Spec          *specs.Spec
	Seed          int64
	DurationScale float64   // 0 or 1: as written
	Shard, Shards int       // Shards 0 or 1: not sharded
	StartAt       time.Time // zero: now
	Command       string    // run | demo
}

// Run is one prepared load run.
type Run struct {
	opts     Options
	attack   *attack.Attack
	checkers []*conformance.Checker
	agg      atomic.Pointer[results.Aggregator]
}

// Outcome is what a finished (or interrupted) run produced.
type Outcome struct {
	Aggregator *results.Aggregator
	Info       *attack.RunInfo
	Report     *results.Report
}

// Compile compiles each endpoint's effective checks and expectations once.
func Compile(spec *specs.Spec) ([]*conformance.Checker, error) {
	checkers := make([]*conformance.Checker, len(spec.Endpoints))
	for i := range spec.Endpoints {
		ep := &spec.Endpoints[i]
		c, err := conformance.Compile(ep.Effective, ep.Expect)
		if err != nil {
			return nil, fmt.Errorf("endpoint %s: %w", ep.Name, err)
		}
		checkers[i] = c
	}
	return checkers, nil
}

// Meta describes the spec to an aggregator.
func Meta(spec *specs.Spec, checkers []*conformance.Checker, start time.Time) results.Meta {
	m := results.Meta{Name: spec.Name, Redactor: spec.Redactor(), Start: start, SpecHash: spec.Hash}
	for i := range spec.Endpoints {
		ep := &spec.Endpoints[i]
		m.Endpoints = append(m.Endpoints, results.EndpointMeta{
			Name: ep.Name, Method: ep.Method, Path: ep.Path, Required: checkers[i].Required(),
		})
	}
	return m
}

// New prepares a run: compiles the checks and builds the attack (TLS material is loaded here,
// so a bad certificate fails before anything is sent).
func New(opts Options) (*Run, error) {
	checkers, err := Compile(opts.Spec)
	if err != nil {
		return nil, err
	}
	aopts := []attack.Option{attack.Seed(opts.Seed)}
	if opts.DurationScale > 0 && opts.DurationScale != 1 {
		aopts = append(aopts, attack.DurationScale(opts.DurationScale))
	}
	if opts.Shards > 1 {
		aopts = append(aopts, attack.Shard(opts.Shard, opts.Shards))
	}
	if !opts.StartAt.IsZero() {
		aopts = append(aopts, attack.StartAt(opts.StartAt))
	}
	a, err := attack.New(opts.Spec, aopts...)
	if err != nil {
		return nil, err
	}
	return &Run{opts: opts, attack: a, checkers: checkers}, nil
}

// Preflight sends one request to prove the target answers at all.
func (r *Run) Preflight(ctx context.Context) error { return r.attack.Preflight(ctx) }

// Progress returns live counters; safe while Execute runs. Zero before Execute starts.
func (r *Run) Progress() results.Progress {
	if agg := r.agg.Load(); agg != nil {
		return agg.Snapshot()
	}
	return results.Progress{}
}

// Execute runs the phases. Cancelling ctx stops sending and still returns an Outcome, marked
// partial. The returned error is only for failures that leave nothing to report.
func (r *Run) Execute(ctx context.Context) (*Outcome, error) {
	spec := r.opts.Spec
	start := time.Now()
	if !r.opts.StartAt.IsZero() {
		start = r.opts.StartAt
	}
	meta := Meta(spec, r.checkers, start)
	if r.opts.Shards > 1 {
		meta.Shard, meta.Shards = r.opts.Shard, r.opts.Shards
	}
	agg := results.NewAggregator(meta)
	r.agg.Store(agg)
	sink := NewSink(r.checkers, agg)
	info, err := r.attack.Run(ctx, sink.Add)
	if err != nil && info == nil {
		return nil, err
	}
	out := &Outcome{Aggregator: agg, Info: info}
	out.Report = agg.Report(r.ReportOptions(info))
	return out, nil
}

// ReportOptions builds the report options of this run from its RunInfo.
func (r *Run) ReportOptions(info *attack.RunInfo) results.ReportOptions {
	spec := r.opts.Spec
	ro := results.ReportOptions{
		Thresholds: spec.Thresholds,
		Command:    r.opts.Command,
		Seed:       r.opts.Seed,
	}
	ro.EndpointThresholds = endpointThresholds(spec)
	if info != nil {
		ro.Duration = info.Duration
		ro.Phases = PhasesOf(info)
		if info.Stopped != "" {
			ro.Partial = true
			ro.PartialWhy = info.Stopped
		}
	}
	return ro
}

// Sink turns hits into checked samples. It is used from one goroutine (attack's drain loop).
type Sink struct {
	checkers []*conformance.Checker
	agg      *results.Aggregator
	viol     []conformance.Violation
	sample   results.Sample
}

// NewSink returns a sink feeding agg.
func NewSink(checkers []*conformance.Checker, agg *results.Aggregator) *Sink {
	return &Sink{checkers: checkers, agg: agg, viol: make([]conformance.Violation, 0, 16)}
}

// Add checks one hit against its endpoint's rules and aggregates it. The hit's header and body
// are not kept.
func (s *Sink) Add(h *attack.Hit) { s.add(h, s.checkers[h.Endpoint], nil) }

// add checks h with c; judge, when set, appends violations that depend on how the request was
// made (check's auth.not_enforced), then the sample is aggregated.
func (s *Sink) add(h *attack.Hit, c *conformance.Checker, judge func(*attack.Hit, []conformance.Violation) []conformance.Violation) {
	s.viol = s.viol[:0]
	if h.Status != 0 {
		resp := conformance.Response{Status: h.Status, Header: h.Header, Body: h.Body, Credentialed: h.Credentialed, Origin: h.Origin}
		s.viol = c.Check(&resp, s.viol)
		if judge != nil {
			s.viol = judge(h, s.viol)
		}
	}
	s.sample = results.Sample{
		Endpoint: h.Endpoint, Phase: h.Phase, At: h.At, Latency: h.Latency, Service: h.Service,
		Status: h.Status, Err: results.ErrKind(h.ErrKind), BytesIn: h.BytesIn, BytesOut: h.BytesOut,
		Method: h.Method, URL: h.URL, Header: h.Header, Body: h.Body, Violations: s.viol,
	}
	if h.Err != nil {
		s.sample.ErrText = h.Err.Error()
	}
	s.agg.Add(&s.sample)
}

// PhasesOf turns the attack's per-phase record into the report's.
func PhasesOf(info *attack.RunInfo) []results.Phase {
	out := make([]results.Phase, 0, len(info.Phases))
	for _, p := range info.Phases {
		ph := results.Phase{
			Index: p.Index, Model: "open", StartS: p.Start.Seconds(), DurationS: p.Planned.Seconds(),
			Rate: p.Rate, RampTo: p.RampTo, Concurrency: p.Concurrency,
			Requested: p.Requested, Sent: p.Sent, AchievedRate: p.AchievedRate, Lagging: p.Lagging,
		}
		if p.Closed {
			ph.Model = "closed"
		}
		out = append(out, ph)
	}
	return out
}

// endpointThresholds lists each endpoint's own thresholds (nil where it has none), in order.
func endpointThresholds(spec *specs.Spec) []*specs.Thresholds {
	out := make([]*specs.Thresholds, len(spec.Endpoints))
	for i := range spec.Endpoints {
		out[i] = spec.Endpoints[i].Thresholds
	}
	return out
}
