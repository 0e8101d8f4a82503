package render

import (
	"encoding/xml"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/seccheck/seccheck/results"
)

// JUnit renders JUnit XML for CI test tabs (Jenkins, GitLab, GitHub reporters): one
// <testsuite> per endpoint and one "thresholds" suite for run-wide thresholds. Each endpoint
// suite has one <testcase> per check family (headers, body leaks, status expectations,
// cookies) and one per endpoint threshold; a family fails with a <failure> naming each rule,
// its count, its statuses and a short exemplar. A partial run adds a "run completed" case
// with an <error>.
//
// Attributes the common JUnit XSDs require (tests, failures, errors, skipped, time, id,
// package, hostname, timestamp) are always written, zeros included. Characters XML 1.0
// cannot hold (NUL and the other C0 controls but tab, CR and LF) are written as visible
// \xNN escapes.
type JUnit struct{}

var _ Renderer = JUnit{}

// The XML shape. go-junit-report's junit types read it back (tests do), but they omit zero
// counts on <testsuites> and write failure text as CDATA, where Go does not escape
// characters XML cannot hold; these types avoid both.
type (
	junitSuites struct {
		XMLName  xml.Name     `xml:"testsuites"`
		Name     string       `xml:"name,attr"`
		Tests    int          `xml:"tests,attr"`
		Failures int          `xml:"failures,attr"`
		Errors   int          `xml:"errors,attr"`
		Skipped  int          `xml:"skipped,attr"`
		Time     string       `xml:"time,attr"`
		Suites   []junitSuite `xml:"testsuite"`
	}
	junitSuite struct {
		Name       string           `xml:"name,attr"`
		Tests      int              `xml:"tests,attr"`
		Failures   int              `xml:"failures,attr"`
		Errors     int              `xml:"errors,attr"`
		Skipped    int              `xml:"skipped,attr"`
		Time       string           `xml:"time,attr"`
		Timestamp  string           `xml:"timestamp,attr"`
		Hostname   string           `xml:"hostname,attr"`
		ID         int              `xml:"id,attr"`
		Package    string           `xml:"package,attr"`
		Properties *junitProperties `xml:"properties,omitempty"`
		Cases      []junitCase      `xml:"testcase"`
	}
	junitProperties struct {
		List []junitProperty `xml:"property"`
	}
	junitProperty struct {
		Name  string `xml:"name,attr"`
		Value string `xml:"value,attr"`
	}
	junitCase struct {
		Name      string        `xml:"name,attr"`
		Classname string        `xml:"classname,attr"`
		Time      string        `xml:"time,attr"`
		Failure   *junitProblem `xml:"failure,omitempty"`
		Error     *junitProblem `xml:"error,omitempty"`
	}
	junitProblem struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
		Text    string `xml:",chardata"`
	}
)

func (s *junitSuite) add(c junitCase) {
	s.Cases = append(s.Cases, c)
	s.Tests++
	if c.Failure != nil {
		s.Failures++
	}
	if c.Error != nil {
		s.Errors++
	}
}

// checkFamilies are the testcases of every endpoint suite, in order, with the rule-id prefix
// each covers. A rule with another prefix gets a case named after its prefix.
var checkFamilies = []struct{ name, prefix string }{
	{"security headers", "header."},
	{"body leaks", "body."},
	{"status expectations", "status."},
	{"cookies", "cookie."},
}

// Render writes the JUnit XML document.
func (JUnit) Render(w io.Writer, r *results.Report) error {
	if r == nil {
		return errNilReport
	}
	doc := junitDocument(r)
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func junitDocument(r *results.Report) junitSuites {
	name := xmlSafe(r.Name)
	if name == "" {
		name = "seccheck"
	}
	secs := strconv.FormatFloat(r.DurationS, 'f', 3, 64)
	stamp := junitTimestamp(r.StartedAt)
	newSuite := func(suiteName string) *junitSuite {
		return &junitSuite{Name: xmlSafe(suiteName), Time: secs, Timestamp: stamp,
			Hostname: "seccheck", Package: name}
	}

	// Suites in endpoint order; findings or thresholds naming an endpoint that the report does
	// not list (a merged report, a hand-edited one) still get a suite, after the known ones.
	var order []string
	suites := map[string]*junitSuite{}
	suite := func(endpoint string) *junitSuite {
		if s, ok := suites[endpoint]; ok {
			return s
		}
		s := newSuite(endpoint)
		suites[endpoint] = s
		order = append(order, endpoint)
		return s
	}
	for _, e := range r.Endpoints {
		s := suite(e.Name)
		s.Properties = &junitProperties{List: []junitProperty{
			{"method", xmlSafe(e.Method)}, {"path", xmlSafe(e.Path)},
			{"requests", strconv.FormatUint(e.Requests, 10)},
			{"rate_5xx", strconv.FormatFloat(e.Rate5xx, 'g', -1, 64)},
			{"latency_p99_ms", strconv.FormatFloat(e.Latency.P99, 'g', -1, 64)},
		}}
	}
	byEndpoint := map[string][]results.Finding{}
	for _, f := range orderedFindings(r) {
		if f.Endpoint == "" {
			continue
		}
		suite(f.Endpoint)
		byEndpoint[f.Endpoint] = append(byEndpoint[f.Endpoint], f)
	}
	for _, th := range r.Thresholds {
		if th.Endpoint != "" {
			suite(th.Endpoint)
		}
	}

	for _, ep := range order {
		s := suites[ep]
		classname := name + "." + xmlSafe(ep)
		fs := byEndpoint[ep]
		for _, fam := range checkFamilies {
			s.add(familyCase(fam.name, classname, pick(fs, func(f results.Finding) bool {
				return strings.HasPrefix(f.Rule, fam.prefix)
			})))
		}
		for _, prefix := range otherPrefixes(fs) {
			// A family without a case of its own (cors., auth.) is named after its prefix.
			s.add(familyCase(strings.TrimSuffix(prefix, ".")+" checks", classname, pick(fs, func(f results.Finding) bool {
				return rulePrefix(f.Rule) == prefix
			})))
		}
		for _, th := range r.Thresholds {
			if th.Endpoint == ep {
				s.add(thresholdCase(th, classname))
			}
		}
	}

	global := newSuite("thresholds")
	for _, th := range r.Thresholds {
		if th.Endpoint == "" {
			global.add(thresholdCase(th, name+".thresholds"))
		}
	}
	// Findings not tied to an endpoint belong to the run.
	var runFindings []results.Finding
	for _, f := range orderedFindings(r) {
		if f.Endpoint == "" {
			runFindings = append(runFindings, f)
		}
	}
	if len(runFindings) > 0 {
		global.add(familyCase("run-wide checks", name+".thresholds", runFindings))
	}
	if r.Partial {
		why := r.PartialWhy
		if why == "" {
			why = "stopped early"
		}
		global.add(junitCase{Name: "run completed", Classname: name + ".thresholds", Time: "0",
			Error: &junitProblem{Message: xmlSafe("partial report: " + why), Type: "partial",
				Text: xmlSafe("The run did not finish (" + why + "); counts cover only what was sent.")}})
	}

	doc := junitSuites{Name: name, Time: secs}
	all := make([]*junitSuite, 0, len(order)+1)
	for _, ep := range order {
		all = append(all, suites[ep])
	}
	if len(global.Cases) > 0 {
		all = append(all, global)
	}
	for i, s := range all {
		s.ID = i
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Errors += s.Errors
		doc.Skipped += s.Skipped
		doc.Suites = append(doc.Suites, *s)
	}
	return doc
}

func pick(fs []results.Finding, keep func(results.Finding) bool) []results.Finding {
	var out []results.Finding
	for _, f := range fs {
		if keep(f) {
			out = append(out, f)
		}
	}
	return out
}

// rulePrefix is a rule id's family: "header." for "header.missing".
func rulePrefix(rule string) string {
	if i := strings.IndexByte(rule, '.'); i >= 0 {
		return rule[:i+1]
	}
	return rule
}

// otherPrefixes lists, sorted, the families of findings outside checkFamilies.
func otherPrefixes(fs []results.Finding) []string {
	seen := map[string]bool{}
	var out []string
	for _, f := range fs {
		p := rulePrefix(f.Rule)
		known := false
		for _, fam := range checkFamilies {
			known = known || fam.prefix == p
		}
		if !known && !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// familyCase is one check family's testcase: passing without findings, else failing with a
// one-line message per rule and, in the text, each finding's detail and first exemplar.
func familyCase(name, classname string, fs []results.Finding) junitCase {
	c := junitCase{Name: xmlSafe(name), Classname: classname, Time: "0"}
	if len(fs) == 0 {
		return c
	}
	var msgs []string
	var text strings.Builder
	var total uint64
	for i, f := range fs {
		total += f.Count
		msgs = append(msgs, fmt.Sprintf("%s: %s responses (%s)", ruleAndSubject(f), fmtCount(f.Count), fmtStatuses(f.ByStatus)))
		if i > 0 {
			text.WriteString("\n")
		}
		fmt.Fprintf(&text, "[%s] %s: %s responses, statuses %s, first at %s\n",
			f.Severity, ruleAndSubject(f), fmtCount(f.Count), fmtStatuses(f.ByStatus), fmtSeconds(f.FirstAtS))
		if f.Message != "" {
			fmt.Fprintf(&text, "  %s\n", f.Message)
		}
		if len(f.Exemplars) > 0 {
			ex := topExemplar(f)
			fmt.Fprintf(&text, "  exemplar: %s %s -> %d\n", ex.Method, ex.URL, ex.Status)
			if ex.BodyExcerpt != "" {
				body := truncate(printable(ex.BodyExcerpt, true), 400)
				fmt.Fprintf(&text, "  body:\n    %s\n", strings.ReplaceAll(body, "\n", "\n    "))
			}
		}
	}
	msg := strings.Join(msgs, "; ")
	if len(fs) > 1 {
		msg = fmt.Sprintf("%d rules failed on %s responses: %s", len(fs), fmtCount(total), msg)
	}
	c.Failure = &junitProblem{Message: xmlSafe(truncate(msg, 500)), Type: xmlSafe(fs[0].Rule), Text: xmlSafe(text.String())}
	return c
}

func thresholdCase(th results.Threshold, classname string) junitCase {
	c := junitCase{Name: xmlSafe(fmt.Sprintf("threshold %s %s", th.Name, th.Limit)), Classname: classname, Time: "0"}
	if !th.Pass {
		scope := th.Endpoint
		if scope == "" {
			scope = "the whole run"
		}
		msg := fmt.Sprintf("%s over %s: observed %s, limit %s", th.Name, scope, fmtObserved(th), th.Limit)
		c.Failure = &junitProblem{Message: xmlSafe(msg), Type: "threshold." + xmlSafe(th.Name), Text: xmlSafe(msg)}
	}
	return c
}

// junitTimestamp converts RFC 3339 to the XSD's zone-less ISO 8601 in UTC; unparseable or empty
// times become the Unix epoch rather than an invalid attribute.
func junitTimestamp(rfc3339 string) string {
	t, err := time.Parse(time.RFC3339Nano, rfc3339)
	if err != nil {
		t = time.Unix(0, 0)
	}
	return t.UTC().Format("2006-01-02T15:04:05")
}

// xmlSafe replaces characters XML 1.0 cannot hold — C0 controls except tab, LF and CR,
// U+FFFE, U+FFFF, surrogates, invalid UTF-8 — with visible escapes (\x00) or U+FFFD.
// encoding/xml would turn them into U+FFFD silently; a visible escape tells the reader a NUL
// was there.
func xmlSafe(s string) string {
	return rewriteRunes(s, xmlChar, func(b *strings.Builder, r rune) {
		if r < 0x20 {
			fmt.Fprintf(b, `\x%02x`, r)
		} else {
			b.WriteRune(utf8.RuneError)
		}
	})
}

// xmlChar reports whether r is a Char of XML 1.0 (production [2]).
func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		(r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF)
}
