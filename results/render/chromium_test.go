package render

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/seccheck/seccheck/internal/headless"
)

// TestHTMLInChromium opens the HTML report in a real browser (issue 6, "done when"): the
// plots are drawn, the page renders to a non-blank screenshot, and the exemplar's <script>
// did not run. SECCHECK_SKIP_BROWSER=1 skips it; a missing Chromium is a failure, not a skip,
// so CI cannot pass without looking.
func TestHTMLInChromium(t *testing.T) {
	browser := headless.Browser(t)
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	var buf bytes.Buffer
	if err := (HTML{}).Render(&buf, richReport()); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(page, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	url := "file://" + page

	dom := headless.Run(t, browser, dir, "dom", "--dump-dom", url)
	if m := regexp.MustCompile(`<title>([^<]*)</title>`).FindStringSubmatch(dom); m == nil || strings.Contains(m[1], "PWNED") {
		t.Errorf("page title after load = %v; the exemplar's script ran or the title is gone", m)
	}
	for _, injected := range []string{"<pwned", "<img", "<script"} {
		if strings.Contains(strings.ToLower(dom), injected) {
			t.Errorf("the DOM after load contains %s: markup from a response was not escaped", injected)
		}
	}
	if !strings.Contains(dom, "&lt;script&gt;document.title='PWNED'") {
		t.Error("the exemplar body is not shown as text in the DOM")
	}
	for _, id := range []string{"plot-rps", "plot-5xx", "plot-latency"} {
		fig := regexp.MustCompile(`(?s)<figure class="plot" id="` + id + `">.*?</figure>`).FindString(dom)
		if !strings.Contains(fig, "<svg") {
			t.Errorf("plot %s has no <svg> in the DOM", id)
			continue
		}
		ds := regexp.MustCompile(`<path class="series[^"]*" d="([^"]*)"`).FindAllStringSubmatch(fig, -1)
		if len(ds) == 0 {
			t.Errorf("plot %s has no series", id)
		}
		for _, d := range ds {
			if len(regexp.MustCompile(`[ML]`).FindAllString(d[1], -1)) < 2 {
				t.Errorf("plot %s has a series with path data %q", id, d[1])
			}
		}
	}

	headless.Screenshot(t, browser, dir, url)
	// docs/report-html.png is a real demo run's report: internal/e2e's
	// TestReportHTMLOfDemoInChromium writes it with -update, not this fixture.
}
