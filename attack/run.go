package attack

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/seccheck/seccheck/specs"
)

// lateGrace is how long after its planned end an open phase may still send hits that were due
// before the end: a generator briefly behind schedule (a busy machine) still sends every hit,
// one far behind (a slow target, capped workers) stops and reports Lagging.
const lateGrace = 500 * time.Millisecond

// initialWorkers is how many workers an open phase starts with; vegeta adds more, up to
// max_workers, whenever all are busy at a tick.
const initialWorkers = 16

// Run sends the phases in order (an open phase through one vegeta attacker of its own, a
// closed phase through N workers of its own) and hands every result to sink from one
// goroutine; keep it cheap, a slow sink slows the attack. It returns when the phases are
// done, when ctx is cancelled (Stopped "interrupted") or when the abort rule fires (Stopped
// "aborted: …"); in the last two cases sending stops at once and the requests in flight finish
// (within target.timeout) and still reach the sink. The error is non-nil only when nothing
// could run.
func (a *Attack) Run(ctx context.Context, sink func(*Hit)) (*RunInfo, error) {
	info := &RunInfo{Seed: a.cfg.seed, Shard: a.cfg.shard, Shards: a.cfg.shards}
	start := a.cfg.startAt
	if start.IsZero() {
		start = time.Now()
	}
	info.Start = start
	r := &runner{a: a, ctx: ctx, sink: sink, start: start, info: info, abort: a.spec.Load.AbortWhen}
	r.targeter = func(t *vegeta.Target) error {
		e := &a.plans[a.pick.at(r.picks.Add(1)-1)]
		t.Method, t.URL, t.Body, t.Header = e.method, e.taggedURL, e.body, e.header
		return nil
	}

	var due time.Duration // phase p is due at start + the planned durations before it
	for p := range a.phases {
		if !sleepUntil(ctx, start.Add(due)) {
			break
		}
		due += a.phases[p].duration
		info.Phases = append(info.Phases, r.phase(p))
		if r.stopped != "" {
			break
		}
	}
	if r.stopped == "" && ctx.Err() != nil {
		r.stopped = "interrupted"
	}
	info.Stopped = r.stopped
	info.Duration = max(time.Since(start), 0) // negative when cancelled before StartAt
	return info, nil
}

// runner is the state of one Run, owned by the goroutine draining results.
type runner struct {
	a        *Attack
	ctx      context.Context
	sink     func(*Hit)
	start    time.Time
	info     *RunInfo
	abort    *specs.AbortRule
	targeter vegeta.Targeter
	picks    atomic.Uint64 // endpoint choices made, over the whole run
	hit      Hit           // reused for every result
	stopped  string
}

// phase runs phase p: the open model through a vegeta attacker (openPhase), the closed model
// through workers of its own (closedPhase).
func (r *runner) phase(p int) PhaseInfo {
	plan := r.a.phases[p]
	t0 := time.Now()
	pi := PhaseInfo{Index: p, Closed: plan.closed, Start: t0.Sub(r.start), Planned: plan.duration}

	// stop ends the phase early: closed by ctx (SIGINT upstream) or by the abort rule.
	stop := make(chan struct{})
	var stopOnce sync.Once
	var onStop func() // set before the watcher starts
	stopPhase := func() {
		stopOnce.Do(func() {
			close(stop)
			if onStop != nil {
				onStop()
			}
		})
	}

	var lin *linearPacer
	if plan.closed {
		pi.Concurrency = plan.concurrency
	} else {
		shards := float64(r.a.cfg.shards)
		lin = newLinearPacer(plan.r0, plan.r1, plan.duration, r.a.cfg.shard, r.a.cfg.shards, stop)
		switch {
		case plan.maxRequests < 0:
			lin.count = 0
		case plan.maxRequests > 0 && lin.count > uint64(plan.maxRequests):
			lin.count = uint64(plan.maxRequests)
		}
		pi.Rate = plan.r0 / shards
		if plan.r1 != plan.r0 {
			pi.RampTo = plan.r1 / shards
		}
		pi.Requested = lin.count
		pi.RequestedRate = float64(lin.count) / plan.duration.Seconds()
	}
	if plan.closed && plan.concurrency == 0 || !plan.closed && lin.count == 0 {
		// A pause (rate 0), or a shard with no share of this phase.
		if !sleepUntil(r.ctx, t0.Add(plan.duration)) {
			pi.Cut = true
		}
		pi.Duration = time.Since(t0)
		return pi
	}

	var atk *vegeta.Attacker
	if !plan.closed {
		atk = vegeta.NewAttacker(
			vegeta.Client(r.a.client), // first: options after it must not touch the transport
			vegeta.Workers(min(initialWorkers, r.a.maxWorkers)),
			vegeta.MaxWorkers(r.a.maxWorkers),
			vegeta.MaxBody(r.a.maxBody),
		)
		onStop = func() { atk.Stop() }
	}
	watched := make(chan struct{})
	go func() {
		select {
		case <-r.ctx.Done():
			stopPhase()
		case <-watched:
		}
	}()

	t0 = time.Now()
	pi.Start = t0.Sub(r.start)
	ph := phaseRun{p: p, t0: t0, offset: pi.Start, info: &pi, stopPhase: stopPhase}
	if plan.closed {
		r.closedPhase(&ph, plan, stop)
	} else {
		r.openPhase(&ph, atk, lin, plan.duration+lateGrace)
	}
	close(watched)

	select {
	case <-stop:
		pi.Cut = true
	default:
	}
	pi.Duration = time.Since(t0)
	span := plan.duration
	if pi.Cut {
		span = pi.Duration
	}
	if span > 0 {
		pi.AchievedRate = float64(pi.Sent) / span.Seconds()
	}
	pi.Lagging = !pi.Cut && !plan.closed && float64(pi.Sent) < 0.95*float64(pi.Requested)
	return pi
}

// phaseRun is what the drain loop of one phase needs.
type phaseRun struct {
	p         int
	t0        time.Time     // when sending began
	offset    time.Duration // t0 since the run start
	info      *PhaseInfo
	stopPhase func()
}

// deliver counts r.hit, applies the abort rule and hands the hit to the sink.
func (r *runner) deliver(ph *phaseRun) {
	h, info := &r.hit, r.info
	if h.Latency < h.Service {
		h.Latency = h.Service
	}
	ph.info.Sent++
	info.Hits++
	if h.Status == 0 {
		info.Errors++
	} else {
		info.Responses++
		if h.Status >= 500 && h.Status < 600 {
			info.Status5xx++
		}
		if r.abort != nil && r.stopped == "" && r.abortNow() {
			r.stopped = fmt.Sprintf("aborted: rate_5xx %s after %d responses", thresholdText(r.abort.Rate5xx), info.Responses)
			ph.stopPhase()
		}
	}
	r.sink(h)
}

// abortNow applies the abort rule: once at least After responses arrived, the fraction of them
// that are 5xx is judged by the rule's threshold.
func (r *runner) abortNow() bool {
	n := r.info.Responses
	if n == 0 || n < uint64(r.abort.After) || r.abort.Rate5xx.Op == "" {
		return false
	}
	return r.abort.Rate5xx.Holds(float64(r.info.Status5xx) / float64(n))
}

func thresholdText(t specs.Threshold) string {
	if t.Raw != "" {
		return t.Raw
	}
	if t.Unit == "%" {
		return t.Op + " " + strconv.FormatFloat(t.Value*100, 'f', -1, 64) + "%"
	}
	return t.Op + " " + strconv.FormatFloat(t.Value, 'f', -1, 64)
}

// sleepUntil waits until t; false if ctx ended first.
func sleepUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}
