package conformance

import (
	"strings"

	"github.com/seccheck/seccheck/specs"
)

// Content-Security-Policy (CSP Level 3) as DESIGN.md "Presets" reads it. Only the enforced
// header counts. Each header value is a comma-separated list of policies, and every policy
// applies, so a restriction in any one of them holds. Within a policy, directives are separated
// by ';', the first whitespace-separated token is the case-insensitive name, the rest are
// sources; a repeated directive is ignored (the first wins, as browsers do). Keywords such as
// 'unsafe-inline' compare case-insensitively as whole tokens.
const (
	msgCSPMissing      = "Content-Security-Policy missing"
	msgCSPReportOnly   = "Content-Security-Policy missing (Content-Security-Policy-Report-Only enforces nothing)"
	msgCSPEmpty        = "Content-Security-Policy has no non-empty policy"
	msgCSPNoScript     = "Content-Security-Policy restricts no scripts (no script-src, no default-src)"
	msgCSPInline       = "Content-Security-Policy allows inline script ('unsafe-inline' without a nonce, hash or 'strict-dynamic')"
	msgCSPWildcard     = "Content-Security-Policy allows scripts from '*' or a bare scheme"
	msgCSPUnsafeEval   = "Content-Security-Policy allows 'unsafe-eval' in script sources"
	msgCSPNoObjectNone = "Content-Security-Policy lacks object-src 'none' (or default-src 'none')"
)

type cspRule struct {
	allowInline   bool
	strictSources bool
	forbid        []cspForbid
	require       []cspRequire
}

type cspForbid struct {
	directive string // lower case; "*" for any directive
	token     string
	msg       string
}

type cspRequire struct {
	directive string
	msg       string
}

func compileCSPRule(r specs.HeaderRule) *cspRule {
	c := &cspRule{
		// Unset means disallowed: inline script is what CSP exists to stop.
		allowInline:   r.AllowInlineScript != nil && *r.AllowInlineScript,
		strictSources: r.StrictSources != nil && *r.StrictSources,
	}
	for _, dir := range sortedKeys(r.ForbidTokens) {
		for _, tok := range r.ForbidTokens[dir] {
			d := strings.ToLower(strings.TrimSpace(dir))
			where := " in " + d
			if d == "*" || d == "" {
				d, where = "*", ""
			}
			c.forbid = append(c.forbid, cspForbid{directive: d, token: tok,
				msg: "Content-Security-Policy has forbidden source " + tok + where})
		}
	}
	for _, dir := range r.RequireDirectives {
		d := strings.ToLower(strings.TrimSpace(dir))
		c.require = append(c.require, cspRequire{directive: d, msg: "Content-Security-Policy lacks " + d})
	}
	return c
}

func sortedKeys(m specs.ForbidTokens) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}

// policies yields each non-empty policy of a list of enforced CSP header values.
type policies struct {
	vs  []string
	cur splitter
	ok  bool
}

func (p *policies) next() (string, bool) {
	for {
		if p.ok {
			if pol, more := p.cur.next(); more {
				if trimOWS(pol) != "" && !onlySemicolons(pol) {
					return pol, true
				}
				continue
			}
		}
		if len(p.vs) == 0 {
			return "", false
		}
		p.cur, p.ok = splitter{s: p.vs[0], sep: ','}, true
		p.vs = p.vs[1:]
	}
}

func onlySemicolons(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != ';' && !isSpace(s[i]) {
			return false
		}
	}
	return true
}

// directive returns the source list of the first directive called name in policy.
func directive(policy, name string) (sources string, ok bool) {
	for sp := (splitter{s: policy, sep: ';'}); ; {
		d, more := sp.next()
		if !more {
			return "", false
		}
		d = trimOWS(d)
		i := 0
		for i < len(d) && !isSpace(d[i]) {
			i++
		}
		if i > 0 && strings.EqualFold(d[:i], name) {
			return d[i:], true
		}
	}
}

// scriptSources returns the directive governing scripts: script-src, else default-src.
func scriptSources(policy string) (string, bool) {
	if s, ok := directive(policy, "script-src"); ok {
		return s, true
	}
	return directive(policy, "default-src")
}

// effectiveSources returns the sources of dir, falling back to default-src for fetch
// directives (*-src) that the policy does not set.
func effectiveSources(policy, dir string) (string, bool) {
	if s, ok := directive(policy, dir); ok {
		return s, true
	}
	if strings.HasSuffix(dir, "-src") && dir != "default-src" {
		return directive(policy, "default-src")
	}
	return "", false
}

func hasSource(sources, keyword string) bool {
	for fs := (fieldSplitter{s: sources}); ; {
		tok, ok := fs.next()
		if !ok {
			return false
		}
		if strings.EqualFold(tok, keyword) {
			return true
		}
	}
}

// allowsInline reports whether a script source list lets inline script run.
func allowsInline(sources string) bool {
	unsafeInline := false
	for fs := (fieldSplitter{s: sources}); ; {
		tok, ok := fs.next()
		if !ok {
			return unsafeInline
		}
		switch {
		case strings.EqualFold(tok, "'unsafe-inline'"):
			unsafeInline = true
		case strings.EqualFold(tok, "'strict-dynamic'"), hasPrefixFold(tok, "'nonce-"),
			hasPrefixFold(tok, "'sha256-"), hasPrefixFold(tok, "'sha384-"), hasPrefixFold(tok, "'sha512-"):
			return false // browsers ignore 'unsafe-inline' next to these
		}
	}
}

// isBareScheme reports whether a source is a scheme alone ("https:", "data:").
func isBareScheme(tok string) bool {
	if len(tok) < 2 || tok[len(tok)-1] != ':' {
		return false
	}
	for i := 0; i < len(tok)-1; i++ {
		c := tok[i]
		alpha := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
		if !alpha && (i == 0 || !('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return false
		}
	}
	return true
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func (c *cspRule) check(vs []string) string {
	var (
		any, restricting, inlineEverywhere = false, false, true
		objectNone                         bool
	)
	for ps := (policies{vs: vs}); ; {
		pol, ok := ps.next()
		if !ok {
			break
		}
		any = true
		if src, ok := scriptSources(pol); ok {
			restricting = true
			if !allowsInline(src) {
				inlineEverywhere = false
			}
			if c.strictSources {
				for fs := (fieldSplitter{s: src}); ; {
					tok, ok := fs.next()
					if !ok {
						break
					}
					if tok == "*" || isBareScheme(tok) {
						return msgCSPWildcard
					}
					if strings.EqualFold(tok, "'unsafe-eval'") {
						return msgCSPUnsafeEval
					}
				}
			}
		}
		if obj, ok := directive(pol, "object-src"); ok {
			objectNone = objectNone || isNone(obj)
		} else if def, ok := directive(pol, "default-src"); ok {
			objectNone = objectNone || isNone(def)
		}
		for i := range c.forbid {
			if f := &c.forbid[i]; policyHasToken(pol, f.directive, f.token) {
				return f.msg
			}
		}
	}
	switch {
	case !any:
		return msgCSPEmpty
	case !c.allowInline && !restricting:
		return msgCSPNoScript
	case !c.allowInline && inlineEverywhere:
		return msgCSPInline
	case c.strictSources && !objectNone:
		return msgCSPNoObjectNone
	}
	for i := range c.require {
		if !anyPolicyHas(vs, c.require[i].directive) {
			return c.require[i].msg
		}
	}
	return ""
}

// isNone reports whether a source list is exactly 'none'.
func isNone(sources string) bool {
	fs := fieldSplitter{s: sources}
	tok, ok := fs.next()
	if !ok || !strings.EqualFold(tok, "'none'") {
		return false
	}
	_, more := fs.next()
	return !more
}

// policyHasToken reports whether token appears in dir's effective sources ("*": any directive).
func policyHasToken(pol, dir, token string) bool {
	if dir != "*" {
		src, ok := effectiveSources(pol, dir)
		return ok && hasSource(src, token)
	}
	for sp := (splitter{s: pol, sep: ';'}); ; {
		d, more := sp.next()
		if !more {
			return false
		}
		d = trimOWS(d)
		i := 0
		for i < len(d) && !isSpace(d[i]) {
			i++
		}
		if hasSource(d[i:], token) {
			return true
		}
	}
}

func anyPolicyHas(vs []string, dir string) bool {
	for ps := (policies{vs: vs}); ; {
		pol, ok := ps.next()
		if !ok {
			return false
		}
		if _, ok := directive(pol, dir); ok {
			return true
		}
	}
}

// frameAncestorsProtect reports whether an enforced policy sets frame-ancestors without '*' or
// a bare scheme, which supersedes X-Frame-Options in every current browser.
func frameAncestorsProtect(vs []string) bool {
	for ps := (policies{vs: vs}); ; {
		pol, ok := ps.next()
		if !ok {
			return false
		}
		src, ok := directive(pol, "frame-ancestors")
		if !ok {
			continue
		}
		safe := true
		for fs := (fieldSplitter{s: src}); ; {
			tok, ok := fs.next()
			if !ok {
				break
			}
			if tok == "*" || isBareScheme(tok) {
				safe = false
				break
			}
		}
		if safe {
			return true
		}
	}
}
