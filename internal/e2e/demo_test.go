package e2e

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seccheck/seccheck/results"
)

// demoDuration squeezes the demo's two phases (3 s warm-up, 8 s ramp) into a few seconds of test
// time. The ramp still reaches the same peak rate, so the pool overflows as in a full run.
const demoDuration = "6s"

// demoLimit is how long a demo process may take before it is killed (not an assertion on speed:
// a hung process must not hang the suite).
const demoLimit = 2 * time.Minute

// demoRun is one finished `seccheck demo` process and the reports it wrote.
type demoRun struct {
	result
	dir    string // holds demo.json, demo.xml, demo.html
	report *results.Report
}

func (d *demoRun) path(name string) string { return filepath.Join(d.dir, name) }

// runDemo runs `seccheck demo --duration demoDuration` (the binary) with the three report
// outputs. The reports go to a directory next to the binary, which TestMain removes, so that
// sharedDemo can hand them to later tests.
func runDemo(t *testing.T, fixed bool) *demoRun {
	t.Helper()
	return runDemoFor(t, fixed, demoDuration)
}

// runDemoFor is runDemo with the demo's own length ("" for demo.yaml's phases as written).
func runDemoFor(t *testing.T, fixed bool, duration string) *demoRun {
	t.Helper()
	dir, err := os.MkdirTemp(filepath.Dir(binary), "demo-")
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"demo",
		"--out", "json=" + filepath.Join(dir, "demo.json"),
		"--out", "junit=" + filepath.Join(dir, "demo.xml"),
		"--out", "html=" + filepath.Join(dir, "demo.html")}
	if fixed {
		args = append(args, "--fixed")
	}
	if duration != "" {
		args = append(args, "--duration", duration)
	}
	r := seccheck(t, demoLimit, nil, args...)
	d := &demoRun{result: r, dir: dir}
	data, err := os.ReadFile(d.path("demo.json"))
	if err != nil {
		t.Fatalf("seccheck %s: no JSON report (exit %d): %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, err, r.stdout, r.stderr)
	}
	d.report = &results.Report{}
	if err := json.Unmarshal(data, d.report); err != nil {
		t.Fatalf("demo.json: %v", err)
	}
	return d
}

// demoCache holds one run of each variant for the tests that read a demo's reports
// (reports_test.go); TestDemo fills it with its own fresh runs.
var demoCache struct {
	sync.Mutex
	runs map[bool]*demoRun
}

func rememberDemo(fixed bool, d *demoRun) {
	demoCache.Lock()
	defer demoCache.Unlock()
	if demoCache.runs == nil {
		demoCache.runs = map[bool]*demoRun{}
	}
	if demoCache.runs[fixed] == nil {
		demoCache.runs[fixed] = d
	}
}

// sharedDemo returns a finished demo run of the variant, running it if no test has yet. A run
// that did not exit 0 fails the caller: its reports are not the ones the caller wants to read.
func sharedDemo(t *testing.T, fixed bool) *demoRun {
	t.Helper()
	demoCache.Lock()
	d := demoCache.runs[fixed]
	demoCache.Unlock()
	if d == nil {
		d = runDemo(t, fixed)
		if d.code == 0 {
			rememberDemo(fixed, d)
		}
	}
	if d.code != 0 {
		t.Fatalf("seccheck demo (fixed=%v): exit %d, want 0\nstdout:\n%s\nstderr:\n%s", fixed, d.code, d.stdout, d.stderr)
	}
	return d
}

// findings returns the findings of rule on endpoint ("" for any endpoint).
func findings(rep *results.Report, rule, endpoint string) []results.Finding {
	var out []results.Finding
	for _, f := range rep.Findings {
		if f.Rule == rule && (endpoint == "" || f.Endpoint == endpoint) {
			out = append(out, f)
		}
	}
	return out
}

func endpointStats(t *testing.T, rep *results.Report, name string) *results.Endpoint {
	t.Helper()
	for i := range rep.Endpoints {
		if rep.Endpoints[i].Name == name {
			return &rep.Endpoints[i]
		}
	}
	t.Fatalf("report has no endpoint %q: %s", name, summarize(rep))
	return nil
}

// TestDemo runs `seccheck demo` in both variants, as the README tells a newcomer to, and checks
// that each shows what it is meant to: the broken service fails with the incident's signature,
// the fixed one passes clean. Both exit 0 (the demo ran as designed).
//
// The broken variant's 500s depend on timing (the pool overflows when more than 4 list
// requests are in flight), so this test is the one to run with -count to see that the ramp
// overflows the pool on every run.
func TestDemo(t *testing.T) {
	t.Run("broken", func(t *testing.T) {
		t.Parallel()
		d := runDemo(t, false)
		rememberDemo(false, d)
		rep := d.report
		if d.code != 0 {
			t.Errorf("exit %d, want 0 (the demo ran as designed)\nstderr:\n%s", d.code, d.stderr)
		}
		if rep.Verdict != "fail" || rep.Partial || rep.Command != "demo" {
			t.Errorf("verdict %q, partial %v, command %q; want fail, false, demo", rep.Verdict, rep.Partial, rep.Command)
		}

		items := endpointStats(t, rep, "list-items")
		if items.Status["500"] == 0 || items.Status5xx != items.Status["500"] || items.Status["200"] == 0 {
			t.Fatalf("list-items statuses %v (5xx %d): want 200s and, under the ramp, 500s from the overflowing pool\n%s", items.Status, items.Status5xx, summarize(rep))
		}
		for _, ep := range rep.Endpoints {
			if ep.Name != "list-items" && ep.Status5xx != 0 {
				t.Errorf("%s: %d 5xx; only /api/items has the pool", ep.Name, ep.Status5xx)
			}
		}
		t.Logf("list-items: %d of %d answered 500 (%.1f%%)", items.Status5xx, items.Requests, 100*items.Rate5xx)

		// One request at a time nothing fails: every timeline second that lies wholly inside
		// the warm-up (the closed phase at concurrency 1) has no 5xx.
		if len(rep.Phases) != 2 || rep.Phases[0].Model != "closed" || rep.Phases[0].Concurrency != 1 {
			t.Fatalf("phases %+v: want the warm-up at 1 in flight, then the ramp", rep.Phases)
		}
		warm := int(math.Floor(rep.Phases[1].StartS))
		for _, s := range rep.Timeline {
			if s.T < warm && s.Status5xx != 0 {
				t.Errorf("second %d of the warm-up (ends at %.2fs) had %d 5xx", s.T, rep.Phases[1].StartS, s.Status5xx)
			}
		}

		// The incident's signature stands first: each of the five headers bypassed on
		// list-items' error path.
		if len(rep.Findings) < len(securityHeaders) {
			t.Fatalf("%d findings: %s", len(rep.Findings), summarize(rep))
		}
		for i, h := range securityHeaders {
			f := rep.Findings[i]
			if f.Rule != "header.bypass_on_error" || f.Endpoint != "list-items" || f.Header != h {
				t.Errorf("finding %d = %s %s %s, want header.bypass_on_error list-items %s (the bypass findings first, by header)", i, f.Rule, f.Endpoint, f.Header, h)
				continue
			}
			if f.ByStatus["500"] == 0 || f.Count != items.Status5xx {
				t.Errorf("bypass of %s: count %d, by status %v; want every one of the %d 500s", h, f.Count, f.ByStatus, items.Status5xx)
			}
		}
		if n := len(findings(rep, "header.bypass_on_error", "")); n != len(securityHeaders) {
			t.Errorf("%d bypass findings, want %d (list-items only)", n, len(securityHeaders))
		}

		// The leak catalogue finds the traceback, the exception line, or both; the exemplar's
		// excerpt is a window around what matched.
		leakShows := map[string]string{
			"body.leak.python_traceback": "Traceback (most recent call last)",
			"body.leak.python_exception": "AttributeError: '_AsyncGeneratorContextManager'",
		}
		leaks := 0
		for rule, shows := range leakShows {
			for _, f := range findings(rep, rule, "list-items") {
				leaks++
				if f.ByStatus["500"] == 0 || len(f.Exemplars) == 0 || !strings.Contains(f.Exemplars[0].BodyExcerpt, shows) {
					t.Errorf("%s: by status %v, exemplars %+v; want 500s showing %q", rule, f.ByStatus, f.Exemplars, shows)
				}
			}
		}
		if leaks == 0 {
			t.Errorf("no body.leak.python_traceback or python_exception on list-items: %s", summarize(rep))
		}

		server := findings(rep, "header.forbidden", "list-items")
		if len(server) != 1 || server[0].Header != "server" {
			t.Errorf("header.forbidden on list-items = %+v, want one on server", server)
		} else if ex := server[0].Exemplars; len(ex) == 0 || ex[0].Headers["Server"] != "demo-api/1.4.2" {
			t.Errorf("header.forbidden server exemplars %+v, want Server: demo-api/1.4.2", ex)
		}
		cookie := findings(rep, "cookie.flags", "list-items")
		if len(cookie) != 1 || !strings.Contains(strings.ToLower(cookie[0].Message+cookie[0].Kind), "httponly") {
			t.Errorf("cookie.flags on list-items = %+v, want one about HttpOnly", cookie)
		}

		var failed []string
		for _, th := range rep.Thresholds {
			if !th.Pass {
				failed = append(failed, th.Name)
			}
		}
		if !strings.Contains(strings.Join(failed, " "), "rate_5xx") {
			t.Errorf("failed thresholds %v, want rate_5xx among them", failed)
		}

		for _, want := range []string{
			"What this means:",
			"/api/items answered 5xx",
			"bypassed on the error path",
			"python_traceback",
			"seccheck demo --fixed",
		} {
			if !strings.Contains(d.stdout, want) {
				t.Errorf("stdout lacks %q:\n%s", want, d.stdout)
			}
		}
	})

	t.Run("fixed", func(t *testing.T) {
		t.Parallel()
		d := runDemo(t, true)
		rememberDemo(true, d)
		rep := d.report
		if d.code != 0 {
			t.Errorf("exit %d, want 0\nstdout:\n%s\nstderr:\n%s", d.code, d.stdout, d.stderr)
		}
		if rep.Verdict != "pass" || len(rep.Findings) != 0 {
			t.Errorf("verdict %q with %d findings, want pass with none: %s", rep.Verdict, len(rep.Findings), summarize(rep))
		}
		if rep.Totals.Status5xx != 0 || rep.Totals.Errors != 0 || rep.Totals.Violations != 0 {
			t.Errorf("totals: %d 5xx, %d errors, %d violations; want none", rep.Totals.Status5xx, rep.Totals.Errors, rep.Totals.Violations)
		}
		if items := endpointStats(t, rep, "list-items"); items.Requests == 0 || items.Status["200"] != items.Requests {
			t.Errorf("list-items: %d requests, statuses %v; want every one 200", items.Requests, items.Status)
		}
		if len(rep.Thresholds) == 0 {
			t.Error("no thresholds judged")
		}
		for _, th := range rep.Thresholds {
			if !th.Pass {
				t.Errorf("threshold %s %s failed (observed %v)", th.Name, th.Limit, th.Observed)
			}
		}
		if !strings.Contains(d.stdout, "This is what the fix looks like") || strings.Contains(d.stdout, "bypassed") {
			t.Errorf("stdout does not explain a clean run:\n%s", d.stdout)
		}
	})
}
