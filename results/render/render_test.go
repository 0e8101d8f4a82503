package render

import (
	"bytes"
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/seccheck/seccheck/results"
)

// update rewrites the golden files (and docs/report-html.png): go test ./results/render -update
var update = flag.Bool("update", false, "rewrite testdata/*.golden and docs/report-html.png")

var fixtures = []struct {
	name   string
	report func() *results.Report
}{
	{"report", richReport},
	{"check", checkReport},
}

// goldenExt names golden files by format so they open with the right highlighting.
var goldenExt = map[string]string{"table": "txt", "json": "json", "junit": "xml", "markdown": "md", "html": "html"}

func TestGolden(t *testing.T) {
	for _, fx := range fixtures {
		for _, format := range Formats() {
			t.Run(fx.name+"/"+format, func(t *testing.T) {
				r, err := For(format)
				if err != nil {
					t.Fatal(err)
				}
				var buf bytes.Buffer
				if err := r.Render(&buf, fx.report()); err != nil {
					t.Fatalf("Render: %v", err)
				}
				checkGolden(t, filepath.Join("testdata", fx.name+"."+format+".golden."+goldenExt[format]), buf.Bytes())
			})
		}
	}
	t.Run("report/table-color", func(t *testing.T) {
		var buf bytes.Buffer
		if err := Table(TableOptions{Color: true}).Render(&buf, richReport()); err != nil {
			t.Fatal(err)
		}
		checkGolden(t, filepath.Join("testdata", "report.table-color.golden.txt"), buf.Bytes())
	})
}

func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./results/render -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) || i < len(wl); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("%s differs at line %d (go test ./results/render -update rewrites it if the change is intended)\nwant: %q\n got: %q", path, i+1, w, g)
			}
		}
	}
}

func TestForAndFormats(t *testing.T) {
	want := []string{"table", "json", "junit", "markdown", "html"}
	if got := Formats(); !reflect.DeepEqual(got, want) {
		t.Fatalf("Formats() = %v, want %v", got, want)
	}
	for _, f := range append(want, "HTML", " json ") {
		if r, err := For(f); err != nil || r == nil {
			t.Errorf("For(%q) = %v, %v; want a renderer", f, r, err)
		}
	}
	_, err := For("pdf")
	if err == nil {
		t.Fatal(`For("pdf") succeeded; want an error`)
	}
	for _, f := range want {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("For(%q) error %q does not list %q", "pdf", err, f)
		}
	}
}

func TestNilReport(t *testing.T) {
	for _, f := range Formats() {
		r, _ := For(f)
		if err := r.Render(&bytes.Buffer{}, nil); err == nil {
			t.Errorf("%s: Render(nil) succeeded; want an error", f)
		}
	}
}

func TestJSONRoundTripAndEmptyLists(t *testing.T) {
	rich := richReport()
	var buf bytes.Buffer
	if err := (JSON{}).Render(&buf, rich); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasSuffix(buf.Bytes(), []byte("}\n")) || bytes.HasSuffix(buf.Bytes(), []byte("\n\n")) {
		t.Errorf("JSON does not end in exactly one newline: %q", buf.Bytes()[buf.Len()-5:])
	}
	var back results.Report
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&back, normalized(rich)) {
		t.Error("JSON round trip changed the report")
	}

	buf.Reset()
	empty := &results.Report{Name: "x"}
	if err := (JSON{}).Render(&buf, empty); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(buf.Bytes(), []byte("null")) {
		t.Errorf("empty report has null:\n%s", buf.Bytes())
	}
	for _, key := range []string{`"endpoints": []`, `"findings": []`, `"thresholds": []`, `"timeline": []`, `"status": {}`, `"schema": "seccheck.report/v1"`} {
		if !bytes.Contains(buf.Bytes(), []byte(key)) {
			t.Errorf("empty report lacks %s:\n%s", key, buf.Bytes())
		}
	}
	if empty.Findings != nil || empty.Schema != "" {
		t.Error("Render modified its input")
	}
}

var ansiSeq = regexp.MustCompile("\x1b\\[[0-9;]*m")

func TestTable(t *testing.T) {
	var plain, color bytes.Buffer
	if err := Table(TableOptions{}).Render(&plain, richReport()); err != nil {
		t.Fatal(err)
	}
	if err := Table(TableOptions{Color: true}).Render(&color, richReport()); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(plain.Bytes(), []byte("\x1b")) {
		t.Error("table without Color has escape sequences")
	}
	if !bytes.Contains(color.Bytes(), []byte("\x1b[")) {
		t.Error("table with Color has no colour")
	}
	// Colour must not shift columns: without its escapes the coloured table is the plain one.
	if got := ansiSeq.ReplaceAllString(color.String(), ""); got != plain.String() {
		t.Errorf("colour changed the layout:\n%s\nvs\n%s", got, plain.String())
	}
	lines := strings.Split(strings.TrimRight(plain.String(), "\n"), "\n")
	if last, want := lines[len(lines)-1], "verdict: FAIL (3 thresholds failed, 6 findings)"; last != want {
		t.Errorf("last line = %q, want %q", last, want)
	}
	// The bypass finding is the first finding row even though the report lists it second.
	i := strings.Index(plain.String(), "header.bypass_on_error")
	j := strings.Index(plain.String(), "body.leak.python_traceback")
	if i < 0 || j < 0 || i > j {
		t.Errorf("bypass finding not first (at %d, traceback at %d)", i, j)
	}
	for _, want := range []string{"LAGGING", "2.51%", "912.4 ms", "<= 0.1%", "PASS", "FAIL", "500:80, 502:7"} {
		if !strings.Contains(plain.String(), want) {
			t.Errorf("table lacks %q", want)
		}
	}
}

func TestTableWidth(t *testing.T) {
	var buf bytes.Buffer
	if err := Table(TableOptions{Width: 100}).Render(&buf, richReport()); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(buf.String(), "\n") {
		if n := len([]rune(strings.TrimRight(line, " "))); n > 100 {
			t.Errorf("line of %d columns with Width 100: %q", n, line)
		}
	}
}

func TestTableNeutralisesTerminalEscapes(t *testing.T) {
	r := richReport()
	r.Name = "evil\x1b]0;owned\x07name"
	r.Findings[0].Header = "x-\x1b[2Jclear"
	var buf bytes.Buffer
	if err := Table(TableOptions{}).Render(&buf, r); err != nil {
		t.Fatal(err)
	}
	if bytes.ContainsAny(buf.Bytes(), "\x1b\x07") {
		t.Errorf("a control character from the report reached the terminal:\n%q", buf.String())
	}
}

func TestMarkdownEscapes(t *testing.T) {
	r := richReport()
	r.Findings[2].Endpoint = "a|b`c<i>d"
	var buf bytes.Buffer
	if err := (Markdown{}).Render(&buf, r); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, bad := range []string{"<script>", "<img", "<i>", "\x00"} {
		if strings.Contains(out, bad) {
			t.Errorf("markdown contains raw %q", bad)
		}
	}
	if !strings.Contains(out, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("markdown lacks the escaped exemplar body")
	}
	// Every row of a table has as many unescaped pipes as its header.
	unescaped := regexp.MustCompile(`(^|[^\\])\|`)
	cols := 0
	for _, line := range strings.Split(out, "\n") {
		if !strings.HasPrefix(line, "|") {
			cols = 0
			continue
		}
		n := len(unescaped.FindAllString(strings.ReplaceAll(line, "||", "| |"), -1))
		if cols == 0 {
			cols = n
		} else if n != cols {
			t.Errorf("table row has %d cells separators, header has %d: %q", n, cols, line)
		}
	}
	// Bypass first in the findings table.
	if i, j := strings.Index(out, `header.bypass\_on\_error`), strings.Index(out, `body.leak.python\_traceback`); i < 0 || i > j {
		t.Errorf("bypass finding not first in markdown (%d, %d)", i, j)
	}
}

func TestHTMLSelfContainedAndEscaped(t *testing.T) {
	var buf bytes.Buffer
	if err := (HTML{}).Render(&buf, richReport()); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.Contains(strings.ToLower(out), "<script") {
		t.Error("HTML contains a <script> element")
	}
	if strings.Contains(out, "<img") {
		t.Error("HTML contains an <img> element from an exemplar header")
	}
	for _, want := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;img src=x onerror=", `debug\x00dump`} {
		if !strings.Contains(out, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	// Nothing is loaded from anywhere: no src/href attributes, no CSS url() or @import.
	for _, re := range []string{`(?i)<[a-z][^>]*\s(src|href|xlink:href|srcset|action|formaction|poster|data)\s*=`, `(?i)url\(`, `(?i)@import`} {
		if m := regexp.MustCompile(re).FindString(out); m != "" {
			t.Errorf("HTML loads something: %q", m)
		}
	}
	paths := regexp.MustCompile(`<path class="series[^"]*" d="(M[^"]+)"`).FindAllStringSubmatch(out, -1)
	if len(paths) < 6 {
		t.Errorf("found %d plotted series, want at least 6 (requests, target, 5xx, errors, p50, p95, p99)", len(paths))
	}
	for _, id := range []string{"plot-rps", "plot-5xx", "plot-latency"} {
		if !strings.Contains(out, `id="`+id+`"`) {
			t.Errorf("HTML lacks plot %s", id)
		}
	}
	if strings.Count(out, `class="phase"`) != 3*2 {
		t.Errorf("want 2 phase boundaries on each of 3 plots, got %d", strings.Count(out, `class="phase"`))
	}
}

func TestHTMLEmptyTimeline(t *testing.T) {
	var buf bytes.Buffer
	if err := (HTML{}).Render(&buf, checkReport()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "No timeline") || strings.Contains(buf.String(), "<svg viewBox=\"0 0 960") {
		t.Error("a report without timeline should say so and draw no plot")
	}
}

func TestHTMLLongRunIsDownsampled(t *testing.T) {
	var buf bytes.Buffer
	if err := (HTML{}).Render(&buf, longReport()); err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`<path class="series (s\d)[^"]*" d="([^"]+)"`).FindAllStringSubmatch(buf.String(), -1) {
		if n := strings.Count(m[2], "M") + strings.Count(m[2], "L"); n > maxPlotPoints {
			t.Errorf("series %s has %d points, want <= %d", m[1], n, maxPlotPoints)
		}
	}
	if !strings.Contains(buf.String(), "18-second buckets") {
		t.Error("the plots do not say they are downsampled")
	}
}

func TestDownsample(t *testing.T) {
	tl := longReport().Timeline
	pts := downsample(tl, maxPlotPoints, 0)
	if len(pts) > maxPlotPoints || len(pts) < maxPlotPoints/2 {
		t.Fatalf("%d rows became %d points, want (300, 600]", len(tl), len(pts))
	}
	// Requests are conserved: Σ RPS·span over points equals Σ requests over rows.
	var want, got, maxP99, gotMax float64
	for _, s := range tl {
		want += float64(s.Requests)
		maxP99 = max(maxP99, s.P99)
	}
	k := (len(tl) + maxPlotPoints - 1) / maxPlotPoints
	for _, p := range pts {
		got += p.RPS * float64(k)
		gotMax = max(gotMax, p.P99)
	}
	if got != want {
		t.Errorf("requests after downsampling %v, before %v", got, want)
	}
	if gotMax != maxP99 {
		t.Errorf("worst p99 after downsampling %v, before %v", gotMax, maxP99)
	}
	// Short timelines are kept as they are.
	if pts := downsample(richReport().Timeline, maxPlotPoints, 0); len(pts) != 30 || pts[3].RPS != 50 || pts[3].T != 3.5 {
		t.Errorf("30 rows: got %d points, point 3 = %+v", len(pts), pts[3])
	}
}

func TestFormatHelpers(t *testing.T) {
	cases := []struct{ got, want string }{
		{fmtPct(0), "0%"}, {fmtPct(0.00004), "<0.01%"}, {fmtPct(0.001), "0.10%"}, {fmtPct(0.5), "50.0%"},
		{fmtMS(0.432), "0.43"}, {fmtMS(81.25), "81.2"}, {fmtMS(1440.4), "1440"},
		{fmtCount(999), "999"}, {fmtCount(1234567), "1,234,567"},
		{fmtSeconds(12.34), "12.3s"}, {fmtSeconds(245), "4m05s"}, {fmtSeconds(3720), "1h02m"},
		{fmtStatuses(map[string]uint64{"502": 1, "99": 2, "500": 3}), "99:2, 500:3, 502:1"},
		{printable("a\x1b[31mb\x00\n", false), `a\x1b[31mb\x00\n`},
		{printable("l1\n\tl2\r\xff\u0085\uFFFD", true), "l1\n\tl2\\r\uFFFD\\x85\uFFFD"},
		{printable("plain text", false), "plain text"},
		{xmlSafe("a\x00b\x1fc\td\uFFFEe\xffz"), "a\\x00b\\x1fc\td\uFFFDe\uFFFDz"},
		{mdEscape("a|b`c*d<e>"), "a\\|b\\`c\\*d\\<e\\>"},
		{valueLabel(0.6000000000000001, 0.2), "0.6"}, {timeLabel(90), "1m30s"}, {timeLabel(120), "2m"},
	}
	for i, c := range cases {
		if c.got != c.want {
			t.Errorf("case %d: got %q, want %q", i, c.got, c.want)
		}
	}
}

// TestDownsampleLastPartialSecond: the run ends 0.6 s into its last second, so that second's
// 60 requests are a rate of 100/s, not 60/s; a last second of 0.2 s is left out of the plot.
func TestDownsampleLastPartialSecond(t *testing.T) {
	tl := []results.Second{{T: 0, Requests: 100}, {T: 1, Requests: 100}, {T: 2, Requests: 60}}
	pts := downsample(tl, maxPlotPoints, 2.6)
	if len(pts) != 3 || math.Abs(pts[2].RPS-100) > 1e-9 {
		t.Fatalf("points %+v: want the last at 100/s", pts)
	}
	if pts := downsample(tl, maxPlotPoints, 2.2); len(pts) != 2 {
		t.Fatalf("a last second of 0.2 s should be left out: %+v", pts)
	}
}

func TestTopExemplarAndHasHeader(t *testing.T) {
	f := results.Finding{Rule: ruleBypass, Exemplars: []results.Exemplar{
		{Status: 200, Headers: map[string]string{"Content-Security-Policy": "default-src 'self'"}},
		{Status: 500},
	}}
	if e := topExemplar(f); e.Status != 500 {
		t.Errorf("bypass finding shows exemplar %d, want the 500", e.Status)
	}
	f.Rule = "header.missing"
	if e := topExemplar(f); e.Status != 200 {
		t.Errorf("other findings show their first exemplar, got %d", e.Status)
	}
	if !hasHeader(f.Exemplars[0].Headers, "content-security-policy") || hasHeader(f.Exemplars[1].Headers, "content-security-policy") {
		t.Errorf("hasHeader must match case-insensitively")
	}
}
