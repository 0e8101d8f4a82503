package attack

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// closedResult is one request of a closed-phase worker, handed to the drain loop. Each worker
// owns one and reuses it, body buffer included, once the drain loop signals done.
type closedResult struct {
	ep      int
	sent    time.Duration // since the phase start
	service time.Duration
	status  int
	header  http.Header
	body    bytes.Buffer
	err     error
	done    chan struct{}
}

// closedPhase runs a closed-model phase: plan.concurrency workers, each sending its next request
// as soon as its last one is complete and handed over, so at most N and nearly always N are in
// flight. It does not use vegeta: its workers keep the response body in a buffer they reuse
// (vegeta allocates every body anew, a large part of its cost on big bodies), and they know
// each request's endpoint and send time directly. Intended send time = actual send time.
func (r *runner) closedPhase(ph *phaseRun, plan phasePlan, stop <-chan struct{}) {
	out := make(chan *closedResult)
	end := ph.t0.Add(plan.duration)
	var claimed atomic.Int64 // requests started, for max_requests
	var wg sync.WaitGroup
	for range plan.concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := &closedResult{done: make(chan struct{})}
			for {
				select {
				case <-stop:
					return
				default:
				}
				start := time.Now()
				if !start.Before(end) {
					return
				}
				if plan.maxRequests != 0 && claimed.Add(1) > plan.maxRequests {
					return
				}
				res.ep = r.a.pick.at(r.picks.Add(1) - 1)
				e := &r.a.plans[res.ep]
				// Not the run's ctx: a request in flight when the run is interrupted finishes
				// (within target.timeout) and is reported.
				res.status, res.header, res.err = r.a.send(context.Background(), e, e.header, &res.body)
				res.sent, res.service = start.Sub(ph.t0), time.Since(start)
				out <- res
				<-res.done
			}
		}()
	}
	go func() {
		wg.Wait()
		close(out)
	}()

	h := &r.hit
	for res := range out {
		e := &r.a.plans[res.ep]
		*h = Hit{
			Endpoint: res.ep, Phase: ph.p, At: ph.offset + res.sent,
			Latency: res.service, Service: res.service,
			Status: res.status, Header: res.header,
			BytesOut: uint64(len(e.body)),
			Method:   e.method, URL: e.url, Credentialed: e.credentialed, Origin: e.origin,
		}
		if res.err != nil {
			h.Err, h.ErrKind = transportError(res.err)
		} else {
			h.Body = res.body.Bytes()
			h.BytesIn = uint64(len(h.Body))
		}
		r.deliver(ph)
		res.done <- struct{}{}
	}
}

// send performs one request of endpoint e with header and keeps up to target.max_body bytes of
// the response body in buf (reset first); the rest is read and discarded so the connection
// can be reused. A non-nil error is a transport failure (status 0).
func (a *Attack) send(ctx context.Context, e *endpointPlan, header http.Header, buf *bytes.Buffer) (int, http.Header, error) {
	var body io.Reader
	if len(e.body) > 0 {
		body = bytes.NewReader(e.body)
	}
	req, err := http.NewRequestWithContext(ctx, e.method, e.url, body)
	if err != nil {
		return 0, nil, err
	}
	// Shared by every request of the endpoint: neither http.Client nor http.Transport writes
	// to a request's header map (the client copies it when it must change it).
	req.Header = header
	if host := header.Get("Host"); host != "" {
		req.Host = host
	}
	resp, err := a.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	buf.Reset()
	kept := io.Reader(resp.Body)
	if a.maxBody >= 0 {
		kept = io.LimitReader(resp.Body, a.maxBody)
	}
	if _, err = buf.ReadFrom(kept); err == nil {
		_, err = io.Copy(io.Discard, resp.Body)
	}
	if err != nil {
		return 0, nil, err
	}
	return resp.StatusCode, resp.Header, nil
}

// transportError turns a failure from http.Client into Hit.Err and Hit.ErrKind. The message
// drops the "Get \"URL\": " prefix.
func transportError(err error) (*TransportError, string) {
	kind := ClassifyError(err)
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return &TransportError{Kind: kind, Msg: err.Error()}, kind
}
