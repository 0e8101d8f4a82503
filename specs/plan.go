package specs

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// Plan summarises what a spec will send.
type Plan struct {
	Endpoints int
	Phases    int
	// Requests is the expected number of requests: for each open phase the integral of its
	// rate over its duration, duration × (rate + ramp_to) / 2 for a linear ramp (ramp_to = rate
	// when unset), rounded. -1 when any phase is closed: its count depends on the target.
	Requests int64
	Duration time.Duration // sum of the phases' durations
}

// Plan returns the plan of the spec's load phases.
func (s *Spec) Plan() Plan {
	p := Plan{Endpoints: len(s.Endpoints), Phases: len(s.Load.Phases)}
	var total float64
	for _, ph := range s.Load.Phases {
		d := ph.Duration.D()
		if d > 0 && p.Duration > math.MaxInt64-d {
			p.Duration = math.MaxInt64
		} else if d > 0 {
			p.Duration += d
		}
		if ph.Closed() {
			p.Requests = -1
			continue
		}
		end := ph.Rate
		if ph.RampTo > 0 {
			end = ph.RampTo
		}
		n := d.Seconds() * (ph.Rate + end) / 2
		if ph.MaxRequests > 0 && float64(ph.MaxRequests) < n {
			n = float64(ph.MaxRequests)
		}
		total += n
	}
	if p.Requests == 0 {
		switch {
		case math.IsNaN(total) || total < 0:
			p.Requests = 0
		case total >= math.MaxInt64:
			p.Requests = math.MaxInt64
		default:
			p.Requests = int64(math.Round(total))
		}
	}
	return p
}

// String is one line: "3 endpoints, 2 phases, ~4,200 requests over 1m30s", or with a closed
// phase "2 endpoints, 3 phases, 4m30s, requests depend on the target".
func (p Plan) String() string {
	head := fmt.Sprintf("%d %s, %d %s, ", p.Endpoints, plural(int64(p.Endpoints), "endpoint"),
		p.Phases, plural(int64(p.Phases), "phase"))
	if p.Requests < 0 {
		return head + shortDuration(p.Duration) + ", requests depend on the target"
	}
	return head + "~" + thousands(p.Requests) + " " + plural(p.Requests, "request") + " over " + shortDuration(p.Duration)
}

func plural(n int64, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// thousands formats n with comma separators: 4200 -> "4,200".
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	out := make([]byte, 0, len(s)+len(s)/3)
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}
