package conformance

import (
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/seccheck/seccheck/specs"
)

func ptr[T any](v T) *T { return &v }

// recommendedChecks builds, by hand, the checks DESIGN.md "Presets" describes as recommended
// (specs owns the real preset data; conformance only consumes specs.Checks).
func recommendedChecks() specs.Checks {
	return specs.Checks{
		Preset:  "recommended",
		ApplyTo: "all",
		Headers: specs.HeaderChecks{
			Require: map[string]specs.HeaderRule{
				"Strict-Transport-Security": {MinMaxAge: ptr(int64(31536000)), IncludeSubdomains: ptr(true)},
				"Content-Security-Policy":   {Present: ptr(true), AllowInlineScript: ptr(false)},
				"X-Frame-Options":           {OneOf: []string{"DENY", "SAMEORIGIN"}},
				"X-Content-Type-Options":    {Equals: "nosniff"},
				"Referrer-Policy":           {OneOf: []string{"no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"}},
			},
			Forbid: []specs.ForbidRule{
				{Name: "X-Powered-By"}, {Name: "X-AspNet-Version"}, {Name: "X-AspNetMvc-Version"},
				{Name: "Server", Matches: "[0-9]"},
			},
		},
		Body:    specs.BodyChecks{Leaks: "builtin"},
		Cookies: &specs.CookieChecks{Secure: ptr(true), HTTPOnly: ptr(true), SameSite: []string{"Lax", "Strict"}},
	}
}

// cleanHeader is a response that passes recommendedChecks, as a well-configured server sends it.
func cleanHeader() http.Header {
	return http.Header{
		"Content-Type":              {"application/json; charset=utf-8"},
		"Content-Length":            {"2048"},
		"Date":                      {"Thu, 02 May 2024 10:14:31 GMT"},
		"Server":                    {"nginx"},
		"Strict-Transport-Security": {"max-age=63072000; includeSubDomains; preload"},
		"Content-Security-Policy":   {"default-src 'self'; script-src 'self' 'nonce-r4nd0m'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"},
		"X-Frame-Options":           {"DENY"},
		"X-Content-Type-Options":    {"nosniff"},
		"Referrer-Policy":           {"strict-origin-when-cross-origin"},
		"Cache-Control":             {"no-store"},
		"Vary":                      {"Accept-Encoding", "Origin"},
		"X-Request-Id":              {"7f3a2c1e-9b4d-4e21-8a6f-0c2d1b3e4f5a"},
		"Set-Cookie":                {"session=eyJhbGciOiJIUzI1NiJ9.e30.ZRrHA1JJJW8opsbCGfG_HACGpVUMN_a9IV7pAx_Zmeo; Path=/; Expires=Fri, 03 May 2124 10:14:31 GMT; Max-Age=86400; Secure; HttpOnly; SameSite=Lax"},
	}
}

// corpus returns the clean corpus concatenated (sorted by name) and cut to n bytes.
func corpus(tb testing.TB, n int) []byte {
	tb.Helper()
	files, err := filepath.Glob("testdata/clean/*")
	if err != nil {
		tb.Fatal(err)
	}
	sort.Strings(files)
	var b []byte
	for len(b) < n {
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				tb.Fatal(err)
			}
			b = append(b, data...)
		}
	}
	return b[:n]
}

// jsonBody2K is a 2 KiB JSON API body (the start of the GitHub issues fixture, closed off).
func jsonBody2K(tb testing.TB) []byte {
	tb.Helper()
	data, err := os.ReadFile("testdata/clean/github_issues.json")
	if err != nil {
		tb.Fatal(err)
	}
	s := string(data[:2040])
	s = s[:strings.LastIndex(s, "\n")] + "\n}]"
	for len(s) < 2048 {
		s += " "
	}
	return []byte(s)
}
