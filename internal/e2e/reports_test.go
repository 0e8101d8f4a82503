package e2e

import (
	"bytes"
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jstemmer/go-junit-report/v2/junit"

	"github.com/seccheck/seccheck/internal/headless"
	"github.com/seccheck/seccheck/results/render"
)

var updateDocs = flag.Bool("update", false, "rewrite docs/report-html.png from the demo run's HTML report")

// TestReportJUnitFromFailingDemo reads the JUnit file of a failing demo run with a JUnit
// parser library (the one go-junit-report writes with, whose types follow the schema CI
// systems read) and finds the failures a CI page would show.
func TestReportJUnitFromFailingDemo(t *testing.T) {
	for _, fixed := range []bool{false, true} {
		d := sharedDemo(t, fixed)
		data, err := os.ReadFile(d.path("demo.xml"))
		if err != nil {
			t.Fatal(err)
		}
		var suites junit.Testsuites
		if err := xml.Unmarshal(data, &suites); err != nil {
			t.Fatalf("fixed=%v: demo.xml does not parse as JUnit: %v\n%.2000s", fixed, err, data)
		}

		failing := map[string]*junit.Testcase{} // "suite/testcase" -> failing case
		tests, failures := 0, 0
		for i := range suites.Suites {
			s := &suites.Suites[i]
			if s.Tests != len(s.Testcases) {
				t.Errorf("suite %s: tests=%d but %d testcases", s.Name, s.Tests, len(s.Testcases))
			}
			n := 0
			for j := range s.Testcases {
				tc := &s.Testcases[j]
				if tc.Name == "" || tc.Classname == "" {
					t.Errorf("suite %s: testcase without name or classname: %+v", s.Name, tc)
				}
				if tc.Failure != nil {
					n++
					failing[s.Name+"/"+tc.Name] = tc
				}
			}
			if s.Failures != n {
				t.Errorf("suite %s: failures=%d but %d failing testcases", s.Name, s.Failures, n)
			}
			tests += s.Tests
			failures += n
		}
		if suites.Tests != tests || suites.Failures != failures {
			t.Errorf("testsuites: tests=%d failures=%d, suites add up to %d and %d", suites.Tests, suites.Failures, tests, failures)
		}

		if fixed {
			if failures != 0 || tests == 0 {
				t.Errorf("fixed demo: %d testcases, %d failing %v; want some, none failing", tests, failures, keys(failing))
			}
			continue
		}

		// One suite per endpoint and one for the thresholds.
		var names []string
		for _, s := range suites.Suites {
			names = append(names, s.Name)
		}
		for _, want := range []string{"list-items", "health", "secure", "login"} {
			if !strings.Contains(" "+strings.Join(names, " ")+" ", " "+want+" ") {
				t.Errorf("no testsuite %q among %v", want, names)
			}
		}

		for _, c := range []struct {
			testcase string
			mention  []string // in the failure's message or text
		}{
			{"list-items/security headers", []string{"header.bypass_on_error", "500"}},
			{"list-items/body leaks", []string{"body.leak.python_traceback", "500"}},
			{"list-items/status expectations", []string{"status.unexpected", "500"}},
			{"list-items/cookies", []string{"cookie.flags"}},
		} {
			tc := failing[c.testcase]
			if tc == nil {
				t.Errorf("testcase %s does not fail; failing: %v", c.testcase, keys(failing))
				continue
			}
			text := tc.Failure.Message + "\n" + tc.Failure.Data
			for _, m := range c.mention {
				if !strings.Contains(text, m) {
					t.Errorf("testcase %s: failure does not mention %q:\n%.1500s", c.testcase, m, text)
				}
			}
		}
		if !strings.Contains(failing["list-items/body leaks"].Failure.Data, "AttributeError") {
			t.Error("the body-leak failure shows no exemplar of the traceback")
		}
		if tc := failing["health/body leaks"]; tc != nil {
			t.Errorf("health/body leaks fails: %s", tc.Failure.Message)
		}

		// Each threshold is a testcase; the failed ones fail.
		for _, th := range d.report.Thresholds {
			var found *junit.Testcase
			for _, s := range suites.Suites {
				for j := range s.Testcases {
					if strings.Contains(s.Testcases[j].Name, "threshold "+th.Name) {
						found = &s.Testcases[j]
					}
				}
			}
			switch {
			case found == nil:
				t.Errorf("no testcase for threshold %s %s", th.Name, th.Limit)
			case (found.Failure == nil) != th.Pass:
				t.Errorf("threshold %s: pass %v in the report, failure %+v in JUnit", th.Name, th.Pass, found.Failure)
			}
		}
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestReportHTMLOfDemoInChromium opens the failing demo run's HTML report in headless Chromium:
// the three plots are drawn with data, the ramp's start is marked, and the 500s show in the 5xx
// plot. With -update it does so on a full-length demo run and saves the screenshot as
// docs/report-html.png.
// SECCHECK_SKIP_BROWSER=1 skips it; a missing Chromium is a failure.
func TestReportHTMLOfDemoInChromium(t *testing.T) {
	browser := headless.Browser(t)
	d := sharedDemo(t, false)
	if *updateDocs {
		// The picture in docs/ is of the demo a reader runs: demo.yaml's phases as written.
		d = runDemoFor(t, false, "")
		if d.code != 0 {
			t.Fatalf("seccheck demo: exit %d\n%s", d.code, d.stderr)
		}
	}
	url := "file://" + d.path("demo.html")
	dir := t.TempDir()

	dom := headless.Run(t, browser, dir, "dom", "--dump-dom", url)
	for _, want := range []string{"FAIL", "header.bypass_on_error", "list-items",
		"AttributeError: &#39;_AsyncGeneratorContextManager&#39;"} {
		if !strings.Contains(dom, want) && !strings.Contains(dom, strings.ReplaceAll(want, "&#39;", "'")) {
			t.Errorf("the rendered page lacks %q", want)
		}
	}

	for _, id := range []string{"plot-rps", "plot-5xx", "plot-latency"} {
		fig := regexp.MustCompile(`(?s)<figure class="plot" id="` + id + `">.*?</figure>`).FindString(dom)
		if !strings.Contains(fig, "<svg") {
			t.Errorf("plot %s: no <svg> in the DOM", id)
			continue
		}
		series := regexp.MustCompile(`<path class="series([^"]*)" d="([^"]*)"`).FindAllStringSubmatch(fig, -1)
		if len(series) == 0 {
			t.Errorf("plot %s has no series", id)
		}
		for _, s := range series {
			if pts := pathPoints(s[2]); len(pts) < 2 {
				t.Errorf("plot %s: series%s has path data %q", id, s[1], s[2])
			}
		}
		// Phase marks: one at the start and one where the ramp begins, to its right.
		var xs []float64
		for _, m := range regexp.MustCompile(`<line class="phase" x1="([0-9.]+)"`).FindAllStringSubmatch(fig, -1) {
			x, _ := strconv.ParseFloat(m[1], 64)
			xs = append(xs, x)
		}
		if len(xs) != 2 || xs[1] <= xs[0] || !strings.Contains(fig, "phase 2") {
			t.Errorf("plot %s: phase marks at x=%v, want the start and the ramp's boundary (labelled phase 2)", id, xs)
		}
		if id == "plot-5xx" && len(series) > 0 {
			// SVG y grows downwards: a point above the lowest one is a second with 500s.
			pts := pathPoints(series[0][2])
			low, high := pts[0][1], pts[0][1]
			for _, p := range pts {
				low, high = max(low, p[1]), min(high, p[1])
			}
			if high >= low {
				t.Errorf("the 5xx plot is flat (%q) though %d responses were 500", series[0][2], d.report.Totals.Status5xx)
			}
		}
	}

	shot := headless.Screenshot(t, browser, dir, url)
	if *updateDocs {
		data, err := os.ReadFile(shot)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join("..", "..", "docs", "report-html.png"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote docs/report-html.png (%d bytes)", len(data))
	}
}

// pathPoints parses the absolute M/L commands of an SVG path ("M1 2L3 4 …") into points.
func pathPoints(d string) [][2]float64 {
	var pts [][2]float64
	for _, m := range regexp.MustCompile(`[ML]\s*(-?[0-9.]+)[ ,]+(-?[0-9.]+)`).FindAllStringSubmatch(d, -1) {
		x, err1 := strconv.ParseFloat(m[1], 64)
		y, err2 := strconv.ParseFloat(m[2], 64)
		if err1 == nil && err2 == nil {
			pts = append(pts, [2]float64{x, y})
		}
	}
	return pts
}

// TestReportRerendersSavedJSON: `seccheck report demo.json --format F` prints what rendering the
// same report in-process prints, and the demo's own --out files equal a re-render of its JSON
// (the JSON report loses nothing a renderer needs).
func TestReportRerendersSavedJSON(t *testing.T) {
	d := sharedDemo(t, false)
	jsonPath := d.path("demo.json")
	written := map[string]string{"junit": "demo.xml", "html": "demo.html", "json": "demo.json"}
	for _, format := range []string{"table", "markdown", "junit", "html", "json"} {
		t.Run(format, func(t *testing.T) {
			r := seccheck(t, time.Minute, nil, "report", jsonPath, "--format", format)
			if r.code != 0 {
				t.Fatalf("seccheck report --format %s: exit %d\n%s", format, r.code, r.stderr)
			}
			rn, err := render.For(format)
			if err != nil {
				t.Fatal(err)
			}
			var want bytes.Buffer
			if err := rn.Render(&want, d.report); err != nil {
				t.Fatal(err)
			}
			if r.stdout != want.String() {
				t.Errorf("seccheck report --format %s differs from rendering the report in-process:\n%s", format, firstDiff(r.stdout, want.String()))
			}
			if len(r.stdout) < 200 || !strings.Contains(r.stdout, "list-items") {
				t.Errorf("--format %s printed %d bytes without list-items:\n%.500s", format, len(r.stdout), r.stdout)
			}
			if name, ok := written[format]; ok {
				got, err := os.ReadFile(d.path(name))
				if err != nil {
					t.Fatal(err)
				}
				if string(got) != r.stdout {
					t.Errorf("the demo's --out %s=%s differs from re-rendering its JSON:\n%s", format, name, firstDiff(string(got), r.stdout))
				}
			}
		})
	}

	out := filepath.Join(t.TempDir(), "re.md")
	if r := seccheck(t, time.Minute, nil, "report", jsonPath, "--format", "markdown", "-o", out); r.code != 0 || r.stdout != "" {
		t.Fatalf("report -o: exit %d, stdout %q, stderr %s", r.code, r.stdout, r.stderr)
	}
	if b, err := os.ReadFile(out); err != nil || !strings.Contains(string(b), "bypass") {
		t.Errorf("report -o wrote %d bytes (%v), want the markdown", len(b), err)
	}
}

// firstDiff shows where two outputs part.
func firstDiff(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	lo := max(0, i-80)
	return "at byte " + strconv.Itoa(i) + ":\n got: " + strconv.Quote(a[lo:min(len(a), i+80)]) + "\nwant: " + strconv.Quote(b[lo:min(len(b), i+80)])
}

// TestCompareDemoRuns: the fixed run as the base and the broken run as the new one is a
// regression (exit 1) that names the new findings; a report against itself is not.
func TestCompareDemoRuns(t *testing.T) {
	base, next := sharedDemo(t, true), sharedDemo(t, false)

	r := seccheck(t, time.Minute, nil, "compare", base.path("demo.json"), next.path("demo.json"))
	if r.code != 1 {
		t.Errorf("compare fixed -> broken: exit %d, want 1\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"finding.new", "header.bypass_on_error", "body.leak.python_traceback",
		"cookie.flags", "verdict went from pass to fail", "5xx rate"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("compare fixed -> broken does not name %q:\n%s", want, r.stdout)
		}
	}

	for _, d := range []*demoRun{base, next} {
		r := seccheck(t, time.Minute, nil, "compare", d.path("demo.json"), d.path("demo.json"))
		if r.code != 0 || !strings.Contains(r.stdout, "nothing got worse") {
			t.Errorf("compare %s with itself: exit %d, want 0 and nothing worse\n%s%s", d.report.Verdict, r.code, r.stdout, r.stderr)
		}
	}
}
