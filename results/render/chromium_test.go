package render

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestHTMLInChromium opens the HTML report in a real browser (issue 6, "done when"): the
// plots are drawn, the page renders to a non-blank screenshot, and the exemplar's <script>
// did not run. SECCHECK_SKIP_BROWSER=1 skips it; a missing Chromium is a failure, not a skip,
// so CI cannot pass without looking.
func TestHTMLInChromium(t *testing.T) {
	if os.Getenv("SECCHECK_SKIP_BROWSER") == "1" {
		t.Skip("SECCHECK_SKIP_BROWSER=1")
	}
	browser := findChromium()
	if browser == "" {
		t.Fatal("chromium not found: run scripts/test.sh (it installs it with apt-get install -y chromium), or set SECCHECK_SKIP_BROWSER=1 to skip this test")
	}
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

	dom := runChromium(t, browser, dir, "dom", "--dump-dom", url)
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

	shot := filepath.Join(dir, "report.png")
	runChromium(t, browser, dir, "shot", "--screenshot="+shot, "--window-size=1280,2400", "--hide-scrollbars", url)
	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() < 1000 || b.Dy() < 2000 {
		t.Errorf("screenshot is %v, want about 1280x2400", b)
	}
	if n := distinctColours(img, 64); n < 16 {
		t.Errorf("screenshot has %d distinct colours; the page looks blank", n)
	}
	if *update {
		data, err := os.ReadFile(shot)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join("..", "..", "docs", "report-html.png"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func findChromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// runChromium runs one headless Chromium with its own profile and returns its stdout.
func runChromium(t *testing.T, browser, dir, profile string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--user-data-dir=" + filepath.Join(dir, "profile-"+profile)}
	cmd := exec.CommandContext(ctx, browser, append(base, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", browser, strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

// distinctColours counts colours in a sample of the image's pixels, stopping at limit.
func distinctColours(img image.Image, limit int) int {
	seen := map[[3]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 7 {
		for x := b.Min.X; x < b.Max.X; x += 7 {
			r, g, bl, _ := img.At(x, y).RGBA()
			seen[[3]uint32{r >> 8, g >> 8, bl >> 8}] = true
			if len(seen) >= limit {
				return len(seen)
			}
		}
	}
	return len(seen)
}
