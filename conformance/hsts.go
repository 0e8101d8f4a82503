package conformance

import (
	"math"
	"strings"
)

// Strict-Transport-Security (RFC 6797 §6.1) as DESIGN.md "Presets" reads it: exactly one header;
// directives split on ';' (empty ones allowed), names case-insensitive tokens, values a token or
// a quoted-string; max-age a non-negative decimal integer (too large for int64 counts as very
// large), required and > 0; includeSubDomains and preload take no value; a repeated directive or
// one that does not parse fails the header; unknown directives are ignored.
const (
	msgHSTSRepeated  = "Strict-Transport-Security sent more than once"
	msgHSTSMalformed = "Strict-Transport-Security has a directive that does not parse"
	msgHSTSDuplicate = "Strict-Transport-Security repeats a directive"
	msgHSTSNoMaxAge  = "Strict-Transport-Security lacks max-age"
	msgHSTSZero      = "Strict-Transport-Security max-age=0 turns HSTS off"
	msgHSTSShort     = "Strict-Transport-Security max-age is below the required minimum"
	msgHSTSNoSub     = "Strict-Transport-Security lacks includeSubDomains"
	msgHSTSNoPreload = "Strict-Transport-Security lacks preload"
)

// maxHSTSDirectives bounds the directives remembered for the duplicate check; more fail.
const maxHSTSDirectives = 16

type hstsRule struct {
	minMaxAge         int64 // ≥ 1
	includeSubdomains bool
	preload           bool
}

// hsts is one parsed header.
type hsts struct {
	maxAge            int64
	hasMaxAge         bool
	includeSubdomains bool
	preload           bool
}

func (r hstsRule) check(vs []string) string {
	if len(vs) != 1 {
		return msgHSTSRepeated
	}
	h, msg := parseHSTS(vs[0])
	switch {
	case msg != "":
		return msg
	case !h.hasMaxAge:
		return msgHSTSNoMaxAge
	case h.maxAge == 0:
		return msgHSTSZero
	case h.maxAge < r.minMaxAge:
		return msgHSTSShort
	case r.includeSubdomains && !h.includeSubdomains:
		return msgHSTSNoSub
	case r.preload && !h.preload:
		return msgHSTSNoPreload
	}
	return ""
}

// parseHSTS parses one header value; msg is non-empty when it is malformed.
func parseHSTS(v string) (h hsts, msg string) {
	var names [maxHSTSDirectives]string
	n := 0
	for sp := (splitter{s: v, sep: ';'}); ; {
		d, ok := sp.next()
		if !ok {
			break
		}
		if d = trimOWS(d); d == "" {
			continue
		}
		name, value, hasValue := d, "", false
		if i := strings.IndexByte(d, '='); i >= 0 {
			name, value, hasValue = trimOWS(d[:i]), trimOWS(d[i+1:]), true
		}
		if !isToken(name) {
			return h, msgHSTSMalformed
		}
		for _, prev := range names[:n] {
			if strings.EqualFold(prev, name) {
				return h, msgHSTSDuplicate
			}
		}
		if n == len(names) {
			return h, msgHSTSMalformed
		}
		names[n] = name
		n++
		quoted := false
		if hasValue {
			if len(value) > 0 && value[0] == '"' {
				inner, ok := quotedString(value)
				if !ok {
					return h, msgHSTSMalformed
				}
				value, quoted = inner, true
			} else if !isToken(value) {
				return h, msgHSTSMalformed
			}
		}
		switch {
		case strings.EqualFold(name, "max-age"):
			age, ok := parseDelta(value, quoted)
			if !hasValue || !ok {
				return h, msgHSTSMalformed
			}
			h.maxAge, h.hasMaxAge = age, true
		case strings.EqualFold(name, "includeSubDomains"):
			if hasValue {
				return h, msgHSTSMalformed
			}
			h.includeSubdomains = true
		case strings.EqualFold(name, "preload"):
			if hasValue {
				return h, msgHSTSMalformed
			}
			h.preload = true
		}
	}
	return h, ""
}

// parseDelta parses a non-negative decimal integer; a value beyond int64 saturates at MaxInt64.
// In a quoted-string a backslash escapes the next byte.
func parseDelta(s string, quoted bool) (int64, bool) {
	var n int64
	digits := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if quoted && c == '\\' && i+1 < len(s) {
			i++
			c = s[i]
		}
		if c < '0' || c > '9' {
			return 0, false
		}
		digits++
		d := int64(c - '0')
		if n > (math.MaxInt64-d)/10 {
			n = math.MaxInt64
		} else if n != math.MaxInt64 {
			n = n*10 + d
		}
	}
	return n, digits > 0
}

// quotedString returns the inside of a quoted-string that spans all of s (escapes left in).
func quotedString(s string) (string, bool) {
	if len(s) < 2 || s[0] != '"' {
		return "", false
	}
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			i++
		case c == '"':
			return s[1:i], i == len(s)-1
		case c < 0x20 && c != '\t' || c == 0x7f:
			return "", false
		}
	}
	return "", false
}

// isToken reports whether s is a non-empty RFC 9110 token.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}
