package conformance

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/seccheck/seccheck/specs"
)

// FuzzCheck feeds arbitrary header values and bodies through the recommended and strict-like
// rules and a user pattern: Check must never panic, and every body violation's offset must lie
// inside the body (exemplar excerpts are cut around it).
func FuzzCheck(f *testing.F) {
	for _, sig := range Catalogue {
		f.Add(200, "max-age=31536000; includeSubDomains", "default-src 'self'", "session=1; Secure", sig.Example)
	}
	f.Add(500, `max-age="99999999999999999999999"; includeSubDomains; includeSubDomains`, "script-src 'unsafe-inline', default-src *", "a=b; SameSite=None", "")
	f.Add(304, ";;;=", "'nonce-", "x=; Max-Age=-1; Expires=Thu, 01 Jan 1970 00:00:00 GMT", "Traceback (most recent call last):")
	checks := recommendedChecks()
	checks.Body.Forbid = []string{`DEBUG\s*=\s*True`, `(?i)secret[_-]?key`}
	checks.Headers.Require["Content-Security-Policy"] = specs.HeaderRule{
		Present: ptr(true), AllowInlineScript: ptr(false), StrictSources: ptr(true),
		ForbidTokens: specs.ForbidTokens{"*": {"'unsafe-eval'"}}, RequireDirectives: []string{"base-uri"},
	}
	c, err := Compile(checks, specs.Expect{Status: []specs.StatusMatcher{{Class: 2}, {Code: 304}}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, status int, hsts, csp, cookie, body string) {
		h := http.Header{
			"Strict-Transport-Security": {hsts, hsts},
			"Content-Security-Policy":   {csp},
			"Referrer-Policy":           {csp, hsts},
			"X-Frame-Options":           {cookie},
			"Set-Cookie":                {cookie, hsts},
			"Server":                    {body[:min(len(body), 40)]},
		}
		b := []byte(body)
		orig := bytes.Clone(b)
		vs := c.Check(&Response{Status: status, Header: h, Body: b}, nil)
		for _, v := range vs {
			if v.Rule == "" || v.Message == "" {
				t.Errorf("violation without rule or message: %+v", v)
			}
			if v.Offset > len(b) {
				t.Errorf("%s offset %d past the body's %d bytes", v.Rule, v.Offset, len(b))
			}
		}
		if !bytes.Equal(b, orig) {
			t.Errorf("Check modified the body")
		}
	})
}
