package conformance

import (
	"strings"
	"time"

	"github.com/seccheck/seccheck/specs"
)

// Cookie flags (RFC 6265 §5.2, RFC 6265bis SameSite). Every Set-Cookie except a deletion cookie
// (Max-Age ≤ 0, or no valid Max-Age and an Expires in the past) must carry the required flags.
// SameSite=None without Secure fails whenever cookies are checked: browsers reject such cookies,
// and older ones send them cross-site. One violation per missing flag and response, Kind naming
// the flag: "secure", "httponly" or "samesite".
const (
	CookieFlagSecure   = "secure"
	CookieFlagHTTPOnly = "httponly"
	CookieFlagSameSite = "samesite"

	msgCookieNoSecure     = "Set-Cookie without Secure"
	msgCookieNoneInsecure = "Set-Cookie with SameSite=None but without Secure"
	msgCookieNoHTTPOnly   = "Set-Cookie without HttpOnly"
)

type cookieRule struct {
	secure, httpOnly bool
	sameSite         []string
	msgSameSite      string
}

func compileCookieRule(c *specs.CookieChecks) *cookieRule {
	r := &cookieRule{
		secure:   c.Secure != nil && *c.Secure,
		httpOnly: c.HTTPOnly != nil && *c.HTTPOnly,
		sameSite: c.SameSite,
	}
	r.msgSameSite = "Set-Cookie SameSite missing or not one of " + strings.Join(c.SameSite, ", ")
	return r
}

// now is the clock that decides whether an Expires date is past.
var now = time.Now

func (r *cookieRule) check(vs []string, dst []Violation) []Violation {
	if len(vs) == 0 {
		return dst
	}
	var noSecure, noneInsecure, noHTTPOnly, badSameSite bool
	t := now()
	for _, v := range vs {
		c := parseSetCookie(v, t)
		if c.deletion {
			continue
		}
		noneInsecure = noneInsecure || strings.EqualFold(c.sameSite, "none") && !c.secure
		noSecure = noSecure || r.secure && !c.secure
		noHTTPOnly = noHTTPOnly || r.httpOnly && !c.httpOnly
		badSameSite = badSameSite || len(r.sameSite) > 0 && !equalFoldAny(c.sameSite, r.sameSite)
	}
	switch {
	case noneInsecure:
		dst = append(dst, Violation{Rule: RuleCookieFlags, Severity: SeverityMedium, Header: "set-cookie", Kind: CookieFlagSecure, Message: msgCookieNoneInsecure, Offset: -1})
	case noSecure:
		dst = append(dst, Violation{Rule: RuleCookieFlags, Severity: SeverityMedium, Header: "set-cookie", Kind: CookieFlagSecure, Message: msgCookieNoSecure, Offset: -1})
	}
	if noHTTPOnly {
		dst = append(dst, Violation{Rule: RuleCookieFlags, Severity: SeverityMedium, Header: "set-cookie", Kind: CookieFlagHTTPOnly, Message: msgCookieNoHTTPOnly, Offset: -1})
	}
	if badSameSite {
		dst = append(dst, Violation{Rule: RuleCookieFlags, Severity: SeverityMedium, Header: "set-cookie", Kind: CookieFlagSameSite, Message: r.msgSameSite, Offset: -1})
	}
	return dst
}

type setCookie struct {
	secure, httpOnly bool
	sameSite         string
	deletion         bool
}

// parseSetCookie reads the attributes that matter here; the last occurrence of an attribute
// wins, and a valid Max-Age takes precedence over Expires (RFC 6265 §5.3 step 3).
func parseSetCookie(v string, t time.Time) setCookie {
	var (
		c                  setCookie
		maxAgeSet, expired bool
		maxAge             int64
	)
	sp := splitter{s: v, sep: ';'}
	sp.next() // name=value
	for {
		a, ok := sp.next()
		if !ok {
			break
		}
		name, value := trimOWS(a), ""
		if i := strings.IndexByte(name, '='); i >= 0 {
			name, value = trimOWS(name[:i]), trimOWS(name[i+1:])
		}
		switch {
		case strings.EqualFold(name, "secure"):
			c.secure = true
		case strings.EqualFold(name, "httponly"):
			c.httpOnly = true
		case strings.EqualFold(name, "samesite"):
			c.sameSite = value
		case strings.EqualFold(name, "max-age"):
			if n, ok := parseMaxAge(value); ok {
				maxAge, maxAgeSet = n, true
			}
		case strings.EqualFold(name, "expires"):
			if e, ok := parseCookieDate(value); ok {
				expired = !e.After(t)
			}
		}
	}
	if maxAgeSet {
		c.deletion = maxAge <= 0
	} else {
		c.deletion = expired
	}
	return c
}

// parseMaxAge follows RFC 6265 §5.2.2: an optional '-' then digits; anything else is ignored.
func parseMaxAge(s string) (int64, bool) {
	neg := len(s) > 0 && s[0] == '-'
	if neg {
		s = s[1:]
	}
	n, ok := parseDelta(s, false)
	if neg {
		n = -n
	}
	return n, ok
}

// parseCookieDate implements RFC 6265 §5.1.1 without allocating: it accepts the formats
// servers actually send (RFC 1123, RFC 850, asctime, and variants) by finding a time, a day of
// month, a month name and a year among the tokens.
func parseCookieDate(s string) (time.Time, bool) {
	var (
		haveTime, haveDay, haveMonth, haveYear bool
		hour, minute, sec, day, year           int
		month                                  time.Month
	)
	for i := 0; i < len(s); {
		for i < len(s) && isDateDelimiter(s[i]) {
			i++
		}
		j := i
		for j < len(s) && !isDateDelimiter(s[j]) {
			j++
		}
		tok := s[i:j]
		i = j
		if tok == "" {
			continue
		}
		if !haveTime {
			if h, m, sc, ok := parseHMS(tok); ok {
				hour, minute, sec, haveTime = h, m, sc, true
				continue
			}
		}
		if !haveDay {
			if n, digits := leadingDigits(tok); digits >= 1 && digits <= 2 {
				day, haveDay = n, true
				continue
			}
		}
		if !haveMonth && len(tok) >= 3 {
			if m := monthOf(tok[:3]); m != 0 {
				month, haveMonth = m, true
				continue
			}
		}
		if !haveYear {
			if n, digits := leadingDigits(tok); digits >= 2 && digits <= 4 {
				year, haveYear = n, true
				continue
			}
		}
	}
	if !haveTime || !haveDay || !haveMonth || !haveYear {
		return time.Time{}, false
	}
	switch {
	case year >= 70 && year <= 99:
		year += 1900
	case year >= 0 && year <= 69:
		year += 2000
	}
	if day < 1 || day > 31 || year < 1601 || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	return time.Date(year, month, day, hour, minute, sec, 0, time.UTC), true
}

func isDateDelimiter(c byte) bool {
	return c == 0x09 || 0x20 <= c && c <= 0x2f || 0x3b <= c && c <= 0x40 || 0x5b <= c && c <= 0x60 || 0x7b <= c && c <= 0x7e
}

// leadingDigits returns the value of tok's leading digits and how many there are; a token
// with digits followed by more digits than allowed is rejected by the callers' count checks.
func leadingDigits(tok string) (n, digits int) {
	for digits < len(tok) && digits < 5 && '0' <= tok[digits] && tok[digits] <= '9' {
		n = n*10 + int(tok[digits]-'0')
		digits++
	}
	if digits < len(tok) && '0' <= tok[digits] && tok[digits] <= '9' {
		return 0, 0
	}
	return n, digits
}

// parseHMS parses 1*2DIGIT ":" 1*2DIGIT ":" 1*2DIGIT (then anything non-digit).
func parseHMS(tok string) (h, m, s int, ok bool) {
	var parts [3]int
	p, digits := 0, 0
	for i := 0; i < len(tok); i++ {
		c := tok[i]
		switch {
		case '0' <= c && c <= '9':
			if digits == 2 {
				return 0, 0, 0, false
			}
			parts[p] = parts[p]*10 + int(c-'0')
			digits++
		case c == ':' && p < 2 && digits > 0:
			p, digits = p+1, 0
		default:
			if p == 2 && digits > 0 {
				return parts[0], parts[1], parts[2], true
			}
			return 0, 0, 0, false
		}
	}
	return parts[0], parts[1], parts[2], p == 2 && digits > 0
}

var months = [12]string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}

func monthOf(s string) time.Month {
	for i, m := range months {
		if strings.EqualFold(s, m) {
			return time.Month(i + 1)
		}
	}
	return 0
}
