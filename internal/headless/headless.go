// Package headless drives Debian's Chromium without a display for the tests that look at the
// HTML report as a browser renders it: find the browser, run it with a profile of its own and
// the network switched off, and judge a screenshot.
package headless

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Browser finds Chromium for test t. SECCHECK_SKIP_BROWSER=1 skips the test; a missing
// Chromium fails it (not skips), so CI cannot pass without having looked.
func Browser(t testing.TB) string {
	t.Helper()
	if os.Getenv("SECCHECK_SKIP_BROWSER") == "1" {
		t.Skip("SECCHECK_SKIP_BROWSER=1")
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("chromium not found: run ./scripts/test.sh (it installs Chromium with apt-get), or set SECCHECK_SKIP_BROWSER=1 to skip this test")
	return ""
}

// Run runs one headless Chromium with a profile of its own under dir and returns its stdout
// (the DOM with --dump-dom). The flags keep it off the network: no QUIC, no component updates,
// no sync, no first-run pings.
func Run(t testing.TB, browser, dir, profile string, args ...string) string {
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

// Screenshot renders url at 1280×2400 into dir/report.png, checks that the file is a PNG of
// about that size and not blank (at least 16 colours in a sample), and returns its path.
func Screenshot(t testing.TB, browser, dir, url string) string {
	t.Helper()
	shot := filepath.Join(dir, "report.png")
	Run(t, browser, dir, "shot", "--screenshot="+shot, "--window-size=1280,2400", "--hide-scrollbars", url)
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
	if n := Colours(img, 64); n < 16 {
		t.Errorf("screenshot has %d distinct colours; the page looks blank", n)
	}
	return shot
}

// Colours counts distinct colours in a sample of the image's pixels (every 7th pixel of every
// 7th row), stopping at limit: a blank or failed page has one or two.
func Colours(img image.Image, limit int) int {
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

// FileURL is the file:// URL of a local path.
func FileURL(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	return fmt.Sprintf("file://%s", filepath.ToSlash(abs))
}
