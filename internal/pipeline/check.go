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
	var mu sync.Mutex // guards agg and viol: probes run concurrently, Add is single-threaded
	viol := make([]conformance.Violation, 0, 16)

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
				viol = viol[:0]
				if hit.Status != 0 {
					c := checkers[p.endpoint]
					if !p.withAuth {
						c = anon[p.endpoint]
					}
					resp := conformance.Response{Status: hit.Status, Header: hit.Header, Body: hit.Body, Credentialed: hit.Credentialed, Origin: hit.Origin}
					viol = c.Check(&resp, viol)
					if !p.withAuth && hit.Status >= 200 && hit.Status < 300 {
						viol = append(viol, conformance.Violation{
							Rule: RuleAuthNotEnforced, Severity: conformance.SeverityCritical, Offset: -1,
							Message: "a request without the endpoint's credentials succeeded: authentication is not enforced",
						})
					}
				}
				s := results.Sample{
					Endpoint: p.endpoint, Phase: -1, At: hit.At, Latency: hit.Latency, Service: hit.Service,
					Status: hit.Status, Err: results.ErrKind(hit.ErrKind), BytesIn: hit.BytesIn, BytesOut: hit.BytesOut,
					Method: hit.Method, URL: hit.URL, Header: hit.Header, Body: hit.Body, Violations: viol,
				}
				if hit.Err != nil {
					s.ErrText = hit.Err.Error()
				}
				agg.Add(&s)
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
	ro := results.ReportOptions{Thresholds: spec.Thresholds, Command: "check", Duration: time.Since(start)}
	for i := range spec.Endpoints {
		ro.EndpointThresholds = append(ro.EndpointThresholds, spec.Endpoints[i].Thresholds)
	}
	if stopped != "" {
		ro.Partial, ro.PartialWhy = true, stopped
	}
	return &Outcome{Aggregator: agg, Report: agg.Report(ro)}, nil
}
