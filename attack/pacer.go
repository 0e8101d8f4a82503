package attack

import (
	"math"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// linearPacer paces one shard of an open-model phase whose rate moves linearly from r0 to r1
// hits/s over the phase duration T (r0 == r1 is a constant rate). The hits due by elapsed time t
// number
//
//	H(t) = r0·t + (r1−r0)·t²/(2T)
//
// so hit k of the phase (k = 0, 1, …, counted over all shards) is due at the t_k with H(t_k) = k,
// the positive root of that quadratic, written so that it stays exact for r1 == r0 and r0 == 0:
//
//	t_k = 2k / (r0 + √(r0² + 2k(r1−r0)/T))
//
// The phase holds the hits with t_k < T, which are C = ⌈H(T)⌉ = ⌈(r0+r1)·T/2⌉ of them.
// Shard i of n sends exactly the hits k ≡ i (mod n): its j-th hit is hit i + j·n, so it sends
// ⌈(C−i)/n⌉ hits (0 when C ≤ i) at about rate/n, and the shards together send the global
// schedule, no hit twice and none lost. The intended send time of a shard's hit j is due(j).
//
// Pace also watches stop: a long wait (a slow rate) ends early when the phase is stopped, so
// cancelling a run never waits for the next scheduled hit.
type linearPacer struct {
	r0, r1 float64 // hits/s at the start and at the end of the phase, over all shards
	t      float64 // phase duration T in seconds
	shard  uint64  // i
	shards uint64  // n
	count  uint64  // hits of this shard
	stop   <-chan struct{}
	timer  *time.Timer // reused: Pace is called from one goroutine (vegeta's pacing loop)
}

var _ vegeta.Pacer = (*linearPacer)(nil)

func newLinearPacer(r0, r1 float64, d time.Duration, shard, shards int, stop <-chan struct{}) *linearPacer {
	p := &linearPacer{r0: r0, r1: r1, t: d.Seconds(), shard: uint64(shard), shards: uint64(shards), stop: stop}
	// A tiny epsilon keeps float noise (0.1/s × 30 s = 3.0000000000000004) from adding a hit.
	total := math.Ceil((r0+r1)*p.t/2 - 1e-9)
	if total > 0 && uint64(total) > p.shard {
		p.count = (uint64(total) - p.shard + p.shards - 1) / p.shards
	}
	return p
}

// globalDue returns t_k in seconds.
func (p *linearPacer) globalDue(k uint64) float64 {
	if k == 0 {
		return 0
	}
	kf := float64(k)
	return 2 * kf / (p.r0 + math.Sqrt(p.r0*p.r0+2*kf*(p.r1-p.r0)/p.t))
}

// due returns the intended send time of this shard's hit j, from the start of the phase.
func (p *linearPacer) due(j uint64) time.Duration {
	return time.Duration(p.globalDue(p.shard+j*p.shards) * 1e9)
}

// Pace implements vegeta.Pacer.
func (p *linearPacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	if hits >= p.count {
		return 0, true
	}
	wait := p.due(hits) - elapsed
	if wait < 20*time.Millisecond || p.stop == nil {
		return wait, false
	}
	if p.timer == nil {
		p.timer = time.NewTimer(wait)
	} else {
		p.timer.Reset(wait)
	}
	select {
	case <-p.timer.C:
		return 0, false
	case <-p.stop:
		p.timer.Stop()
		return 0, true
	}
}

// Rate implements vegeta.Pacer: this shard's instantaneous rate, (r0 + (r1−r0)·t/T)/n.
func (p *linearPacer) Rate(elapsed time.Duration) float64 {
	f := elapsed.Seconds() / p.t
	if f > 1 {
		f = 1
	}
	return (p.r0 + (p.r1-p.r0)*f) / float64(p.shards)
}

// closedShare is shard i's part of a closed phase's concurrency N over n shards:
// ⌊N/n⌋, plus one for the first N mod n shards, so the parts sum to N exactly.
func closedShare(n, shard, shards int) int {
	c := n / shards
	if shard < n%shards {
		c++
	}
	return c
}
