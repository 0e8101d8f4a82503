package render

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/seccheck/seccheck/results"
)

// The helpers below format numbers the same way in every text format, so a number a reader
// sees in the table is the number they find in the Markdown and the HTML.

// Percent formats a fraction (0..1) as the reports do ("0.04%", "12.5%"); other tools that
// print report numbers (compare) use it so the same rate reads the same everywhere.
func Percent(f float64) string { return fmtPct(f) }

// Millis formats a latency in milliseconds as the reports do.
func Millis(ms float64) string { return fmtMS(ms) }

// fmtPct formats a fraction (0..1) as a percentage with a precision that keeps small rates
// readable: 0.0004 is "0.04%", not "0%".
func fmtPct(f float64) string {
	p := f * 100
	switch {
	case p == 0:
		return "0%"
	case p < 0.01:
		return "<0.01%"
	case p < 10:
		return strconv.FormatFloat(p, 'f', 2, 64) + "%"
	default:
		return strconv.FormatFloat(p, 'f', 1, 64) + "%"
	}
}

// fmtMS formats milliseconds with three significant figures at most sizes.
func fmtMS(ms float64) string {
	switch {
	case ms < 10:
		return strconv.FormatFloat(ms, 'f', 2, 64)
	case ms < 1000:
		return strconv.FormatFloat(ms, 'f', 1, 64)
	default:
		return strconv.FormatFloat(ms, 'f', 0, 64)
	}
}

// fmtRate formats a per-second rate.
func fmtRate(r float64) string { return strconv.FormatFloat(r, 'f', 1, 64) }

// fmtCount formats a counter with thousands separators: 1234567 is "1,234,567".
func fmtCount(n uint64) string {
	s := strconv.FormatUint(n, 10)
	if len(s) <= 3 {
		return s
	}
	var b strings.Builder
	lead := len(s) % 3
	if lead > 0 {
		b.WriteString(s[:lead])
	}
	for i := lead; i < len(s); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

// fmtSeconds formats a duration in seconds: "12.3s", "4m05s", "1h02m".
func fmtSeconds(s float64) string {
	if s < 60 {
		return strconv.FormatFloat(s, 'f', 1, 64) + "s"
	}
	total := int64(math.Round(s))
	h, m, sec := total/3600, total/60%60, total%60
	if h > 0 {
		return fmt.Sprintf("%dh%02dm", h, m)
	}
	return fmt.Sprintf("%dm%02ds", m, sec)
}

// fmtObserved formats a threshold's observed value by the unit its name implies: rates as
// percentages, latencies in ms, anything else (violations) as a number.
func fmtObserved(t results.Threshold) string {
	switch {
	case strings.HasPrefix(t.Name, "rate_"):
		return fmtPct(t.Observed)
	case strings.HasPrefix(t.Name, "latency_"):
		return fmtMS(t.Observed) + " ms"
	case t.Observed == math.Trunc(t.Observed) && math.Abs(t.Observed) < 1e15:
		return strconv.FormatInt(int64(t.Observed), 10)
	default:
		return strconv.FormatFloat(t.Observed, 'g', 4, 64)
	}
}

// sortedStatuses returns the keys of a status map in numeric order ("99" < "200" < "500").
func sortedStatuses(m map[string]uint64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, errA := strconv.Atoi(keys[i])
		b, errB := strconv.Atoi(keys[j])
		if errA == nil && errB == nil && a != b {
			return a < b
		}
		return keys[i] < keys[j]
	})
	return keys
}

// fmtStatuses formats a status map as "500:12, 503:1".
func fmtStatuses(m map[string]uint64) string {
	if len(m) == 0 {
		return "-"
	}
	parts := make([]string, 0, len(m))
	for _, k := range sortedStatuses(m) {
		parts = append(parts, k+":"+strconv.FormatUint(m[k], 10))
	}
	return strings.Join(parts, ", ")
}

// subject is what a finding is about beyond its rule: the header, the leak kind, or "-".
func subject(f results.Finding) string {
	switch {
	case f.Header != "":
		return f.Header
	case f.Kind != "":
		return f.Kind
	default:
		return "-"
	}
}

// ruleAndSubject is "header.missing x-frame-options", or the rule alone when it has no subject.
func ruleAndSubject(f results.Finding) string {
	if s := subject(f); s != "-" {
		return f.Rule + " " + s
	}
	return f.Rule
}

// ruleBypass is the finding that sent us here (DESIGN.md): headers present on successes and
// missing on errors. Every renderer shows it first.
const ruleBypass = "header.bypass_on_error"

// orderedFindings returns the findings with header.bypass_on_error first, the rest in report
// order (the aggregator already sorts by severity and count).
func orderedFindings(r *results.Report) []results.Finding {
	out := make([]results.Finding, len(r.Findings))
	copy(out, r.Findings)
	sort.SliceStable(out, func(i, j int) bool {
		return out[i].Rule == ruleBypass && out[j].Rule != ruleBypass
	})
	return out
}

// findingsPerEndpoint counts findings (distinct rule+subject) per endpoint name.
func findingsPerEndpoint(r *results.Report) map[string]int {
	m := make(map[string]int)
	for _, f := range r.Findings {
		m[f.Endpoint]++
	}
	return m
}

// failedThresholds counts thresholds that did not pass.
func failedThresholds(r *results.Report) int {
	n := 0
	for _, t := range r.Thresholds {
		if !t.Pass {
			n++
		}
	}
	return n
}

// plural returns "1 finding" or "7 findings".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// verdictWord is "PASS" or "FAIL" (anything but "pass" is a failure: a reader must never take
// an unknown verdict for a pass).
func verdictWord(r *results.Report) string {
	if r.Verdict == "pass" {
		return "PASS"
	}
	return "FAIL"
}

// verdictReason summarises why: "2 thresholds failed, 7 findings".
func verdictReason(r *results.Report) string {
	var parts []string
	if r.Partial {
		why := r.PartialWhy
		if why == "" {
			why = "stopped early"
		}
		parts = append(parts, "partial: "+why)
	}
	if failed := failedThresholds(r); failed > 0 {
		parts = append(parts, plural(failed, "threshold failed", "thresholds failed"))
	} else {
		parts = append(parts, plural(len(r.Thresholds), "threshold passed", "thresholds passed"))
	}
	parts = append(parts, plural(len(r.Findings), "finding", "findings"))
	return strings.Join(parts, ", ")
}

// phaseAsked describes what a phase asked for: "20/s", "20→200/s" as "20->200/s", "50 in flight".
func phaseAsked(p results.Phase) string {
	switch {
	case p.Model == "closed" || (p.Concurrency > 0 && p.Rate == 0):
		return strconv.Itoa(p.Concurrency) + " in flight"
	case p.RampTo > 0 && p.RampTo != p.Rate:
		return fmtRate(p.Rate) + "->" + fmtRate(p.RampTo) + "/s"
	default:
		return fmtRate(p.Rate) + "/s"
	}
}

// printable makes text from a target safe for a terminal or a text report: control characters
// (ESC, NUL, CR, …) become visible \xNN escapes, invalid UTF-8 becomes U+FFFD; newlines and tabs
// are kept when keepNewlines is set and become \n and \t otherwise.
func printable(s string, keepNewlines bool) string {
	return rewriteRunes(s, func(r rune) bool {
		return !unicode.IsControl(r) || (keepNewlines && (r == '\n' || r == '\t'))
	}, func(b *strings.Builder, r rune) {
		switch {
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x100:
			fmt.Fprintf(b, `\x%02x`, r)
		default:
			fmt.Fprintf(b, `\u%04x`, r)
		}
	})
}

// rewriteRunes returns s itself when it is valid UTF-8 and every rune passes keep; otherwise a
// copy in which invalid bytes become U+FFFD and each rune that fails keep is written by escape.
// printable (terminals, text) and xmlSafe (JUnit) differ only in keep and escape.
func rewriteRunes(s string, keep func(rune) bool, escape func(*strings.Builder, rune)) string {
	clean := utf8.ValidString(s)
	for _, r := range s {
		if !clean || !keep(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i, w := 0, 0; i < len(s); i += w {
		r, size := utf8.DecodeRuneInString(s[i:])
		w = size
		switch {
		case r == utf8.RuneError && size <= 1:
			b.WriteRune(utf8.RuneError)
		case keep(r):
			b.WriteRune(r)
		default:
			escape(&b, r)
		}
	}
	return b.String()
}

// truncate cuts s to at most n runes, marking the cut with "…".
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	runes := []rune(s)
	return string(runes[:n-1]) + "…"
}
