package attack

import (
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// openPhase drives an open-model phase with vegeta's attacker and the linear pacer, and turns
// each vegeta Result into r.hit. Latency counts from the intended send time of the result's
// sequence number (lin.due), not from when a worker picked the hit up, so queueing behind a
// capped worker pool shows (coordinated omission).
func (r *runner) openPhase(ph *phaseRun, atk *vegeta.Attacker, lin *linearPacer, limit time.Duration) {
	h := &r.hit
	for res := range atk.Attack(r.targeter, lin, limit, "") {
		if res.URL == "" { // a targeter error; ours never fails
			continue
		}
		ep := endpointOf(res.URL)
		sent := res.Timestamp.Sub(ph.t0)
		intended := lin.due(res.Seq)
		if late := sent - intended; late > ph.info.MaxLateness {
			ph.info.MaxLateness = late
		}
		e := &r.a.plans[ep]
		*h = Hit{
			Endpoint: ep, Phase: ph.p, At: ph.offset + intended,
			Latency: sent + res.Latency - intended, Service: res.Latency,
			Status: int(res.Code), Header: res.Headers, Body: res.Body,
			BytesIn: res.BytesIn, BytesOut: res.BytesOut,
			Method: e.method, URL: e.url, Credentialed: e.credentialed, Origin: e.origin,
		}
		if res.Code == 0 {
			kind := classifyText(res.Error)
			if kind == "" {
				kind = KindOther
			}
			h.Err, h.ErrKind = &TransportError{Kind: kind, Msg: stripURLPrefix(res.Error)}, kind
			h.Body, h.BytesIn = nil, 0 // a body cut short by the failure is not a response
		}
		r.deliver(ph)
	}
}
