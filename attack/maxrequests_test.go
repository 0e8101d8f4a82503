package attack

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

// TestMaxRequests: a phase ends after max_requests requests, well before its duration, in
// both models; the server sees exactly that many; shards split the count exactly.
func TestMaxRequests(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		closed bool
		shards int
	}{
		{"closed", true, 1},
		{"open", false, 1},
		{"closed 3 shards", true, 3},
		{"open 3 shards", false, 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var served atomic.Int64
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { served.Add(1) })
			ph := closedPhase(time.Minute, 8)
			if !tc.closed {
				ph = openPhase(time.Minute, 500, 0)
			}
			ph.MaxRequests = 250
			var sent uint64
			for i := 0; i < tc.shards; i++ {
				a := mustNew(t, testSpec(srv.URL, ph), Shard(i, tc.shards))
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				info, err := a.Run(ctx, func(h *Hit) {})
				cancel()
				if err != nil {
					t.Fatal(err)
				}
				if info.Stopped != "" {
					t.Fatalf("shard %d stopped: %s (the phase should end by count, long before its minute)", i, info.Stopped)
				}
				sent += info.Phases[0].Sent
			}
			if sent != 250 || served.Load() != 250 {
				t.Errorf("sent %d, server saw %d; want 250 each", sent, served.Load())
			}
		})
	}
}
