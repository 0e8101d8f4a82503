package pipeline

import (
	"context"
	"sync"
	"time"

	"github.com/seccheck/seccheck/attack"
	"github.com/seccheck/seccheck/conformance"
	"github.com/seccheck/seccheck/results"
	"github.com/seccheck/seccheck/specs"
)

// CheckOptions configure a smoke check.
type CheckOptions struct {
	Requests    int // per endpoint (default 3)
	Concurrency int // requests in flight at once (default 4)
}

// RuleAuthNotEnforced is reported when a request sent without an endpoint's credentials
// succeeds (2xx).
const RuleAuthNotEnforced = "auth.not_enforced"

// probe is one request of a smoke check.
type probe struct {
	endpoint int
	withAuth bool
}

// Check is the staging smoke check: each endpoint Requests times at low concurrency, no load
// phases, every conformance check, plus, per endpoint that has credentials, one request without
// them (auth.not_enforced when it succeeds; the 401/403 is checked like any other response).
func Check(ctx context.Context, spec *specs.Spec, opts CheckOptions) (*Outcome, error) {
	if opts.Requests <= 0 {
		opts.Requests = 3
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 4
	}
	checkers, err := Compile(spec)
	if err != nil {
		return nil, err
	}
	// Requests without credentials are judged without the endpoint's status expectation:
	// a 401 is the right answer there.
	anon := make([]*conformance.Checker, len(spec.Endpoints))
	var probes []probe
	for i := range spec.Endpoints {
		ep := &spec.Endpoints[i]
		for n := 0; n < opts.Requests; n++ {
			probes = append(probes, probe{endpoint: i, withAuth: true})
		}
		if ep.Credentials(spec.Auth) != nil {
			c, err := conformance.Compile(ep.Effective, specs.Expect{})
			if err != nil {
				return nil, err
			}
			anon[i] = c
			probes = append(probes, probe{endpoint: i, withAuth: false})
		}
	}

	start := time.Now()
	agg := results.NewAggregator(Meta(spec, checkers, start))
	sink := NewSink(checkers, agg)
	var mu sync.Mutex // guards sink and agg: probes run concurrently, Add is single-threaded

	work := make(chan probe)
	var wg sync.WaitGroup
	var firstErr error
	for w := 0; w < opts.Concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range work {
				hit, err := attack.Probe(ctx, spec, p.endpoint, p.withAuth)
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					continue
				}
				mu.Lock()
				hit.At = time.Since(start) - hit.Latency
				if hit.At < 0 {
					hit.At = 0
				}
				if p.withAuth {
					sink.add(hit, checkers[p.endpoint], nil)
				} else {
					sink.add(hit, anon[p.endpoint], notEnforced)
				}
				mu.Unlock()
			}
		}()
	}
	stopped := ""
feed:
	for _, p := range probes {
		select {
		case work <- p:
		case <-ctx.Done():
			stopped = "interrupted"
			break feed
		}
	}
	close(work)
	wg.Wait()
	if firstErr != nil && agg.Snapshot().Requests == 0 {
		return nil, firstErr
	}
	ro := results.ReportOptions{
		Thresholds: spec.Thresholds, EndpointThresholds: endpointThresholds(spec),
		Command: "check", Duration: time.Since(start),
	}
	if stopped != "" {
		ro.Partial, ro.PartialWhy = true, stopped
	}
	return &Outcome{Aggregator: agg, Report: agg.Report(ro)}, nil
}

// notEnforced judges a request sent without the endpoint's credentials: a 2xx means the
// endpoint does not enforce authentication.
func notEnforced(h *attack.Hit, v []conformance.Violation) []conformance.Violation {
	if h.Status < 200 || h.Status >= 300 {
		return v
	}
	return append(v, conformance.Violation{
		Rule: RuleAuthNotEnforced, Severity: conformance.SeverityCritical, Offset: -1,
		Message: "a request without the endpoint's credentials succeeded: authentication is not enforced",
	})
}
