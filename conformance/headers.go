package conformance

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/seccheck/seccheck/specs"
)

// Canonical names of the headers whose rules carry header-specific semantics (DESIGN.md
// "Presets"); every other required header gets the generic constraints only.
const (
	hdrHSTS     = "Strict-Transport-Security"
	hdrCSP      = "Content-Security-Policy"
	hdrCSPRO    = "Content-Security-Policy-Report-Only"
	hdrXFO      = "X-Frame-Options"
	hdrReferrer = "Referrer-Policy"
)

// headerSeverity ranks a failed required header (Mozilla Observatory's weighting: a missing CSP,
// HSTS or framing protection costs most). Headers not listed are medium.
var headerSeverity = map[string]Severity{
	hdrHSTS:                        SeverityHigh,
	hdrCSP:                         SeverityHigh,
	hdrXFO:                         SeverityMedium,
	"X-Content-Type-Options":       SeverityMedium,
	"Cache-Control":                SeverityMedium,
	hdrReferrer:                    SeverityLow,
	"Permissions-Policy":           SeverityLow,
	"Cross-Origin-Opener-Policy":   SeverityLow,
	"Cross-Origin-Resource-Policy": SeverityLow,
	"Cross-Origin-Embedder-Policy": SeverityLow,
}

type semantic uint8

const (
	semGeneric semantic = iota
	semHSTS
	semCSP
	semXFO
	semReferrer
)

// headerRule is one compiled entry of checks.headers.require.
type headerRule struct {
	canon, lower        string
	severity            Severity
	sem                 semantic
	optional            bool // present: false — the header may be absent; if sent it must conform
	onlyWithCredentials bool

	single   bool
	equals   string   // trimmed, compared case-insensitively
	oneOf    []string // compared case-insensitively
	contains string   // lower case
	matches  *regexp.Regexp

	hsts hstsRule
	csp  *cspRule
	// allowed holds the accepted values of X-Frame-Options or Referrer-Policy.
	allowed []string

	msgMissing, msgRepeated, msgEquals, msgOneOf, msgContains, msgMatches, msgNotAllowed string
}

func compileHeaderRule(name string, r specs.HeaderRule) (*headerRule, error) {
	canon := http.CanonicalHeaderKey(strings.TrimSpace(name))
	if canon == "" {
		return nil, fmt.Errorf("checks.headers.require: empty header name")
	}
	hr := &headerRule{
		canon:               canon,
		lower:               strings.ToLower(canon),
		severity:            SeverityMedium,
		optional:            r.Present != nil && !*r.Present,
		onlyWithCredentials: r.OnlyWithCredentials,
		single:              r.Single != nil && *r.Single,
		equals:              strings.TrimSpace(r.Equals),
		oneOf:               r.OneOf,
		contains:            strings.ToLower(r.Contains),
	}
	if s, ok := headerSeverity[canon]; ok {
		hr.severity = s
	}
	if r.Matches != "" {
		re, err := regexp.Compile(r.Matches)
		if err != nil {
			return nil, fmt.Errorf("checks.headers.require.%s.matches: %v", canon, err)
		}
		hr.matches = re
	}
	hr.msgMissing = canon + " missing"
	hr.msgRepeated = canon + " sent more than once"
	hr.msgEquals = canon + " is not " + hr.equals
	hr.msgOneOf = canon + " is not one of " + strings.Join(r.OneOf, ", ")
	hr.msgContains = canon + " does not contain " + r.Contains
	hr.msgMatches = canon + " does not match " + r.Matches

	switch canon {
	case hdrHSTS:
		hr.sem = semHSTS
		hr.hsts = hstsRule{minMaxAge: 1}
		if r.MinMaxAge != nil {
			hr.hsts.minMaxAge = max(1, *r.MinMaxAge)
		}
		hr.hsts.includeSubdomains = r.IncludeSubdomains != nil && *r.IncludeSubdomains
		hr.hsts.preload = r.Preload != nil && *r.Preload
	case hdrCSP:
		hr.sem = semCSP
		hr.csp = compileCSPRule(r)
		hr.msgMissing = msgCSPMissing
	case hdrXFO, hdrReferrer:
		hr.allowed = r.OneOf
		if hr.equals != "" {
			hr.allowed = append(hr.allowed, hr.equals)
		}
		hr.equals, hr.oneOf = "", nil
		if hr.sem = semXFO; canon == hdrReferrer {
			hr.sem = semReferrer
		}
		if len(hr.allowed) == 0 {
			hr.allowed = defaultXFO
			if hr.sem == semReferrer {
				hr.allowed = defaultReferrer
			}
		}
		hr.msgNotAllowed = canon + " is not one of " + strings.Join(hr.allowed, ", ")
		if hr.sem == semXFO {
			hr.msgMissing = msgXFOMissing
		}
	}
	return hr, nil
}

// check returns the rule id and message of the first way vs fails hr, or "" when it conforms.
// One violation per rule and response keeps counts comparable across rules.
func (hr *headerRule) check(hv headerView) (rule, msg string) {
	vs := hv.values(hr.canon)
	if hr.sem == semXFO && frameAncestorsProtect(hv.values(hdrCSP)) {
		return "", "" // an enforced CSP frame-ancestors supersedes X-Frame-Options
	}
	if len(vs) == 0 {
		if hr.optional {
			return "", ""
		}
		if hr.sem == semCSP && len(hv.values(hdrCSPRO)) > 0 {
			return RuleHeaderMissing, msgCSPReportOnly
		}
		return RuleHeaderMissing, hr.msgMissing
	}
	switch hr.sem {
	case semHSTS:
		if msg := hr.hsts.check(vs); msg != "" {
			return RuleHeaderValue, msg
		}
	case semCSP:
		if msg := hr.csp.check(vs); msg != "" {
			return RuleHeaderValue, msg
		}
	case semXFO:
		if len(vs) != 1 {
			return RuleHeaderValue, hr.msgRepeated
		}
		if !equalFoldAny(trimOWS(vs[0]), hr.allowed) {
			return RuleHeaderValue, hr.msgNotAllowed
		}
	case semReferrer:
		switch p := effectiveReferrerPolicy(vs); {
		case p == "":
			return RuleHeaderValue, msgReferrerUnknown
		case !equalFoldAny(p, hr.allowed):
			return RuleHeaderValue, hr.msgNotAllowed
		}
	}
	if msg := hr.checkGeneric(vs); msg != "" {
		return RuleHeaderValue, msg
	}
	return "", ""
}

// checkGeneric applies equals, one_of, contains, matches and single. equals needs exactly one
// header; one_of needs every comma-separated token of every instance (structured-field
// parameters after ';' ignored) to be listed; contains and matches need one instance to match.
func (hr *headerRule) checkGeneric(vs []string) string {
	if (hr.single || hr.equals != "") && len(vs) > 1 {
		return hr.msgRepeated
	}
	if hr.equals != "" && !strings.EqualFold(trimOWS(vs[0]), hr.equals) {
		return hr.msgEquals
	}
	if len(hr.oneOf) > 0 {
		n := 0
		for _, v := range vs {
			for sp := (splitter{s: v, sep: ','}); ; {
				tok, ok := sp.next()
				if !ok {
					break
				}
				if tok = trimOWS(tok); tok == "" {
					continue
				}
				n++
				if !equalFoldAny(tok, hr.oneOf) {
					if i := strings.IndexByte(tok, ';'); i < 0 || !equalFoldAny(trimOWS(tok[:i]), hr.oneOf) {
						return hr.msgOneOf
					}
				}
			}
		}
		if n == 0 {
			return hr.msgOneOf
		}
	}
	if hr.contains != "" {
		found := false
		for _, v := range vs {
			if containsFold(v, hr.contains) {
				found = true
				break
			}
		}
		if !found {
			return hr.msgContains
		}
	}
	if hr.matches != nil {
		found := false
		for _, v := range vs {
			if hr.matches.MatchString(v) {
				found = true
				break
			}
		}
		if !found {
			return hr.msgMatches
		}
	}
	return ""
}

// forbidRule is one compiled entry of checks.headers.forbid.
type forbidRule struct {
	canon, lower string
	matches      *regexp.Regexp
	msg          string
}

func compileForbidRule(f specs.ForbidRule) (forbidRule, error) {
	canon := http.CanonicalHeaderKey(strings.TrimSpace(f.Name))
	if canon == "" {
		return forbidRule{}, fmt.Errorf("empty header name")
	}
	fr := forbidRule{canon: canon, lower: strings.ToLower(canon), msg: canon + " must not be sent"}
	if f.Matches != "" {
		re, err := regexp.Compile(f.Matches)
		if err != nil {
			return forbidRule{}, fmt.Errorf("%s matches: %v", canon, err)
		}
		fr.matches = re
		fr.msg = canon + " value matches forbidden pattern " + f.Matches
	}
	return fr, nil
}

// check returns the violation message when the header is sent (and, with a pattern, when one
// of its values matches), else "".
func (fr *forbidRule) check(hv headerView) string {
	vs := hv.values(fr.canon)
	if len(vs) == 0 {
		return ""
	}
	if fr.matches == nil {
		return fr.msg
	}
	for _, v := range vs {
		if fr.matches.MatchString(v) {
			return fr.msg
		}
	}
	return ""
}

// splitter yields the parts of s between sep bytes without allocating.
type splitter struct {
	s    string
	sep  byte
	done bool
}

func (sp *splitter) next() (string, bool) {
	if sp.done {
		return "", false
	}
	if i := strings.IndexByte(sp.s, sp.sep); i >= 0 {
		part := sp.s[:i]
		sp.s = sp.s[i+1:]
		return part, true
	}
	sp.done = true
	return sp.s, true
}

// fieldSplitter yields the whitespace-separated tokens of s (CSP source lists).
type fieldSplitter struct{ s string }

func (fs *fieldSplitter) next() (string, bool) {
	i := 0
	for i < len(fs.s) && isSpace(fs.s[i]) {
		i++
	}
	if i == len(fs.s) {
		return "", false
	}
	j := i
	for j < len(fs.s) && !isSpace(fs.s[j]) {
		j++
	}
	tok := fs.s[i:j]
	fs.s = fs.s[j:]
	return tok, true
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' }

// trimOWS trims HTTP optional whitespace (and other ASCII space) from both ends.
func trimOWS(s string) string {
	for len(s) > 0 && isSpace(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isSpace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

func equalFoldAny(s string, list []string) bool {
	for _, l := range list {
		if strings.EqualFold(s, l) {
			return true
		}
	}
	return false
}

// containsFold reports whether s contains lowerSub (already lower case), ignoring ASCII case.
func containsFold(s, lowerSub string) bool {
	n := len(lowerSub)
	if n == 0 {
		return true
	}
outer:
	for i := 0; i+n <= len(s); i++ {
		for j := 0; j < n; j++ {
			c := s[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != lowerSub[j] {
				continue outer
			}
		}
		return true
	}
	return false
}
