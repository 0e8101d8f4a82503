package attack

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/seccheck/seccheck/specs"
)

// Preflight sends one GET to target.url (target headers, no credentials) with the spec's TLS
// and timeout. Any HTTP response, even a 500, means the target is reachable. Otherwise it
// returns an *UnreachableError whose one-line message says what failed and what to do, or
// ctx's error when ctx ended first.
func (a *Attack) Preflight(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.spec.Target.URL, nil)
	if err != nil {
		return err
	}
	req.Header = a.baseHeader.Clone()
	resp, err := a.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return unreachable(a.spec.Target.URL, timeoutOf(&a.spec.Target), err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	return resp.Body.Close()
}

// Probe sends one request to endpoint (an index into spec.Endpoints), with its credentials or
// without them, outside any phase (Hit.Phase = -1, Hit.At = 0, Latency = Service). A transport
// failure is reported in Hit.Err and Hit.ErrKind with a nil error; the error is for a bad
// endpoint index, bad TLS material (*SetupError) or ctx ending first. The Hit is the caller's.
func (a *Attack) Probe(ctx context.Context, endpoint int, withCredentials bool) (*Hit, error) {
	if endpoint < 0 || endpoint >= len(a.plans) {
		return nil, errEndpoint
	}
	e := &a.plans[endpoint]
	hdr, cred := e.header, e.credentialed
	if !withCredentials {
		hdr, cred = e.anonHeader, false
	}
	hit := &Hit{
		Endpoint: endpoint, Phase: -1, Method: e.method, URL: e.url, Credentialed: cred, Origin: e.origin,
		BytesOut: uint64(len(e.body)),
	}
	var body bytes.Buffer
	start := time.Now()
	status, header, err := a.send(ctx, e, hdr, &body)
	hit.Service = time.Since(start)
	hit.Latency = hit.Service
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		hit.Err, hit.ErrKind = transportError(err)
		return hit, nil
	}
	hit.Status, hit.Header, hit.Body, hit.BytesIn = status, header, body.Bytes(), uint64(body.Len())
	return hit, nil
}

// probeAttacks keeps one Attack per spec for the package-level Probe, so repeated probes of a
// spec share TLS material and connections. A process checks a handful of specs at most.
var probeAttacks sync.Map // *specs.Spec → *Attack

// Probe is (*Attack).Probe on an Attack built (once, then cached by spec pointer) from spec
// with default options. Safe for concurrent use.
func Probe(ctx context.Context, spec *specs.Spec, endpoint int, withCredentials bool) (*Hit, error) {
	v, ok := probeAttacks.Load(spec)
	if !ok {
		a, err := New(spec)
		if err != nil {
			return nil, err
		}
		v, _ = probeAttacks.LoadOrStore(spec, a)
	}
	return v.(*Attack).Probe(ctx, endpoint, withCredentials)
}
