package conformance

import (
	"strings"

	"github.com/seccheck/seccheck/specs"
)

const (
	hdrACAO      = "Access-Control-Allow-Origin"
	hdrACAC      = "Access-Control-Allow-Credentials"
	lowerACAO    = "access-control-allow-origin"
	msgCORSWild  = "Access-Control-Allow-Origin: * with Access-Control-Allow-Credentials: true"
	msgReflected = "Access-Control-Allow-Origin reflects the request's foreign Origin"
	msgReflCreds = msgReflected + ", with Access-Control-Allow-Credentials: true"
)

// corsRule is the compiled checks.headers.cors. Its two rules read two headers together, and
// the second needs the request's Origin (Response.Origin), so neither is a headerRule.
type corsRule struct {
	forbidWildcardCredentials bool
	// reflection is on when the spec has a probe_origin: the requests carry a foreign Origin
	// that no allow-list should echo.
	reflection bool
}

func compileCORSRule(c *specs.CORSChecks) corsRule {
	if c == nil {
		return corsRule{}
	}
	return corsRule{
		forbidWildcardCredentials: c.ForbidWildcardCredentials != nil && *c.ForbidWildcardCredentials,
		reflection:                c.ProbeOrigin != "",
	}
}

func (cr corsRule) on() bool { return cr.forbidWildcardCredentials || cr.reflection }

// check appends at most one violation per rule. Any Access-Control-Allow-Origin instance counts
// (a repeated header is itself broken, but the intent it shows is what is judged); credentials
// are on when some Access-Control-Allow-Credentials instance is `true` (trimmed, any case).
func (cr corsRule) check(hv headerView, origin string, dst []Violation) []Violation {
	acao := hv.values(hdrACAO)
	if len(acao) == 0 {
		return dst
	}
	wildcard, reflected := false, false
	for _, v := range acao {
		v = trimOWS(v)
		if v == "*" {
			wildcard = true
		} else if origin != "" && v == origin {
			reflected = true
		}
	}
	if !wildcard && !(reflected && cr.reflection) {
		return dst
	}
	creds := false
	for _, v := range hv.values(hdrACAC) {
		if strings.EqualFold(trimOWS(v), "true") {
			creds = true
			break
		}
	}
	if wildcard && creds && cr.forbidWildcardCredentials {
		dst = append(dst, Violation{Rule: RuleCORSWildcardCredentials, Severity: SeverityHigh, Header: lowerACAO, Message: msgCORSWild, Offset: -1})
	}
	if reflected && cr.reflection {
		// With credentials any site reads the user's authenticated responses (high); without,
		// any site reads what the endpoint serves to anonymous requests from the victim's
		// network position (medium).
		v := Violation{Rule: RuleCORSOriginReflected, Severity: SeverityMedium, Header: lowerACAO, Message: msgReflected, Offset: -1}
		if creds {
			v.Severity, v.Message = SeverityHigh, msgReflCreds
		}
		dst = append(dst, v)
	}
	return dst
}
