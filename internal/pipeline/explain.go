package pipeline

import (
	"fmt"
	"sort"
	"strings"

	"github.com/seccheck/seccheck/results"
)

// Explain says in plain words what a report found and what it means, worst first: the
// error-path bypass, 5xx under load, leaks, then the rest by rule. It returns no lines for a
// clean report.
func Explain(rep *results.Report) []string {
	var lines []string
	byEndpoint := map[string]*results.Endpoint{}
	for i := range rep.Endpoints {
		byEndpoint[rep.Endpoints[i].Name] = &rep.Endpoints[i]
	}
	bypass := map[string][]string{} // endpoint -> headers
	leaks := map[string][]results.Finding{}
	other := map[string]int{}
	for _, f := range rep.Findings {
		switch {
		case f.Rule == "header.bypass_on_error":
			bypass[f.Endpoint] = append(bypass[f.Endpoint], f.Header)
		case strings.HasPrefix(f.Rule, "body.leak."):
			leaks[f.Endpoint] = append(leaks[f.Endpoint], f)
		default:
			other[f.Rule]++
		}
	}
	for _, ep := range rep.Endpoints {
		if ep.Status5xx == 0 && len(bypass[ep.Name]) == 0 {
			continue
		}
		var b strings.Builder
		if ep.Status5xx > 0 {
			fmt.Fprintf(&b, "%s answered 5xx to %.1f%% of its requests (%d of %d)", ep.Path, ep.Rate5xx*100, ep.Status5xx, ep.Requests)
			if rep.Command == "run" || rep.Command == "demo" {
				b.WriteString(" under load")
			}
		} else {
			fmt.Fprintf(&b, "%s answered errors", ep.Path)
		}
		if hs := bypass[ep.Name]; len(hs) > 0 {
			sort.Strings(hs)
			fmt.Fprintf(&b, ", and those error responses lacked %d security header(s) that its successful responses carry (%s): the security middleware is bypassed on the error path, so every failure goes out unprotected", len(hs), strings.Join(hs, ", "))
		}
		b.WriteString(".")
		lines = append(lines, b.String())
		if ls := leaks[ep.Name]; len(ls) > 0 {
			kinds := make([]string, 0, len(ls))
			var n uint64
			for _, f := range ls {
				kinds = append(kinds, strings.TrimPrefix(f.Rule, "body.leak."))
				n = max(n, f.Count) // one body often matches several kinds: the largest count is a floor
			}
			lines = append(lines, fmt.Sprintf("At least %d of those responses leaked internals in their body (%s): an attacker learns file paths, library versions and the failing code.", n, strings.Join(kinds, ", ")))
			delete(leaks, ep.Name)
		}
	}
	// The remaining leaks in a stable order (map order would shuffle the lines from run to run):
	// the report's endpoint order, then names the report does not list.
	var leakNames []string
	for _, ep := range rep.Endpoints {
		if _, ok := leaks[ep.Name]; ok {
			leakNames = append(leakNames, ep.Name)
		}
	}
	var unlisted []string
	for name := range leaks {
		if byEndpoint[name] == nil {
			unlisted = append(unlisted, name)
		}
	}
	sort.Strings(unlisted)
	for _, name := range append(leakNames, unlisted...) {
		ls := leaks[name]
		kinds := make([]string, 0, len(ls))
		for _, f := range ls {
			kinds = append(kinds, strings.TrimPrefix(f.Rule, "body.leak."))
		}
		path := name
		if ep := byEndpoint[name]; ep != nil {
			path = ep.Path
		}
		lines = append(lines, fmt.Sprintf("%s leaked internals in response bodies (%s).", path, strings.Join(kinds, ", ")))
	}
	if len(other) > 0 {
		rules := make([]string, 0, len(other))
		for r := range other {
			rules = append(rules, r)
		}
		sort.Strings(rules)
		lines = append(lines, fmt.Sprintf("Also found: %s (see the findings table).", strings.Join(rules, ", ")))
	}
	return lines
}
