package attack

import (
	"math"
	"sort"
	"testing"
	"time"
)

func TestLinearPacerSchedule(t *testing.T) {
	tests := []struct {
		name      string
		r0, r1    float64
		d         time.Duration
		wantCount uint64
	}{
		{"constant 200/s for 5s", 200, 200, 5 * time.Second, 1000},
		{"constant 0.1/s for 30s", 0.1, 0.1, 30 * time.Second, 3},
		{"ramp 50→250 over 4s", 50, 250, 4 * time.Second, 600},
		{"ramp from 0", 0, 100, 2 * time.Second, 100},
		{"ramp down", 300, 100, time.Second, 200},
		{"fractional", 3, 3, 1500 * time.Millisecond, 5}, // H(T) = 4.5 → hits at 0, ⅓, ⅔, 1, 1⅓ s
		{"rate 0", 0, 0, time.Second, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newLinearPacer(tc.r0, tc.r1, tc.d, 0, 1, nil)
			if p.count != tc.wantCount {
				t.Fatalf("count = %d, want %d", p.count, tc.wantCount)
			}
			T := tc.d.Seconds()
			prev := time.Duration(-1)
			for k := uint64(0); k < p.count; k++ {
				due := p.due(k)
				if due <= prev || due >= tc.d {
					t.Fatalf("due(%d) = %s after %s, want increasing within [0, %s)", k, due, prev, tc.d)
				}
				prev = due
				// H(t_k) = k: the schedule solves the ramp's cumulative count.
				s := due.Seconds()
				h := tc.r0*s + (tc.r1-tc.r0)*s*s/(2*T)
				if math.Abs(h-float64(k)) > 1e-3 {
					t.Fatalf("H(due(%d)) = %f, want %d", k, h, k)
				}
			}
			if _, stop := p.Pace(0, p.count); !stop {
				t.Errorf("Pace after %d hits did not stop", p.count)
			}
		})
	}
}

func TestLinearPacerPace(t *testing.T) {
	p := newLinearPacer(100, 100, time.Second, 0, 1, nil)
	if wait, stop := p.Pace(0, 0); wait != 0 || stop {
		t.Errorf("Pace(0, 0) = %s, %v; want 0, false", wait, stop)
	}
	if wait, _ := p.Pace(5*time.Millisecond, 1); wait != 5*time.Millisecond {
		t.Errorf("Pace(5ms, 1) = %s; want 5ms", wait)
	}
	if wait, _ := p.Pace(50*time.Millisecond, 2); wait > 0 {
		t.Errorf("Pace when behind = %s; want ≤ 0 (send now)", wait)
	}
	if r := p.Rate(0); r != 100 {
		t.Errorf("Rate = %f, want 100", r)
	}
	ramp := newLinearPacer(100, 300, 2*time.Second, 1, 4, nil)
	if r := ramp.Rate(time.Second); r != 50 {
		t.Errorf("ramp shard Rate(1s) = %f, want 200/4 = 50", r)
	}
}

func TestLinearPacerStopEndsWait(t *testing.T) {
	stop := make(chan struct{})
	p := newLinearPacer(0.01, 0.01, time.Hour, 0, 1, stop) // next hit due in 100 s
	done := make(chan bool)
	go func() {
		_, stopped := p.Pace(0, 1)
		done <- stopped
	}()
	close(stop)
	if !<-done {
		t.Error("Pace returned without stop after the stop channel closed")
	}
}

// TestShardsSplitSchedule: the shards' hits together are the global schedule, each hit once.
func TestShardsSplitSchedule(t *testing.T) {
	for _, n := range []int{1, 2, 3, 7} {
		global := newLinearPacer(250, 350, 2*time.Second, 0, 1, nil)
		var all []time.Duration
		var sum uint64
		for i := 0; i < n; i++ {
			p := newLinearPacer(250, 350, 2*time.Second, i, n, nil)
			sum += p.count
			for j := uint64(0); j < p.count; j++ {
				all = append(all, p.due(j))
			}
		}
		if sum != global.count {
			t.Fatalf("%d shards: counts sum to %d, want %d", n, sum, global.count)
		}
		sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
		for k, d := range all {
			if want := global.due(uint64(k)); d != want {
				t.Fatalf("%d shards: hit %d due %s, want %s", n, k, d, want)
			}
		}
	}
}

func TestClosedShare(t *testing.T) {
	tests := []struct {
		n, shards int
		want      []int
	}{
		{10, 3, []int{4, 3, 3}},
		{2, 3, []int{1, 1, 0}},
		{64, 1, []int{64}},
		{9, 3, []int{3, 3, 3}},
	}
	for _, tc := range tests {
		sum := 0
		for i, want := range tc.want {
			got := closedShare(tc.n, i, tc.shards)
			if got != want {
				t.Errorf("closedShare(%d, %d, %d) = %d, want %d", tc.n, i, tc.shards, got, want)
			}
			sum += got
		}
		if sum != tc.n {
			t.Errorf("N=%d over %d shards sums to %d", tc.n, tc.shards, sum)
		}
	}
}
