package conformance

import (
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/seccheck/seccheck/specs"
)

// Rule ids (DESIGN.md). They are stable: reports, baselines and users' CI depend on them.
const (
	RuleHeaderMissing    = "header.missing"
	RuleHeaderValue      = "header.value"
	RuleHeaderForbidden  = "header.forbidden"
	RuleCookieFlags      = "cookie.flags"
	RuleStatusUnexpected = "status.unexpected"
	RuleBodyPattern      = "body.pattern"
	// RuleCORSWildcardCredentials: Access-Control-Allow-Origin: * with -Credentials: true.
	RuleCORSWildcardCredentials = "cors.wildcard_credentials"
	// RuleCORSOriginReflected: the request's (foreign, probe) Origin echoed in
	// Access-Control-Allow-Origin.
	RuleCORSOriginReflected = "cors.origin_reflected"
	// RuleBodyLeakPrefix + Signature.Kind is the id of a builtin leak.
	RuleBodyLeakPrefix = "body.leak."
)

const msgStatusUnexpected = "status not allowed by expect.status"

// Checker holds one endpoint's compiled rules. It is immutable after Compile and safe for
// concurrent use by many goroutines.
type Checker struct {
	errorsOnly bool
	expect     []specs.StatusMatcher
	headers    []*headerRule // sorted by name
	forbid     []forbidRule
	cookies    *cookieRule
	cors       corsRule
	leaks      *leakScanner
	patterns   []*bodyPattern
	required   []string
}

// Compile builds the Checker of one endpoint from its effective checks (preset ⊕ global ⊕
// endpoint, merged by specs) and its expectations. All patterns are compiled here, never per
// response.
func Compile(checks specs.Checks, expect specs.Expect) (*Checker, error) {
	c := &Checker{expect: expect.Status}
	switch strings.ToLower(checks.ApplyTo) {
	case "", "all":
	case "errors":
		c.errorsOnly = true
	default:
		return nil, fmt.Errorf("checks.apply_to: %q is not all or errors", checks.ApplyTo)
	}

	names := make([]string, 0, len(checks.Headers.Require))
	for name := range checks.Headers.Require {
		names = append(names, name)
	}
	sort.Slice(names, func(i, j int) bool {
		return http.CanonicalHeaderKey(names[i]) < http.CanonicalHeaderKey(names[j])
	})
	seen := map[string]bool{}
	for _, name := range names {
		hr, err := compileHeaderRule(name, checks.Headers.Require[name])
		if err != nil {
			return nil, err
		}
		if seen[hr.canon] {
			return nil, fmt.Errorf("checks.headers.require: %s listed twice", hr.canon)
		}
		seen[hr.canon] = true
		c.headers = append(c.headers, hr)
		if !hr.optional {
			c.required = append(c.required, hr.lower)
		}
	}
	for i, f := range checks.Headers.Forbid {
		fr, err := compileForbidRule(f)
		if err != nil {
			return nil, fmt.Errorf("checks.headers.forbid[%d]: %v", i, err)
		}
		c.forbid = append(c.forbid, fr)
	}
	if checks.Cookies != nil {
		c.cookies = compileCookieRule(checks.Cookies)
	}
	c.cors = compileCORSRule(checks.Headers.CORS)

	switch strings.ToLower(checks.Body.Leaks) {
	case "builtin":
		c.leaks = builtinLeaks
	case "":
		if !strings.EqualFold(checks.Preset, "none") {
			c.leaks = builtinLeaks // specs.DefaultLeaks
		}
	case "none":
	default:
		return nil, fmt.Errorf("checks.body.leaks: %q is not builtin or none", checks.Body.Leaks)
	}
	for _, src := range checks.Body.Forbid {
		p, err := compileBodyPattern(src)
		if err != nil {
			return nil, err
		}
		c.patterns = append(c.patterns, p)
	}
	return c, nil
}

// Required returns the lower-case names of the headers this endpoint requires (rules with
// present: false excluded), sorted. results uses it to find header.bypass_on_error.
func (c *Checker) Required() []string { return append([]string(nil), c.required...) }

// Check judges r and appends its violations to dst. A clean response allocates nothing; Message
// strings are built at Compile time.
func (c *Checker) Check(r *Response, dst []Violation) []Violation {
	if len(c.expect) > 0 && !statusExpected(c.expect, r.Status) {
		dst = append(dst, Violation{Rule: RuleStatusUnexpected, Severity: SeverityMedium,
			Message: msgStatusUnexpected, Offset: -1})
	}
	if c.errorsOnly && r.Status < 400 {
		return dst
	}
	if len(c.headers) > 0 || len(c.forbid) > 0 || c.cookies != nil || c.cors.on() {
		hv := newHeaderView(r.Header)
		for _, hr := range c.headers {
			if hr.onlyWithCredentials && !r.Credentialed {
				continue
			}
			if rule, msg := hr.check(hv); rule != "" {
				dst = append(dst, Violation{Rule: rule, Severity: hr.severity, Header: hr.lower, Message: msg, Offset: -1})
			}
		}
		for i := range c.forbid {
			if msg := c.forbid[i].check(hv); msg != "" {
				dst = append(dst, Violation{Rule: RuleHeaderForbidden, Severity: SeverityLow, Header: c.forbid[i].lower, Message: msg, Offset: -1})
			}
		}
		if c.cookies != nil {
			dst = c.cookies.check(hv.values("Set-Cookie"), dst)
		}
		if c.cors.on() {
			dst = c.cors.check(hv, r.Origin, dst)
		}
	}
	if len(r.Body) > 0 {
		if c.leaks != nil {
			dst = c.leaks.scan(r.Body, dst)
		}
		for _, p := range c.patterns {
			dst = p.scan(r.Body, dst)
		}
	}
	return dst
}

func statusExpected(ms []specs.StatusMatcher, status int) bool {
	for _, m := range ms {
		if m.Match(status) {
			return true
		}
	}
	return false
}

// headerView reads response headers by canonical name without allocating. http.Header from
// net/http has canonical keys; a map built by hand may not, and then lookups fold case.
type headerView struct {
	h      http.Header
	folded bool // some key is not canonical
}

func newHeaderView(h http.Header) headerView {
	for k := range h {
		if !isCanonicalKey(k) {
			return headerView{h: h, folded: true}
		}
	}
	return headerView{h: h}
}

// values returns every value of the header canon (which must be canonical), in order.
func (v headerView) values(canon string) []string {
	vs := v.h[canon]
	if !v.folded {
		return vs
	}
	for k, more := range v.h {
		if k != canon && strings.EqualFold(k, canon) {
			if vs == nil {
				vs = more
			} else {
				vs = append(vs[:len(vs):len(vs)], more...) // rare: a header under two spellings
			}
		}
	}
	return vs
}

// isCanonicalKey reports whether k is already in textproto's canonical form (letters upper
// case at the start and after '-', lower case elsewhere).
func isCanonicalKey(k string) bool {
	upper := true
	for i := 0; i < len(k); i++ {
		c := k[i]
		if upper && 'a' <= c && c <= 'z' || !upper && 'A' <= c && c <= 'Z' {
			return false
		}
		upper = c == '-'
	}
	return true
}
