package render

import (
	"bufio"
	"fmt"
	"html"
	"io"
	"strings"

	"github.com/seccheck/seccheck/results"
)

// Markdown renders a GitHub-flavoured summary for $GITHUB_STEP_SUMMARY or a pull-request
// comment: the verdict as a heading, the endpoint table, the findings (bypass first) with the
// top exemplar in a <details> block, and the thresholds last.
//
// Text from the target never reaches Markdown syntax raw: table cells backslash-escape the
// characters Markdown and GFM tables give meaning to (| ` * _ [ ] < > & ~ \), and exemplar
// bodies are HTML-escaped inside <pre>.
type Markdown struct{}

var _ Renderer = Markdown{}

// bodyExcerptMax bounds the exemplar body shown in Markdown; step summaries are capped at
// 1 MiB and a reader needs the first lines, not the page.
const bodyExcerptMax = 600

// Render writes the Markdown summary.
func (Markdown) Render(w io.Writer, r *results.Report) error {
	if r == nil {
		return errNilReport
	}
	b := bufio.NewWriter(w)
	name := mdEscape(r.Name)
	if name == "" {
		name = "(unnamed)"
	}
	fmt.Fprintf(b, "## seccheck %s: %s — %s\n\n", mdEscape(commandWord(r)), name, verdictWord(r))
	if r.Partial {
		why := r.PartialWhy
		if why == "" {
			why = "stopped early"
		}
		fmt.Fprintf(b, "> [!WARNING]\n> Partial report: %s. Counts cover only the requests that were sent.\n\n", mdEscape(why))
	}
	fmt.Fprintf(b, "**Verdict: %s** (%s). %s requests in %s (%s req/s), 5xx %s, transport errors %s, p99 %s ms.\n",
		verdictWord(r), mdEscape(verdictReason(r)), fmtCount(r.Totals.Requests), fmtSeconds(r.DurationS),
		fmtRate(r.Totals.RPS), fmtPct(r.Totals.Rate5xx), fmtPct(r.Totals.RateErrors), fmtMS(r.Totals.Latency.P99))

	fmt.Fprint(b, "\n### Endpoints\n\n")
	fmt.Fprintln(b, "| endpoint | requests | rps | 2xx | 3xx | 4xx | 5xx | 5xx % | errors | p50 ms | p95 ms | p99 ms | findings |")
	fmt.Fprintln(b, "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
	perEndpoint := findingsPerEndpoint(r)
	row := func(name string, s results.Stats, findings int) {
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %d |\n",
			name, fmtCount(s.Requests), fmtRate(s.RPS), fmtCount(s.Status2xx), fmtCount(s.Status3xx),
			fmtCount(s.Status4xx), fmtCount(s.Status5xx), mdEscape(fmtPct(s.Rate5xx)), fmtCount(s.Errors),
			fmtMS(s.Latency.P50), fmtMS(s.Latency.P95), fmtMS(s.Latency.P99), findings)
	}
	for _, e := range r.Endpoints {
		row(mdEscape(e.Name), e.Stats, perEndpoint[e.Name])
	}
	row("**all**", r.Totals, len(r.Findings))

	if lagging := laggingPhases(r); len(lagging) > 0 {
		fmt.Fprint(b, "\n### Phases that could not keep their rate\n\n")
		fmt.Fprintln(b, "| phase | requested | achieved | sent |")
		fmt.Fprintln(b, "|--:|---|--:|--:|")
		for _, p := range lagging {
			fmt.Fprintf(b, "| %d | %s | %s/s | %s |\n", p.Index+1, mdEscape(phaseAsked(p)), fmtRate(p.AchievedRate), fmtCount(p.Sent))
		}
	}

	fmt.Fprint(b, "\n### Findings\n\n")
	if len(r.Findings) == 0 {
		fmt.Fprintln(b, "No findings.")
	} else {
		fmt.Fprintln(b, "| severity | rule | endpoint | header / kind | count | statuses | exemplar |")
		fmt.Fprintln(b, "|---|---|---|---|--:|---|---|")
		findings := orderedFindings(r)
		for _, f := range findings {
			ex := "-"
			if len(f.Exemplars) > 0 {
				e := topExemplar(f)
				ex = fmt.Sprintf("%d %s %s", e.Status, mdEscape(e.Method), mdEscape(truncate(e.URL, 80)))
			}
			fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s |\n", mdEscape(f.Severity), mdEscape(f.Rule),
				mdEscape(f.Endpoint), mdEscape(subject(f)), fmtCount(f.Count), mdEscape(fmtStatuses(f.ByStatus)), ex)
		}
		for _, f := range findings {
			if len(f.Exemplars) == 0 {
				continue
			}
			e := topExemplar(f)
			fmt.Fprintf(b, "\n<details><summary>%s on %s: exemplar %d %s %s</summary>\n\n",
				html.EscapeString(printable(ruleAndSubject(f), false)), html.EscapeString(printable(f.Endpoint, false)), e.Status,
				html.EscapeString(printable(e.Method, false)), html.EscapeString(printable(truncate(e.URL, 120), false)))
			if f.Message != "" {
				fmt.Fprintf(b, "%s\n\n", mdEscape(f.Message))
			}
			body := truncate(printable(e.BodyExcerpt, true), bodyExcerptMax)
			if body == "" {
				body = "(empty body)"
			}
			// <pre> opens an HTML block that ends only at </pre>, so blank lines in the body
			// stay inside it; the escaped body cannot contain "</pre>".
			fmt.Fprintf(b, "<pre>%s</pre>\n\n</details>\n", html.EscapeString(body))
		}
	}
	if len(r.Thresholds) > 0 {
		fmt.Fprint(b, "\n### Thresholds\n\n")
		fmt.Fprintln(b, "| result | threshold | endpoint | limit | observed |")
		fmt.Fprintln(b, "|---|---|---|---|--:|")
		for _, th := range r.Thresholds {
			scope := mdEscape(th.Endpoint)
			if scope == "" {
				scope = "all"
			}
			result := "pass"
			if !th.Pass {
				result = "**FAIL**"
			}
			fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", result, mdEscape(th.Name), scope, mdEscape(th.Limit), mdEscape(fmtObserved(th)))
		}
	}

	return b.Flush()
}

func laggingPhases(r *results.Report) []results.Phase {
	var out []results.Phase
	for _, p := range r.Phases {
		if p.Lagging {
			out = append(out, p)
		}
	}
	return out
}

// mdEscape makes text safe for a GFM table cell or a paragraph: control characters become
// visible escapes, newlines become spaces, and characters with Markdown or HTML meaning are
// backslash-escaped (CommonMark lets any ASCII punctuation be escaped; GFM tables honour \|).
func mdEscape(s string) string {
	s = printable(s, false)
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\', '`', '*', '_', '[', ']', '<', '>', '|', '&', '~', '#', '!':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
