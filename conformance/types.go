// Package conformance judges one response against an endpoint's compiled rules: required and
// forbidden headers, cookie flags, expected statuses, the builtin leak catalogue and user body
// patterns. It does no I/O and keeps no history across responses.
package conformance

import "net/http"

// Severity ranks a violation.
type Severity uint8

const (
	SeverityInfo Severity = iota
	SeverityLow
	SeverityMedium
	SeverityHigh
	SeverityCritical
)

// String returns the lower-case name used in reports ("high").
func (s Severity) String() string {
	switch s {
	case SeverityLow:
		return "low"
	case SeverityMedium:
		return "medium"
	case SeverityHigh:
		return "high"
	case SeverityCritical:
		return "critical"
	}
	return "info"
}

// Response is what Check judges. Header and Body are read, never kept.
type Response struct {
	Status       int
	Header       http.Header
	Body         []byte // up to target.max_body bytes
	Credentialed bool   // the request carried credentials (auth)
	// Origin is the Origin header the request carried ("" if none): the probe origin of
	// checks.headers.cors, which cors.origin_reflected looks for in Access-Control-Allow-Origin.
	Origin string
}

// Violation is one failed rule on one response. Rule ids are stable and dotted (DESIGN.md):
// header.missing, header.value, header.forbidden, cookie.flags, status.unexpected,
// body.leak.<kind>, body.pattern, cors.wildcard_credentials, cors.origin_reflected.
type Violation struct {
	Rule     string // e.g. "header.missing", "body.leak.python_traceback"
	Severity Severity
	Header   string // lower-case header name for header rules, "" otherwise
	Kind     string // leak kind or pattern for body rules, missing flag for cookie.flags, "" otherwise
	Message  string // one line; must not be built per response when avoidable (use static strings)
	Offset   int    // byte offset of the match in Body for body rules, -1 otherwise
}
