package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/seccheck/seccheck/results"
	"github.com/seccheck/seccheck/specs"
)

// progressPrinter shows live progress on stderr: a line redrawn in place on a terminal, or a
// plain line every 5 s otherwise (CI logs).
type progressPrinter struct {
	w        io.Writer
	tty      bool
	phases   []time.Duration // scaled phase durations
	total    time.Duration
	snapshot func() results.Progress
	// every is the interval between lines (0: 250ms on a terminal, 5s otherwise).
	every time.Duration
	// startAt is the phases' time zero when the run waits for a future --start-at; zero or past:
	// when start is called. Before it, the line says how long until the start instead of
	// counting the wait into the first phase.
	startAt time.Time
	stop    chan struct{}
	done    chan struct{}
}

func newProgressPrinter(w io.Writer, tty bool, spec *specs.Spec, scale float64, snapshot func() results.Progress) *progressPrinter {
	p := &progressPrinter{w: w, tty: tty, snapshot: snapshot, stop: make(chan struct{}), done: make(chan struct{})}
	if scale <= 0 {
		scale = 1
	}
	for _, ph := range spec.Load.Phases {
		d := time.Duration(float64(ph.Duration.D()) * scale)
		p.phases = append(p.phases, d)
		p.total += d
	}
	return p
}

func (p *progressPrinter) start() {
	go func() {
		defer close(p.done)
		every := p.every
		if every <= 0 {
			every = 5 * time.Second
			if p.tty {
				every = 250 * time.Millisecond
			}
		}
		t := time.NewTicker(every)
		defer t.Stop()
		// A --start-at already past starts the phases at once: count from now, so the phase
		// shown is the one running.
		begin := time.Now()
		if p.startAt.After(begin) {
			begin = p.startAt
		}
		var lastReq uint64
		lastAt := time.Now()
		for {
			select {
			case <-p.stop:
				if p.tty {
					fmt.Fprint(p.w, "\r\033[K")
				}
				return
			case now := <-t.C:
				s := p.snapshot()
				var rps float64
				if secs := now.Sub(lastAt).Seconds(); secs > 0 {
					rps = float64(s.Requests-lastReq) / secs
				}
				lastReq, lastAt = s.Requests, now
				line := p.line(now.Sub(begin), s, rps)
				if p.tty {
					fmt.Fprint(p.w, "\r\033[K"+line)
				} else {
					fmt.Fprintln(p.w, line)
				}
			}
		}
	}()
}

func (p *progressPrinter) line(elapsed time.Duration, s results.Progress, rps float64) string {
	if elapsed < 0 {
		return fmt.Sprintf("waiting for --start-at %s (in %s)", p.startAt.UTC().Format(time.RFC3339), clock(-elapsed))
	}
	phase, acc := len(p.phases), time.Duration(0)
	for i, d := range p.phases {
		acc += d
		if elapsed < acc {
			phase = i + 1
			break
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "phase %d/%d  %s/%s  %d req  %.0f rps  5xx %d  errors %d  findings %d",
		phase, len(p.phases), clock(elapsed), clock(p.total), s.Requests, rps, s.Status5xx, s.Errors, s.Findings)
	return b.String()
}

func (p *progressPrinter) finish() {
	close(p.stop)
	<-p.done
}

func clock(d time.Duration) string {
	d = d.Round(time.Second)
	return fmt.Sprintf("%02d:%02d", int(d.Minutes()), int(d.Seconds())%60)
}
