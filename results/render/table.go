package render

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/seccheck/seccheck/results"
)

// TableOptions tune the terminal table.
type TableOptions struct {
	// Color adds ANSI colours (verdict, PASS/FAIL, severities, LAGGING). The caller decides,
	// from the terminal and NO_COLOR; the renderer never looks at the environment.
	Color bool
	// Width caps each table's width in columns (cells wrap); 0 means no cap.
	Width int
}

// Table returns the renderer of what `seccheck run` prints after a run: a header line, the
// endpoints, the phases, the findings, the thresholds and, last, the verdict line.
func Table(opts TableOptions) Renderer { return tableRenderer{opts} }

type tableRenderer struct {
	TableOptions
}

var _ Renderer = tableRenderer{}

// ANSI SGR sequences used when Color is on.
const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiDim    = "\x1b[2m"
)

func (t tableRenderer) paint(code, s string) string {
	if !t.Color {
		return s
	}
	return code + s + ansiReset
}

func (t tableRenderer) verdict(r *results.Report) string {
	v := verdictWord(r)
	if v == "PASS" {
		return t.paint(ansiBold+ansiGreen, v)
	}
	return t.paint(ansiBold+ansiRed, v)
}

func (t tableRenderer) passFail(pass bool) string {
	if pass {
		return t.paint(ansiGreen, "PASS")
	}
	return t.paint(ansiRed, "FAIL")
}

func (t tableRenderer) severity(s string) string {
	switch s {
	case "critical", "high":
		return t.paint(ansiRed, s)
	case "medium":
		return t.paint(ansiYellow, s)
	default:
		return s
	}
}

// Render writes the table report.
func (t tableRenderer) Render(w io.Writer, r *results.Report) error {
	if r == nil {
		return errNilReport
	}
	bw := bufio.NewWriter(w)

	// Header line.
	name := printable(r.Name, false)
	if name == "" {
		name = "(unnamed)"
	}
	fmt.Fprintf(bw, "%s  %s", t.paint(ansiBold, "seccheck "+commandWord(r)+": "+name), t.verdict(r))
	if r.Partial {
		why := r.PartialWhy
		if why == "" {
			why = "stopped early"
		}
		fmt.Fprintf(bw, "  %s", t.paint(ansiYellow, "PARTIAL ("+printable(why, false)+")"))
	}
	if r.Command == "check" {
		fmt.Fprintf(bw, "  %s requests in %s ms\n", fmtCount(r.Totals.Requests), fmtMS(r.DurationS*1000))
	} else {
		fmt.Fprintf(bw, "  %s, %s requests, %s req/s\n", fmtSeconds(r.DurationS), fmtCount(r.Totals.Requests), fmtRate(r.Totals.RPS))
	}

	// Endpoints, with the whole run as the last row.
	perEndpoint := findingsPerEndpoint(r)
	fmt.Fprintf(bw, "\n%s\n", t.paint(ansiBold, "Endpoints"))
	ep := grid{
		header: []string{"endpoint", "requests", "rps", "2xx", "3xx", "4xx", "5xx", "5xx %", "errors",
			"p50 ms", "p95 ms", "p99 ms", "findings"},
		align: []tw.Align{tw.AlignLeft, tw.AlignRight, tw.AlignRight, tw.AlignRight, tw.AlignRight,
			tw.AlignRight, tw.AlignRight, tw.AlignRight, tw.AlignRight, tw.AlignRight, tw.AlignRight,
			tw.AlignRight, tw.AlignRight},
		// Narrow terminals lose the columns a reader misses least first.
		dropOrder: []int{4, 2, 9, 3, 5, 10, 8},
	}
	for _, e := range r.Endpoints {
		ep.rows = append(ep.rows, t.statsRow(printable(e.Name, false), e.Stats, perEndpoint[e.Name]))
	}
	ep.rows = append(ep.rows, t.statsRow("all", r.Totals, len(r.Findings)))
	if r.Command == "check" {
		ep = t.checkGrid(r, perEndpoint)
	}
	if err := t.write(bw, ep); err != nil {
		return err
	}

	if len(r.Phases) > 0 {
		fmt.Fprintf(bw, "\n%s\n", t.paint(ansiBold, "Phases"))
		ph := grid{
			header:    []string{"phase", "model", "start", "duration", "requested", "achieved", "sent", "pace"},
			align:     []tw.Align{tw.AlignRight, tw.AlignLeft, tw.AlignRight, tw.AlignRight, tw.AlignRight, tw.AlignRight, tw.AlignRight, tw.AlignLeft},
			dropOrder: []int{2, 6, 3},
		}
		for _, p := range r.Phases {
			mark := "-" // closed model: the target sets the pace
			switch {
			case p.Lagging:
				mark = t.paint(ansiYellow, "LAGGING")
			case p.Model == "open":
				mark = "kept"
			}
			ph.rows = append(ph.rows, []string{strconv.Itoa(p.Index + 1), printable(p.Model, false), fmtSeconds(p.StartS),
				fmtSeconds(p.DurationS), phaseAsked(p), fmtRate(p.AchievedRate) + "/s", fmtCount(p.Sent), mark})
		}
		if err := t.write(bw, ph); err != nil {
			return err
		}
	}

	fmt.Fprintf(bw, "\n%s\n", t.paint(ansiBold, "Findings"))
	if len(r.Findings) == 0 {
		fmt.Fprintln(bw, "none")
	} else {
		fs := grid{
			header: []string{"severity", "rule", "endpoint", "header/kind", "count", "statuses"},
			align:  []tw.Align{tw.AlignLeft, tw.AlignLeft, tw.AlignLeft, tw.AlignLeft, tw.AlignRight, tw.AlignLeft},
		}
		for _, f := range orderedFindings(r) {
			fs.rows = append(fs.rows, []string{t.severity(printable(f.Severity, false)), printable(f.Rule, false),
				printable(f.Endpoint, false), printable(subject(f), false), fmtCount(f.Count),
				fmtStatuses(f.ByStatus)})
		}
		if err := t.write(bw, fs); err != nil {
			return err
		}
	}

	if len(r.Thresholds) > 0 {
		fmt.Fprintf(bw, "\n%s\n", t.paint(ansiBold, "Thresholds"))
		ts := grid{
			header: []string{"threshold", "endpoint", "limit", "observed", "result"},
			align:  []tw.Align{tw.AlignLeft, tw.AlignLeft, tw.AlignLeft, tw.AlignRight, tw.AlignLeft},
		}
		for _, th := range r.Thresholds {
			scope := printable(th.Endpoint, false)
			if scope == "" {
				scope = "all"
			}
			ts.rows = append(ts.rows, []string{printable(th.Name, false), scope, printable(th.Limit, false),
				fmtObserved(th), t.passFail(th.Pass)})
		}
		if err := t.write(bw, ts); err != nil {
			return err
		}
	}

	fmt.Fprintf(bw, "\nverdict: %s (%s)\n", t.verdict(r), verdictReason(r))
	return bw.Flush()
}

func (t tableRenderer) statsRow(name string, s results.Stats, findings int) []string {
	rate5xx := fmtPct(s.Rate5xx)
	if s.Status5xx > 0 {
		rate5xx = t.paint(ansiRed, rate5xx)
	}
	return []string{name, fmtCount(s.Requests), fmtRate(s.RPS), fmtCount(s.Status2xx),
		fmtCount(s.Status3xx), fmtCount(s.Status4xx), fmtCount(s.Status5xx), rate5xx,
		fmtCount(s.Errors), fmtMS(s.Latency.P50), fmtMS(s.Latency.P95), fmtMS(s.Latency.P99),
		strconv.Itoa(findings)}
}

// checkGrid is the compact endpoint table of a smoke check: a few requests per endpoint make
// rates and percentiles noise, so it shows the statuses seen, the slowest response and findings.
func (t tableRenderer) checkGrid(r *results.Report, perEndpoint map[string]int) grid {
	g := grid{
		header:    []string{"endpoint", "requests", "statuses", "errors", "max ms", "findings"},
		align:     []tw.Align{tw.AlignLeft, tw.AlignRight, tw.AlignLeft, tw.AlignRight, tw.AlignRight, tw.AlignRight},
		dropOrder: []int{3, 1},
	}
	row := func(name string, s results.Stats, findings int) []string {
		statuses := fmtStatuses(s.Status)
		if statuses == "" {
			statuses = "-"
		}
		return []string{name, fmtCount(s.Requests), statuses, fmtCount(s.Errors), fmtMS(s.Latency.Max), strconv.Itoa(findings)}
	}
	for _, e := range r.Endpoints {
		g.rows = append(g.rows, row(printable(e.Name, false), e.Stats, perEndpoint[e.Name]))
	}
	g.rows = append(g.rows, row("all", r.Totals, len(r.Findings)))
	return g
}

// grid is one table before layout.
type grid struct {
	header    []string
	align     []tw.Align
	rows      [][]string
	dropOrder []int // columns to hide, in order, when the table is wider than Width
}

// write lays g out within Width: first as it is; if too wide, without the dropOrder columns,
// one at a time (a hidden column is named under the table); if still too wide, with text
// cells wrapped. Numbers never wrap mid-digit that way unless nothing else fits.
func (t tableRenderer) write(w io.Writer, g grid) error {
	out, err := t.layout(g, false)
	if err != nil || t.Width <= 0 || maxLineWidth(out) <= t.Width {
		if err == nil {
			_, err = w.Write(out)
		}
		return err
	}
	var hidden []string
	for _, col := range g.dropOrder {
		hidden = append(hidden, g.header[col])
		g = g.without(col)
		if out, err = t.layout(g, false); err != nil {
			return err
		}
		if maxLineWidth(out) <= t.Width {
			break
		}
	}
	if maxLineWidth(out) > t.Width {
		if out, err = t.layout(g, true); err != nil {
			return err
		}
	}
	if len(hidden) > 0 {
		out = append(out, t.paint(ansiDim, "(hidden to fit: "+strings.Join(hidden, ", ")+")\n")...)
	}
	_, err = w.Write(out)
	return err
}

// without returns g minus one column; dropOrder indexes after it shift left.
func (g grid) without(col int) grid {
	cut := func(s []string) []string {
		return append(append([]string{}, s[:col]...), s[col+1:]...)
	}
	n := grid{header: cut(g.header), align: append(append([]tw.Align{}, g.align[:col]...), g.align[col+1:]...)}
	for _, r := range g.rows {
		n.rows = append(n.rows, cut(r))
	}
	for _, d := range g.dropOrder {
		switch {
		case d > col:
			n.dropOrder = append(n.dropOrder, d-1)
		case d < col:
			n.dropOrder = append(n.dropOrder, d)
		}
	}
	return n
}

// layout renders g as one ASCII table. ASCII, not box drawing: box characters are "ambiguous
// width" in East Asian locales, where tablewriter would measure them as two columns.
func (t tableRenderer) layout(g grid, wrap bool) ([]byte, error) {
	var buf bytes.Buffer
	opts := []tablewriter.Option{
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{Symbols: tw.NewSymbols(tw.StyleASCII)})),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{PerColumn: g.align}),
	}
	if wrap {
		opts = append(opts, tablewriter.WithMaxWidth(t.Width),
			tablewriter.WithRowAutoWrap(tw.WrapBreak), tablewriter.WithHeaderAutoWrap(tw.WrapNormal))
	}
	tb := tablewriter.NewTable(&buf, opts...)
	tb.Header(g.header)
	if err := tb.Bulk(g.rows); err != nil {
		return nil, err
	}
	if err := tb.Render(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// maxLineWidth is the widest line of out in terminal columns, colour escapes excluded.
func maxLineWidth(out []byte) int {
	widest := 0
	for _, line := range strings.Split(string(out), "\n") {
		line = strings.TrimRight(ansiEscape.ReplaceAllString(line, ""), " ")
		widest = max(widest, utf8.RuneCountInString(line))
	}
	return widest
}

var ansiEscape = regexp.MustCompile("\x1b\\[[0-9;]*m")

// commandWord names what produced the report for the header line.
func commandWord(r *results.Report) string {
	if r.Command != "" {
		return printable(r.Command, false)
	}
	return "report"
}
