package cli

import (
	"bytes"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seccheck/seccheck/results"
	"github.com/seccheck/seccheck/specs"
)

// lineWriter collects progress output and signals each write, so a test waits for output
// instead of for time.
type lineWriter struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	writes chan struct{}
}

func newLineWriter() *lineWriter { return &lineWriter{writes: make(chan struct{}, 1024)} }

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	select {
	case w.writes <- struct{}{}:
	default:
	}
	return w.buf.Write(p)
}

func (w *lineWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// twoPhases is a spec with a 10s and a 20s phase.
func twoPhases(t *testing.T) *specs.Spec {
	t.Helper()
	spec, err := specs.Parse("p.yaml", []byte(`version: 1
target: {url: "http://127.0.0.1:1"}
endpoints: [{path: /}]
load:
  phases:
    - {duration: 10s, rate: 5}
    - {duration: 20s, concurrency: 2}
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

// fakeSnapshot counts up by 10 requests per call.
func fakeSnapshot() func() results.Progress {
	var n atomic.Uint64
	return func() results.Progress {
		r := n.Add(10)
		return results.Progress{Requests: r, Status5xx: r / 10, Errors: 1, Findings: 2}
	}
}

var progressLine = regexp.MustCompile(`^phase [12]/2  \d\d:\d\d/00:30  \d+ req  \d+ rps  5xx \d+  errors 1  findings 2$`)

func TestProgressPlainLines(t *testing.T) {
	w := newLineWriter()
	p := newProgressPrinter(w, false, twoPhases(t), 1, fakeSnapshot())
	p.every = time.Millisecond
	p.start()
	for range 3 {
		<-w.writes
	}
	p.finish()
	got := w.String()
	if strings.Contains(got, "\r") || strings.Contains(got, "\033") {
		t.Errorf("plain output has terminal control characters: %q", got)
	}
	ls := lines(got)
	if len(ls) < 3 {
		t.Fatalf("got %d lines, want at least 3:\n%s", len(ls), got)
	}
	for i, l := range ls {
		if !progressLine.MatchString(l) {
			t.Errorf("line %d %q does not match %v", i, l, progressLine)
		}
	}
	if !strings.HasPrefix(ls[0], "phase 1/2  ") || !strings.Contains(ls[0], "/00:30  10 req  ") || !strings.Contains(ls[0], "5xx 1  ") {
		t.Errorf("first line %q", ls[0])
	}
	if !strings.HasSuffix(got, "\n") {
		t.Errorf("plain output does not end in a newline: %q", got)
	}
}

func TestProgressTerminalRedraws(t *testing.T) {
	w := newLineWriter()
	p := newProgressPrinter(w, true, twoPhases(t), 1, fakeSnapshot())
	p.every = time.Millisecond
	p.start()
	for range 3 {
		<-w.writes
	}
	p.finish()
	got := w.String()
	if strings.Contains(got, "\n") {
		t.Errorf("terminal output has a newline; it should redraw one line: %q", got)
	}
	const redraw = "\r\033[K"
	if !strings.HasPrefix(got, redraw) || !strings.HasSuffix(got, redraw) {
		t.Errorf("terminal output should start with a redraw and end by clearing the line: %q", got)
	}
	frames := strings.Split(strings.TrimSuffix(strings.TrimPrefix(got, redraw), redraw), redraw)
	if len(frames) < 3 {
		t.Fatalf("%d frames, want at least 3: %q", len(frames), got)
	}
	for _, f := range frames {
		if !progressLine.MatchString(f) {
			t.Errorf("frame %q does not match %v", f, progressLine)
		}
	}
}

func TestProgressLine(t *testing.T) {
	spec := twoPhases(t)
	tests := []struct {
		name    string
		scale   float64
		elapsed time.Duration
		want    string
	}{
		{"start", 1, 0, "phase 1/2  00:00/00:30  7 req  3 rps  5xx 1  errors 2  findings 4"},
		{"end of phase 1", 1, 9*time.Second + 400*time.Millisecond, "phase 1/2  00:09/00:30  7 req  3 rps  5xx 1  errors 2  findings 4"},
		{"phase 2", 1, 10 * time.Second, "phase 2/2  00:10/00:30  7 req  3 rps  5xx 1  errors 2  findings 4"},
		{"past the end", 1, 95 * time.Second, "phase 2/2  01:35/00:30  7 req  3 rps  5xx 1  errors 2  findings 4"},
		{"scaled", 0.1, 2 * time.Second, "phase 2/2  00:02/00:03  7 req  3 rps  5xx 1  errors 2  findings 4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newProgressPrinter(nil, false, spec, tt.scale, nil)
			got := p.line(tt.elapsed, results.Progress{Requests: 7, Status5xx: 1, Errors: 2, Findings: 4}, 3.2)
			if got != tt.want {
				t.Errorf("line(%v):\n got %q\nwant %q", tt.elapsed, got, tt.want)
			}
		})
	}
}

// TestProgressWaitsForStartAt: before --start-at the line counts down instead of counting the
// wait into phase 1.
func TestProgressWaitsForStartAt(t *testing.T) {
	w := newLineWriter()
	p := newProgressPrinter(w, false, twoPhases(t), 1, fakeSnapshot())
	p.every = time.Millisecond
	p.startAt = time.Now().Add(time.Hour)
	p.start()
	<-w.writes
	p.finish()
	first := lines(w.String())[0]
	want := "waiting for --start-at " + p.startAt.UTC().Format(time.RFC3339) + " (in "
	if !strings.HasPrefix(first, want) {
		t.Errorf("got %q, want prefix %q", first, want)
	}
}

// TestProgressLateStartAt: a --start-at already past starts at once, in phase 1.
func TestProgressLateStartAt(t *testing.T) {
	w := newLineWriter()
	p := newProgressPrinter(w, false, twoPhases(t), 1, fakeSnapshot())
	p.every = time.Millisecond
	p.startAt = time.Now().Add(-time.Hour)
	p.start()
	<-w.writes
	p.finish()
	if first := lines(w.String())[0]; !strings.HasPrefix(first, "phase 1/2  ") {
		t.Errorf("got %q, want phase 1 (not the hour since --start-at)", first)
	}
}
