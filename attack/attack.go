// Package attack turns a spec into load: the open model (constant or linearly ramped arrivals:
// a vegeta targeter, a pacer of ours and one vegeta attacker per phase) and the closed model
// (N requests always in flight: N workers of ours that reuse their body buffers); auth, TLS and redirects as the spec says; and stopping at the end
// of the phases, on cancellation (SIGINT upstream) or on the spec's abort rule.
//
// It sends and measures; it does not judge responses. Every result reaches the caller's sink as
// a *Hit, from one goroutine, with its latency measured from the hit's intended send time so a
// slow target cannot hide its queueing (coordinated omission).
package attack

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/seccheck/seccheck/specs"
)

// Hit is one request's outcome, handed to the sink of Run.
//
// The sink must not keep the *Hit nor its Body: Run reuses both once the sink returns (closed
// phases read bodies into per-worker buffers). Header belongs to the response; Probe's Hit and
// its Body are the caller's.
type Hit struct {
	Endpoint int // index into spec.Endpoints
	Phase    int // index into spec.Load.Phases; -1 for Probe
	// At is the intended send time, since the run start. Open model: the phase start plus the
	// schedule of the hit's sequence number (see linearPacer); closed model: the actual send.
	At time.Duration
	// Latency runs from the intended send time to the end of the response body (≥ Service);
	// Service from the actual send. They differ when the load generator fell behind its schedule.
	Latency, Service time.Duration
	Status           int         // 0 on transport failure
	Header           http.Header // nil on transport failure
	Body             []byte      // at most target.max_body bytes
	Err              error       // *TransportError when Status is 0, else nil
	ErrKind          string      // "" | timeout | refused | reset | tls | other
	BytesIn          uint64      // body bytes kept (≤ max_body)
	BytesOut         uint64      // request body bytes
	Method, URL      string
	Credentialed     bool   // the request carried credentials (auth)
	Origin           string // the Origin header the request carried ("" if none): the CORS probe origin
}

// RunInfo says what a Run did.
type RunInfo struct {
	Start    time.Time     // the run's time zero (StartAt when given)
	Duration time.Duration // from Start to the last result
	Phases   []PhaseInfo   // the phases that began, in order
	// Stopped is "" when every phase ran to its end, "interrupted" when ctx was cancelled, or
	// "aborted: rate_5xx > 50% after N responses" when the abort rule fired.
	Stopped string

	Hits      uint64 // results handed to the sink
	Responses uint64 // hits with an HTTP status
	Status5xx uint64
	Errors    uint64 // transport failures

	Seed          int64
	Shard, Shards int
}

// PhaseInfo is one phase of this process (of this shard, when sharded).
type PhaseInfo struct {
	Index       int
	Closed      bool
	Start       time.Duration // since RunInfo.Start
	Planned     time.Duration // the phase duration after DurationScale
	Duration    time.Duration // actual: from the first send to the last result
	Rate        float64       // open: this shard's rate at the start (spec rate / shards)
	RampTo      float64       // open: this shard's rate at the end of a ramp (0: constant rate)
	Concurrency int           // closed: this shard's requests in flight
	// Requested is the open-model hits the schedule holds for this shard (0 for closed phases);
	// RequestedRate = Requested / Planned.
	Requested     uint64
	RequestedRate float64
	Sent          uint64
	// AchievedRate is Sent / Planned for a phase that ran to its end, Sent / Duration for one cut
	// short.
	AchievedRate float64
	// MaxLateness is the largest delay of an actual send behind its intended time (open model).
	MaxLateness time.Duration
	// Lagging: an open phase that ran to its end sent less than 95% of Requested (the target
	// was too slow for max_workers, or this machine too slow for the rate).
	Lagging bool
	Cut     bool // stopped early: interrupted or aborted
}

// Option configures an Attack.
type Option func(*config)

type config struct {
	seed          int64
	scale         float64
	shard, shards int
	startAt       time.Time
}

// Seed makes endpoint choice deterministic: the same seed, weights and shard give the same
// sequence of endpoints. Default 0.
func Seed(seed int64) Option { return func(c *config) { c.seed = seed } }

// DurationScale multiplies every phase duration by f (> 0); rates stay as written.
func DurationScale(f float64) Option { return func(c *config) { c.scale = f } }

// Shard makes this Attack shard i of n (0 ≤ i < n) of a run split across processes or machines.
// Open phases: shard i sends the hits of the global schedule whose sequence number k has
// k mod n == i (see linearPacer), so the shards' counts sum exactly to the global count and
// each sends at rate/n. Closed phases: shard i keeps ⌊N/n⌋ requests in flight, plus one when
// i < N mod n. Endpoint choice is seeded with seed+i.
func Shard(i, n int) Option { return func(c *config) { c.shard, c.shards = i, n } }

// StartAt makes the phases begin at that wall-clock instant (Run waits until then), so shards
// on several machines keep one schedule. Phase p is due at t + the durations of phases before
// it; it starts later only if the previous phase's last responses arrive after that.
func StartAt(t time.Time) Option { return func(c *config) { c.startAt = t } }

// Attack is a spec made ready to send: endpoints planned, TLS material loaded, one HTTP client.
// Its methods may be called concurrently, but Run is meant to run once at a time.
type Attack struct {
	spec       *specs.Spec
	cfg        config
	plans      []endpointPlan
	pick       *picker
	phases     []phasePlan
	client     *http.Client
	maxWorkers uint64
	maxBody    int64
	baseHeader http.Header // target headers only (Preflight)
}

type phasePlan struct {
	closed      bool
	concurrency int     // this shard's
	r0, r1      float64 // global rates
	duration    time.Duration
	maxRequests int64 // this shard's share of the phase's max_requests (0: no limit)
}

// New prepares an attack on spec. The spec should be loaded by specs (defaults set); zero
// values of Method, Timeout and MaxWorkers fall back to the spec defaults. Bad TLS material
// is a *SetupError; nothing is sent.
func New(spec *specs.Spec, opts ...Option) (*Attack, error) {
	cfg := config{scale: 1, shards: 1}
	for _, o := range opts {
		o(&cfg)
	}
	switch {
	case cfg.scale <= 0:
		return nil, fmt.Errorf("attack: duration scale %g is not positive", cfg.scale)
	case cfg.shards < 1 || cfg.shard < 0 || cfg.shard >= cfg.shards:
		return nil, fmt.Errorf("attack: shard %d of %d: want 0 ≤ i < n", cfg.shard, cfg.shards)
	}
	plans, err := planEndpoints(spec)
	if err != nil {
		return nil, err
	}
	weights := make([]int, len(spec.Endpoints))
	for i := range spec.Endpoints {
		weights[i] = spec.Endpoints[i].Weight
	}
	pick, err := newPicker(weights, cfg.seed+int64(cfg.shard))
	if err != nil {
		return nil, err
	}
	maxWorkers := spec.Load.MaxWorkers
	if maxWorkers <= 0 {
		maxWorkers = specs.DefaultMaxWorkers
	}
	conns := maxWorkers
	phases := make([]phasePlan, len(spec.Load.Phases))
	for i, ph := range spec.Load.Phases {
		d := time.Duration(float64(ph.Duration.D()) * cfg.scale)
		switch {
		case d <= 0:
			return nil, fmt.Errorf("attack: phase %d: duration %s is not positive", i+1, ph.Duration.D())
		case ph.Rate < 0 || ph.RampTo < 0 || ph.Concurrency < 0:
			return nil, fmt.Errorf("attack: phase %d: negative rate, ramp_to or concurrency", i+1)
		}
		p := phasePlan{closed: ph.Closed(), duration: d, r0: ph.Rate, r1: ph.Rate}
		if ph.RampTo > 0 {
			p.r1 = ph.RampTo
		}
		if p.closed {
			p.concurrency = closedShare(ph.Concurrency, cfg.shard, cfg.shards)
			conns = max(conns, p.concurrency)
		}
		if ph.MaxRequests > 0 {
			// The shards' shares sum to max_requests, split as concurrency is; a shard whose
			// share is 0 sends nothing in this phase (-1 marks that).
			p.maxRequests = int64(closedShare(int(ph.MaxRequests), cfg.shard, cfg.shards))
			if p.maxRequests == 0 {
				p.maxRequests = -1
			}
		}
		phases[i] = p
	}
	client, err := newClient(&spec.Target, conns)
	if err != nil {
		return nil, err
	}
	baseHeader := make(http.Header, len(spec.Target.Headers))
	for k, v := range spec.Target.Headers {
		baseHeader.Set(k, v)
	}
	return &Attack{
		spec: spec, cfg: cfg, plans: plans, pick: pick, phases: phases, client: client,
		maxWorkers: uint64(maxWorkers), maxBody: int64(spec.Target.MaxBody), baseHeader: baseHeader,
	}, nil
}

// Close releases idle connections.
func (a *Attack) Close() { a.client.CloseIdleConnections() }

var errEndpoint = errors.New("attack: no such endpoint")
