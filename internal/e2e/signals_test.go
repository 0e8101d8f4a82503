package e2e

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/seccheck/seccheck/results"
)

// threePhases runs 1.5 s at 40/s, 1.5 s ramping to 80/s, then 1.5 s closed at 4.
const threePhases = `version: 1
name: signals
target: {url: "${URL}", timeout: 3s}
endpoints: [{path: /}]
load:
  phases:
    - {duration: 1500ms, rate: 40}
    - {duration: 1500ms, rate: 40, ramp_to: 80}
    - {duration: 1500ms, concurrency: 4}
checks: {preset: recommended}
`

func outputsIn(dir string) []string {
	var args []string
	for _, f := range []string{"json", "junit", "markdown", "html"} {
		args = append(args, "--out", f+"="+filepath.Join(dir, "report."+f))
	}
	return args
}

// assertPartialReports: every report exists, the JSON parses and is marked partial, and no
// temporary file is left in dir.
func assertPartialReports(t *testing.T, dir string) *results.Report {
	t.Helper()
	for _, f := range []string{"json", "junit", "markdown", "html"} {
		if _, err := os.Stat(filepath.Join(dir, "report."+f)); err != nil {
			t.Errorf("report.%s missing: %v", f, err)
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep results.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("report.json does not parse: %v", err)
	}
	if !rep.Partial {
		t.Errorf("report not marked partial")
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), "tmp") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
	return &rep
}

func TestSignalDuringEachPhase(t *testing.T) {
	// The server counts requests so the test can time its signal from the run's first request
	// (after the preflight), not from process start, which a slow machine stretches.
	var served atomic.Int64
	secure := secureHandler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		secure.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	spec := writeFile(t, t.TempDir(), "spec.yaml", threePhases)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		for phase, at := range []time.Duration{700 * time.Millisecond, 2200 * time.Millisecond, 3700 * time.Millisecond} {
			t.Run(sig.String()+"/phase"+string(rune('1'+phase)), func(t *testing.T) {
				dir := t.TempDir()
				before := served.Load()
				cmd, stdout, stderr := start(t, []string{"URL=" + srv.URL}, append([]string{"run", spec, "--no-progress"}, outputsIn(dir)...)...)
				deadline := time.Now().Add(15 * time.Second)
				for served.Load() < before+2 && time.Now().Before(deadline) { // preflight + first hit
					time.Sleep(5 * time.Millisecond)
				}
				time.Sleep(at)
				_ = cmd.Process.Signal(sig)
				r := wait(t, cmd, stdout, stderr, 20*time.Second)
				if r.code != 130 {
					t.Fatalf("exit %d, want 130\nstderr:\n%s", r.code, r.stderr)
				}
				rep := assertPartialReports(t, dir)
				if rep.Totals.Requests == 0 {
					t.Errorf("partial report holds no requests")
				}
			})
		}
	}
}

// TestSecondSignalQuitsNow: with requests hanging, the first SIGINT waits for in-flight
// requests (up to the timeout); a second SIGINT exits at once with 130 and leaves no temp file.
func TestSecondSignalQuitsNow(t *testing.T) {
	release := make(chan struct{})
	var answered atomic.Bool
	// Preflight needs one answer: the first request is answered at once, the rest hang.
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if answered.CompareAndSwap(false, true) {
			return
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	srv.Start()
	t.Cleanup(func() { close(release); srv.Close() })
	dir := t.TempDir()
	spec := writeFile(t, t.TempDir(), "spec.yaml", `version: 1
name: hang
target: {url: "${URL}", timeout: 30s}
endpoints: [{path: /}]
load: {phases: [{duration: 20s, concurrency: 4}]}
`)
	cmd, stdout, stderr := start(t, []string{"URL=" + srv.URL}, append([]string{"run", spec, "--no-progress"}, outputsIn(dir)...)...)
	time.Sleep(1 * time.Second)
	_ = cmd.Process.Signal(syscall.SIGINT)
	time.Sleep(300 * time.Millisecond)
	_ = cmd.Process.Signal(syscall.SIGINT)
	r := wait(t, cmd, stdout, stderr, 10*time.Second)
	if r.code != 130 {
		t.Fatalf("exit %d, want 130\nstderr:\n%s", r.code, r.stderr)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), "tmp") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

// TestSignalDuringReportWriting: a SIGINT while the reports are being written (slowed by the
// test hook SECCHECK_TEST_WRITE_DELAY) still leaves every report, parsed and marked partial.
func TestSignalDuringReportWriting(t *testing.T) {
	srv := httptest.NewServer(secureHandler())
	t.Cleanup(srv.Close)
	spec := writeFile(t, t.TempDir(), "spec.yaml", `version: 1
name: writing
target: {url: "${URL}"}
endpoints: [{path: /}]
load: {phases: [{duration: 500ms, rate: 20}]}
`)
	dir := t.TempDir()
	cmd, stdout, stderr := start(t, []string{"URL=" + srv.URL, "SECCHECK_TEST_WRITE_DELAY=2s"},
		append([]string{"run", spec, "--no-progress"}, outputsIn(dir)...)...)
	// The run takes ~0.5 s; the four reports then take >= 8 s to write, so a slow start leaves
	// the signal well inside the writing.
	time.Sleep(2500 * time.Millisecond)
	_ = cmd.Process.Signal(syscall.SIGINT)
	r := wait(t, cmd, stdout, stderr, 30*time.Second)
	if r.code != 130 {
		t.Fatalf("exit %d, want 130\nstderr:\n%s", r.code, r.stderr)
	}
	assertPartialReports(t, dir)
}
