package attack

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seccheck/seccheck/specs"
)

func within(got, want, tol float64) bool { return math.Abs(got-want) <= tol*want }

// TestOpenRate: the server receives the requested rate, within 2%, over 5 s.
func TestOpenRate(t *testing.T) {
	for _, rate := range []float64{200, 1000} {
		t.Run(fmt.Sprintf("%g/s", rate), func(t *testing.T) {
			t.Parallel()
			measured(t, func(c *checks) { openRate(t, c, rate) })
		})
	}
}

func openRate(t *testing.T, c *checks, rate float64) {
	var n, first, last atomic.Int64
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		now := time.Now().UnixNano()
		if n.Add(1) == 1 {
			first.Store(now)
		}
		for l := last.Load(); now > l && !last.CompareAndSwap(l, now); l = last.Load() {
		}
	})
	const d = 5 * time.Second
	a := mustNew(t, testSpec(srv.URL, openPhase(d, rate, 0)))
	var bad atomic.Int64
	info, err := a.Run(context.Background(), func(h *Hit) {
		if h.Status != 200 {
			bad.Add(1)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	want := rate * d.Seconds()
	got := float64(n.Load())
	span := time.Duration(last.Load() - first.Load()).Seconds()
	observed := (got - 1) / span // arrivals per second between the first and the last
	t.Logf("asked %g/s: server got %g requests, %.1f/s between first and last; phase %+v", rate, got, observed, info.Phases[0])
	if !within(got, want, 0.02) {
		c.Errorf("server got %g requests, want %g ± 2%%", got, want)
	}
	if !within(observed, rate, 0.02) {
		c.Errorf("server saw %.1f/s, want %g/s ± 2%%", observed, rate)
	}
	ph := info.Phases[0]
	if ph.Requested != uint64(want) || ph.Sent != uint64(got) || ph.Lagging || bad.Load() != 0 {
		c.Errorf("phase %+v, %d non-200: want Requested %g, Sent %g, not lagging, no failures", ph, bad.Load(), want, got)
	}
	if !within(ph.AchievedRate, rate, 0.02) {
		c.Errorf("AchievedRate %.1f, want %g ± 2%%", ph.AchievedRate, rate)
	}
}

// TestRampFollowsLine: per-second arrival counts of a ramp follow H(s+1) − H(s).
func TestRampFollowsLine(t *testing.T) {
	t.Parallel()
	measured(t, func(c *checks) { rampFollowsLine(t, c) })
}

func rampFollowsLine(t *testing.T, c *checks) {
	const T = 4
	startAt := time.Now().Add(200 * time.Millisecond)
	var mu sync.Mutex
	perSecond := make([]int, T+1)
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		s := int(time.Since(startAt) / time.Second)
		mu.Lock()
		perSecond[min(max(s, 0), T)]++
		mu.Unlock()
	})
	a := mustNew(t, testSpec(srv.URL, openPhase(T*time.Second, 50, 250)), StartAt(startAt))
	var ats []time.Duration
	info, err := a.Run(context.Background(), func(h *Hit) { ats = append(ats, h.At) })
	if err != nil {
		t.Fatal(err)
	}
	// H(t) = 50t + 200t²/8: 75, 125, 175, 225 in seconds 0..3.
	want := []float64{75, 125, 175, 225}
	mu.Lock()
	defer mu.Unlock()
	t.Logf("per second: %v (want %v), phase %+v", perSecond, want, info.Phases[0])
	for s, w := range want {
		if g := float64(perSecond[s]); math.Abs(g-w) > 0.05*w+2 {
			c.Errorf("second %d: %g requests, want %g ± 5%%+2", s, g, w)
		}
	}
	if info.Phases[0].Requested != 600 || len(ats) != 600 {
		c.Errorf("requested %d, hits %d; want 600", info.Phases[0].Requested, len(ats))
		return
	}
	// Intended send times are the schedule, whatever the actual send times were.
	p := newLinearPacer(50, 250, T*time.Second, 0, 1, nil)
	off := info.Phases[0].Start
	seen := make(map[time.Duration]bool, len(ats))
	for _, at := range ats {
		seen[at-off] = true
	}
	for k := range uint64(600) {
		if !seen[p.due(k)] {
			t.Fatalf("no hit intended at t_%d = %s", k, p.due(k))
		}
	}
}

// TestClosedModelInFlight: the closed model keeps at most N requests in flight, and about N.
//
// Not parallel: the in-flight average measures this process's speed too.
func TestClosedModelInFlight(t *testing.T) {
	measured(t, func(c *checks) { closedModelInFlight(t, c) })
}

func closedModelInFlight(t *testing.T, c *checks) {
	const N = 8
	var f inFlight
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		f.enter()
		defer f.leave()
		time.Sleep(10 * time.Millisecond)
	})
	a := mustNew(t, testSpec(srv.URL, closedPhase(1500*time.Millisecond, N)))
	// Sample the server's in-flight count while the phase runs.
	var samples, sum atomic.Int64
	ctx, cancel := context.WithCancel(context.Background())
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				if n := f.now.Load(); n > 0 || samples.Load() > 0 {
					samples.Add(1)
					sum.Add(n)
				}
			}
		}
	}()
	info, err := a.Run(context.Background(), func(h *Hit) {
		if h.Latency != h.Service {
			t.Errorf("closed model: Latency %s != Service %s", h.Latency, h.Service)
		}
	})
	cancel()
	<-sampled
	if err != nil {
		t.Fatal(err)
	}
	avg := float64(sum.Load()) / float64(samples.Load())
	t.Logf("max in flight %d, average %.2f over %d samples, %d hits", f.max.Load(), avg, samples.Load(), info.Hits)
	if m := f.max.Load(); m > N {
		t.Errorf("max in flight %d, want ≤ %d", m, N)
	}
	if avg < 0.8*N {
		c.Errorf("average in flight %.2f, want ≥ %g (near N=%d)", avg, 0.8*N, N)
	}
	if ph := info.Phases[0]; !ph.Closed || ph.Concurrency != N || ph.Sent == 0 {
		t.Errorf("phase %+v", ph)
	}
}

// TestStatusesAndAttribution: every hit carries its endpoint, method, URL and status; 5xx are
// counted; what the sink sees matches what the server got, endpoint by endpoint.
func TestStatusesAndAttribution(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	server := map[string]int{}
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		server[r.Method+" "+r.URL.RequestURI()]++
		mu.Unlock()
		if r.URL.Path == "/fail" {
			w.WriteHeader(500)
			fmt.Fprint(w, "boom")
			return
		}
		fmt.Fprint(w, "ok")
	})
	spec := testSpec(srv.URL, openPhase(time.Second, 300, 0))
	spec.Endpoints = []specs.Endpoint{
		{Name: "ok", Method: "GET", Path: "/a", Weight: 1},
		{Name: "post", Method: "POST", Path: "/a", Weight: 1, Body: "x=1"},
		{Name: "fail", Method: "GET", Path: "/fail?q=1", Weight: 1},
	}
	a := mustNew(t, spec)
	sink := map[string]int{}
	var fives int
	info, err := a.Run(context.Background(), func(h *Hit) {
		sink[h.Method+" "+strings.TrimPrefix(h.URL, srv.URL)]++
		wantStatus, wantBody := 200, "ok"
		if h.Endpoint == 2 {
			wantStatus, wantBody = 500, "boom"
			fives++
		}
		if h.Status != wantStatus || string(h.Body) != wantBody || h.Err != nil || h.Phase != 0 {
			t.Errorf("endpoint %d: status %d body %q err %v phase %d", h.Endpoint, h.Status, h.Body, h.Err, h.Phase)
		}
		if h.Method != spec.Endpoints[h.Endpoint].Method || h.URL != srv.URL+spec.Endpoints[h.Endpoint].Path {
			t.Errorf("endpoint %d: %s %s", h.Endpoint, h.Method, h.URL)
		}
		if h.Endpoint == 1 && h.BytesOut != 3 {
			t.Errorf("POST BytesOut = %d, want 3", h.BytesOut)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if fmt.Sprint(server) != fmt.Sprint(sink) {
		t.Errorf("server got %v, sink saw %v", server, sink)
	}
	if info.Hits != 300 || info.Status5xx != 100 || uint64(fives) != info.Status5xx || info.Responses != 300 || info.Errors != 0 {
		t.Errorf("info %+v: want 300 hits, 100 5xx (exact: weights 1:1:1 cycle)", info)
	}
}

// TestWeights: over 10,000 requests each endpoint's share is within 2% of its weight, and the
// server saw the same split as the sink. Not parallel: it runs flat out and would disturb the
// rate tests.
func TestWeights(t *testing.T) {
	var counts [3]atomic.Int64
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == "POST":
			counts[1].Add(1)
		case r.URL.Path == "/b":
			counts[2].Add(1)
		default:
			counts[0].Add(1)
		}
	})
	spec := testSpec(srv.URL, closedPhase(time.Minute, 16))
	spec.Endpoints = []specs.Endpoint{
		{Name: "a", Method: "GET", Path: "/a", Weight: 5},
		{Name: "post a", Method: "POST", Path: "/a", Weight: 3, Body: "{}"},
		{Name: "b", Method: "GET", Path: "/b?x=1", Weight: 2},
	}
	a := mustNew(t, spec, Seed(7))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var sink [3]int
	n := 0
	info, err := a.Run(ctx, func(h *Hit) {
		sink[h.Endpoint]++
		if n++; n == 10000 {
			cancel()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if info.Stopped != "interrupted" {
		t.Errorf("Stopped = %q, want interrupted", info.Stopped)
	}
	weights := []float64{5, 3, 2}
	for e, w := range weights {
		want := float64(n) * w / 10
		if !within(float64(sink[e]), want, 0.02) {
			t.Errorf("endpoint %d: %d of %d hits, want %.0f ± 2%%", e, sink[e], n, want)
		}
		if got := counts[e].Load(); got != int64(sink[e]) {
			t.Errorf("endpoint %d: server got %d, sink saw %d", e, got, sink[e])
		}
	}
	t.Logf("%d hits: %v", n, sink)
}

// TestCancel: cancelling ctx stops sending at once, even in the middle of a long wait for the
// next scheduled hit, and Run reports the run as interrupted.
func TestCancel(t *testing.T) {
	t.Parallel()
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {})
	tests := []struct {
		name  string
		phase specs.Phase
		after int // cancel once this many hits arrived
	}{
		{"slow open phase", openPhase(time.Hour, 0.01, 0), 1}, // next hit due in 100 s
		{"closed phase", closedPhase(time.Hour, 4), 200},
		{"ramp", openPhase(time.Hour, 10, 1000), 20},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := mustNew(t, testSpec(srv.URL, tc.phase, openPhase(time.Hour, 100, 0)))
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			n := 0
			info, err := a.Run(ctx, func(h *Hit) {
				if n++; n == tc.after {
					cancel()
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			if info.Stopped != "interrupted" || len(info.Phases) != 1 || !info.Phases[0].Cut {
				t.Errorf("info %+v: want interrupted in phase 0", info)
			}
			if info.Duration > 10*time.Minute || n > tc.after+50 {
				t.Errorf("after cancel: %d hits (cancelled at %d), ran %s", n, tc.after, info.Duration)
			}
		})
	}
	t.Run("before start", func(t *testing.T) {
		a := mustNew(t, testSpec(srv.URL, openPhase(time.Second, 10, 0)), StartAt(time.Now().Add(time.Hour)))
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		info, err := a.Run(ctx, func(h *Hit) { t.Error("a hit after cancel") })
		if err != nil || info.Stopped != "interrupted" || len(info.Phases) != 0 {
			t.Errorf("info %+v err %v: want interrupted before any phase", info, err)
		}
	})
}

// TestAbortRule: a target that only fails trips the abort rule once enough responses arrived.
func TestAbortRule(t *testing.T) {
	t.Parallel()
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) })
	spec := testSpec(srv.URL, closedPhase(time.Hour, 4), openPhase(time.Hour, 10, 0))
	spec.Load.AbortWhen = &specs.AbortRule{
		Rate5xx: specs.Threshold{Op: ">", Value: 0.5, Unit: "%", Raw: "> 50%"},
		After:   200,
	}
	a := mustNew(t, spec)
	info, err := a.Run(context.Background(), func(h *Hit) {})
	if err != nil {
		t.Fatal(err)
	}
	if want := "aborted: rate_5xx > 50% after 200 responses"; info.Stopped != want {
		t.Errorf("Stopped = %q, want %q", info.Stopped, want)
	}
	if len(info.Phases) != 1 || info.Hits < 200 || info.Hits > 210 || info.Status5xx != info.Hits {
		t.Errorf("info %+v: want one phase, 200 hits and the ≤ 4 in flight", info)
	}

	// Under the rule's threshold nothing stops.
	var n atomic.Int64
	mixed := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%4 == 0 {
			w.WriteHeader(500)
		}
	})
	spec = testSpec(mixed.URL, openPhase(time.Second, 300, 0))
	spec.Load.AbortWhen = &specs.AbortRule{Rate5xx: specs.Threshold{Op: ">", Value: 0.5, Unit: "%"}, After: 20}
	info, err = mustNew(t, spec).Run(context.Background(), func(h *Hit) {})
	if err != nil || info.Stopped != "" || info.Hits != 300 {
		t.Errorf("25%% 5xx: info %+v err %v, want a complete run", info, err)
	}
}

// TestLagging: with max_workers too small for a slow target the phase reports it sent less than
// asked, and latency counts from the intended send time (coordinated omission corrected).
func TestLagging(t *testing.T) {
	t.Parallel()
	var f inFlight
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		f.enter()
		defer f.leave()
		time.Sleep(50 * time.Millisecond)
	})
	spec := testSpec(srv.URL, openPhase(time.Second, 100, 0))
	spec.Load.MaxWorkers = 2
	var maxGap time.Duration
	info, err := mustNew(t, spec).Run(context.Background(), func(h *Hit) {
		if h.Latency < h.Service {
			t.Errorf("Latency %s < Service %s", h.Latency, h.Service)
		}
		maxGap = max(maxGap, h.Latency-h.Service)
	})
	if err != nil {
		t.Fatal(err)
	}
	ph := info.Phases[0]
	t.Logf("phase %+v; max in flight %d; largest latency − service %s", ph, f.max.Load(), maxGap)
	if !ph.Lagging || ph.Requested != 100 || ph.Sent >= 95 || ph.AchievedRate >= 95 {
		t.Errorf("phase %+v: want lagging, 100 requested, < 95 sent", ph)
	}
	if f.max.Load() > 2 {
		t.Errorf("max in flight %d, want ≤ max_workers 2", f.max.Load())
	}
	if maxGap < 100*time.Millisecond || ph.MaxLateness < 100*time.Millisecond {
		t.Errorf("largest latency − service %s, MaxLateness %s: queueing is hidden", maxGap, ph.MaxLateness)
	}
}

// TestShardsSumExactly: three shards run side by side send the global count exactly, with their
// intended send times forming the global schedule; closed phases split N.
func TestShardsSumExactly(t *testing.T) {
	t.Parallel()
	measured(t, func(c *checks) { shardsSumExactly(t, c) })
}

func shardsSumExactly(t *testing.T, c *checks) {
	var n atomic.Int64
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { n.Add(1) })
	const shards = 3
	startAt := time.Now().Add(100 * time.Millisecond)
	spec := testSpec(srv.URL, openPhase(2*time.Second, 250, 350), closedPhase(200*time.Millisecond, 10))
	var wg sync.WaitGroup
	infos := make([]*RunInfo, shards)
	due := make([][]time.Duration, shards)
	for i := range shards {
		a := mustNew(t, spec, Shard(i, shards), StartAt(startAt), Seed(1))
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			infos[i], err = a.Run(context.Background(), func(h *Hit) {
				if h.Phase == 0 {
					due[i] = append(due[i], h.At)
				}
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	var requested, sent uint64
	seen := map[time.Duration]int{}
	for i, info := range infos {
		ph := info.Phases[0]
		requested += ph.Requested
		sent += ph.Sent
		for _, at := range due[i] {
			seen[at-ph.Start]++
		}
		if want := closedShare(10, i, shards); info.Phases[1].Concurrency != want {
			t.Errorf("shard %d: closed concurrency %d, want %d", i, info.Phases[1].Concurrency, want)
		}
		t.Logf("shard %d: %+v", i, ph)
	}
	if requested != 600 {
		t.Errorf("shards requested %d, want 600", requested)
	}
	if sent != 600 || n.Load() < 600 {
		c.Errorf("shards sent %d, server got %d; want 600", sent, n.Load())
		return
	}
	global := newLinearPacer(250, 350, 2*time.Second, 0, 1, nil)
	for k := range global.count {
		if seen[global.due(k)] != 1 {
			t.Fatalf("global hit %d (due %s) sent %d times", k, global.due(k), seen[global.due(k)])
		}
	}
}

// TestDurationScale: the scale multiplies phase durations, not rates.
func TestDurationScale(t *testing.T) {
	t.Parallel()
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {})
	a := mustNew(t, testSpec(srv.URL, openPhase(10*time.Second, 100, 0)), DurationScale(0.05))
	info, err := a.Run(context.Background(), func(h *Hit) {})
	if err != nil {
		t.Fatal(err)
	}
	if ph := info.Phases[0]; ph.Planned != 500*time.Millisecond || ph.Requested != 50 || ph.Sent != 50 {
		t.Errorf("phase %+v: want 500ms planned, 50 requested and sent", ph)
	}
}

func TestNewRejects(t *testing.T) {
	good := testSpec("http://127.0.0.1:9", openPhase(time.Second, 1, 0))
	tests := []struct {
		name string
		spec *specs.Spec
		opts []Option
	}{
		{"shard out of range", good, []Option{Shard(3, 3)}},
		{"no shards", good, []Option{Shard(0, 0)}},
		{"scale 0", good, []Option{DurationScale(0)}},
		{"relative url", testSpec("/x", openPhase(time.Second, 1, 0)), nil},
		{"zero duration", testSpec("http://127.0.0.1:9", openPhase(0, 1, 0)), nil},
		{"negative rate", testSpec("http://127.0.0.1:9", openPhase(time.Second, -1, 0)), nil},
	}
	for _, tc := range tests {
		if _, err := New(tc.spec, tc.opts...); err == nil {
			t.Errorf("%s: New succeeded, want an error", tc.name)
		}
	}
}
