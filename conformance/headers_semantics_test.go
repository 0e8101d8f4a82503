package conformance

import (
	"net/http"
	"testing"
	"time"

	"github.com/seccheck/seccheck/specs"
)

func only(name string, r specs.HeaderRule) specs.Checks {
	return specs.Checks{Preset: "none", Body: specs.BodyChecks{Leaks: "none"},
		Headers: specs.HeaderChecks{Require: map[string]specs.HeaderRule{name: r}}}
}

func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

func TestHSTS(t *testing.T) {
	ch := mustCompile(t, only("strict-transport-security", specs.HeaderRule{MinMaxAge: ptr(int64(31536000)), IncludeSubdomains: ptr(true)}), specs.Expect{})
	const sts = "Strict-Transport-Security"
	bad := []string{"header.value strict-transport-security"}
	runChecks(t, ch, []checkCase{
		{name: "canonical", header: hdr(sts, "max-age=31536000; includeSubDomains")},
		{name: "names case-insensitive", header: hdr(sts, "MAX-AGE=31536000;INCLUDESUBDOMAINS")},
		{name: "quoted max-age", header: hdr(sts, `max-age="63072000"; includeSubDomains`)},
		{name: "spaces around =", header: hdr(sts, "max-age = 63072000 ; includeSubDomains")},
		{name: "empty directives and trailing ;", header: hdr(sts, ";max-age=63072000;; includeSubDomains;")},
		{name: "unknown directive ignored", header: hdr(sts, "max-age=63072000; includeSubDomains; preload; report-uri=x")},
		{name: "overflow is very large", header: hdr(sts, "max-age=99999999999999999999999999; includeSubDomains")},
		{name: "missing", header: hdr(), want: []string{"header.missing strict-transport-security"}},
		{name: "max-age=0", header: hdr(sts, "max-age=0; includeSubDomains"), want: bad},
		{name: "max-age short", header: hdr(sts, "max-age=86400; includeSubDomains"), want: bad},
		{name: "no includeSubDomains", header: hdr(sts, "max-age=63072000"), want: bad},
		{name: "no max-age", header: hdr(sts, "includeSubDomains"), want: bad},
		{name: "negative", header: hdr(sts, "max-age=-1; includeSubDomains"), want: bad},
		{name: "plus sign", header: hdr(sts, "max-age=+63072000; includeSubDomains"), want: bad},
		{name: "empty max-age", header: hdr(sts, "max-age=; includeSubDomains"), want: bad},
		{name: "unterminated quote", header: hdr(sts, `max-age="63072000; includeSubDomains`), want: bad},
		{name: "duplicate max-age", header: hdr(sts, "max-age=63072000; max-age=63072000; includeSubDomains"), want: bad},
		{name: "duplicate differing case", header: hdr(sts, "max-age=63072000; includeSubDomains; INCLUDESUBDOMAINS"), want: bad},
		{name: "includeSubDomains with value", header: hdr(sts, "max-age=63072000; includeSubDomains=yes"), want: bad},
		{name: "comma-joined (two headers folded)", header: hdr(sts, "max-age=63072000; includeSubDomains, max-age=1"), want: bad},
		{name: "two headers", header: hdr(sts, "max-age=63072000; includeSubDomains", sts, "max-age=63072000; includeSubDomains"), want: bad},
		{name: "garbage", header: hdr(sts, "max age 1 year"), want: bad},
	})
	pre := mustCompile(t, only(sts, specs.HeaderRule{Preload: ptr(true)}), specs.Expect{})
	runChecks(t, pre, []checkCase{
		{name: "preload present, default min is 1", header: hdr(sts, "max-age=1; preload")},
		{name: "preload missing", header: hdr(sts, "max-age=63072000"), want: bad},
		{name: "max-age=0 fails without min_max_age", header: hdr(sts, "max-age=0; preload"), want: bad},
	})
}

func TestCSP(t *testing.T) {
	const csp, ro = "Content-Security-Policy", "Content-Security-Policy-Report-Only"
	ch := mustCompile(t, only(csp, specs.HeaderRule{Present: ptr(true), AllowInlineScript: ptr(false)}), specs.Expect{})
	bad := []string{"header.value content-security-policy"}
	runChecks(t, ch, []checkCase{
		{name: "self", header: hdr(csp, "default-src 'self'")},
		{name: "script-src nonce beats unsafe-inline", header: hdr(csp, "script-src 'self' 'unsafe-inline' 'nonce-abc123'")},
		{name: "hash beats unsafe-inline", header: hdr(csp, "script-src 'unsafe-inline' 'sha256-B2yPHKaXnvFWtRChIbabYmUBFZdVfKKXHbWtWidDVF8='")},
		{name: "strict-dynamic beats unsafe-inline", header: hdr(csp, "script-src 'unsafe-inline' 'strict-dynamic' https:")},
		{name: "keyword case-insensitive", header: hdr(csp, "SCRIPT-SRC 'UNSAFE-INLINE'"), want: bad},
		{name: "unsafe-inline", header: hdr(csp, "default-src 'self'; script-src 'self' 'unsafe-inline'"), want: bad},
		{name: "default-src governs without script-src", header: hdr(csp, "default-src 'self' 'unsafe-inline'; img-src *"), want: bad},
		{name: "script-src overrides default-src", header: hdr(csp, "default-src 'unsafe-inline'; script-src 'self'")},
		{name: "unsafe-hashes is not unsafe-inline", header: hdr(csp, "script-src 'self' 'unsafe-hashes' 'wasm-unsafe-eval'")},
		{name: "second policy in same header restricts", header: hdr(csp, "script-src 'unsafe-inline', script-src 'self'")},
		{name: "second header restricts", header: hdr(csp, "script-src 'unsafe-inline'", csp, "default-src 'self'")},
		{name: "every policy allows inline", header: hdr(csp, "script-src 'unsafe-inline'", csp, "default-src * 'unsafe-inline'"), want: bad},
		{name: "non-script policy does not help", header: hdr(csp, "script-src 'unsafe-inline'", csp, "frame-ancestors 'none'"), want: bad},
		{name: "no script restriction", header: hdr(csp, "frame-ancestors 'none'; img-src 'self'"), want: bad},
		{name: "duplicate directive: first wins", header: hdr(csp, "script-src 'unsafe-inline'; script-src 'self'"), want: bad},
		{name: "empty", header: hdr(csp, " "), want: bad},
		{name: "only semicolons and commas", header: hdr(csp, ";, ;"), want: bad},
		{name: "report-only never satisfies", header: hdr(ro, "default-src 'self'"), want: []string{"header.missing content-security-policy"}},
		{name: "report-only alongside weak enforced", header: hdr(ro, "default-src 'self'", csp, "script-src 'unsafe-inline'"), want: bad},
		{name: "missing", header: hdr(), want: []string{"header.missing content-security-policy"}},
	})

	strict := mustCompile(t, only(csp, specs.HeaderRule{StrictSources: ptr(true), RequireDirectives: []string{"base-uri"},
		ForbidTokens: specs.ForbidTokens{"script-src": {"'unsafe-eval'"}, "*": {"data:"}}}), specs.Expect{})
	runChecks(t, strict, []checkCase{
		{name: "strict ok", header: hdr(csp, "default-src 'none'; script-src 'self' 'nonce-x'; base-uri 'none'")},
		{name: "object-src none with default-src self", header: hdr(csp, "default-src 'self'; object-src 'none'; base-uri 'self'")},
		{name: "object-src none in second policy", header: hdr(csp, "default-src 'self'; base-uri 'self', object-src 'none'")},
		{name: "wildcard script source", header: hdr(csp, "default-src 'none'; script-src *; base-uri 'none'"), want: bad},
		{name: "bare scheme script source", header: hdr(csp, "default-src 'none'; script-src https:; base-uri 'none'"), want: bad},
		{name: "host with scheme is fine", header: hdr(csp, "default-src 'none'; script-src https://cdn.example.com; base-uri 'none'")},
		{name: "unsafe-eval", header: hdr(csp, "default-src 'none'; script-src 'self' 'unsafe-eval'; base-uri 'none'"), want: bad},
		{name: "unsafe-eval via default-src fallback", header: hdr(csp, "default-src 'self' 'unsafe-eval'; object-src 'none'; base-uri 'none'"), want: bad},
		{name: "wasm-unsafe-eval allowed", header: hdr(csp, "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; base-uri 'none'")},
		{name: "object-src missing", header: hdr(csp, "default-src 'self'; base-uri 'none'"), want: bad},
		{name: "object-src none plus more is not none", header: hdr(csp, "default-src 'self'; object-src 'none' https:; base-uri 'none'"), want: bad},
		{name: "base-uri missing", header: hdr(csp, "default-src 'none'"), want: bad},
		{name: "forbidden token anywhere", header: hdr(csp, "default-src 'none'; img-src data:; base-uri 'none'"), want: bad},
	})

	allowInline := mustCompile(t, only(csp, specs.HeaderRule{AllowInlineScript: ptr(true)}), specs.Expect{})
	runChecks(t, allowInline, []checkCase{
		{name: "allow_inline_script true: inline and no script restriction accepted", header: hdr(csp, "frame-ancestors 'none'")},
	})
}

func TestXFrameOptions(t *testing.T) {
	const xfo, csp, ro = "X-Frame-Options", "Content-Security-Policy", "Content-Security-Policy-Report-Only"
	ch := mustCompile(t, only(xfo, specs.HeaderRule{OneOf: []string{"DENY", "SAMEORIGIN"}}), specs.Expect{})
	bad := []string{"header.value x-frame-options"}
	runChecks(t, ch, []checkCase{
		{name: "DENY", header: hdr(xfo, "DENY")},
		{name: "sameorigin trimmed lower", header: hdr(xfo, "  sameorigin ")},
		{name: "ALLOW-FROM", header: hdr(xfo, "ALLOW-FROM https://example.com"), want: bad},
		{name: "two headers", header: hdr(xfo, "DENY", xfo, "DENY"), want: bad},
		{name: "comma list", header: hdr(xfo, "DENY, SAMEORIGIN"), want: bad},
		{name: "missing", header: hdr(), want: []string{"header.missing x-frame-options"}},
		{name: "frame-ancestors none replaces it", header: hdr(csp, "frame-ancestors 'none'")},
		{name: "frame-ancestors self excuses an invalid XFO", header: hdr(csp, "default-src 'self'; frame-ancestors 'self' https://partner.example.com", xfo, "ALLOWALL")},
		{name: "frame-ancestors in second policy", header: hdr(csp, "default-src 'self', frame-ancestors 'self'")},
		{name: "frame-ancestors *", header: hdr(csp, "frame-ancestors *"), want: []string{"header.missing x-frame-options"}},
		{name: "frame-ancestors bare scheme", header: hdr(csp, "frame-ancestors https:", xfo, "ALLOWALL"), want: bad},
		{name: "report-only frame-ancestors does not count", header: hdr(ro, "frame-ancestors 'none'"), want: []string{"header.missing x-frame-options"}},
	})
}

func TestReferrerPolicy(t *testing.T) {
	const rp = "Referrer-Policy"
	ch := mustCompile(t, only(rp, specs.HeaderRule{}), specs.Expect{}) // defaults to the four safe values
	bad := []string{"header.value referrer-policy"}
	runChecks(t, ch, []checkCase{
		{name: "single", header: hdr(rp, "no-referrer")},
		{name: "case-insensitive", header: hdr(rp, "Strict-Origin-When-Cross-Origin")},
		{name: "fallback list, last known wins", header: hdr(rp, "no-referrer, strict-origin-when-cross-origin")},
		{name: "unknown last token skipped", header: hdr(rp, "same-origin, some-future-policy")},
		{name: "last known token is unsafe", header: hdr(rp, "no-referrer, unsafe-url"), want: bad},
		{name: "across headers in order", header: hdr(rp, "strict-origin", rp, "no-referrer-when-downgrade"), want: bad},
		{name: "across headers, safe last", header: hdr(rp, "unsafe-url", rp, "same-origin")},
		{name: "empty", header: hdr(rp, ""), want: bad},
		{name: "no known token", header: hdr(rp, "nope, never"), want: bad},
		{name: "missing", header: hdr(), want: []string{"header.missing referrer-policy"}},
	})
}

func TestCookies(t *testing.T) {
	c := specs.Checks{Preset: "none", Body: specs.BodyChecks{Leaks: "none"},
		Cookies: &specs.CookieChecks{Secure: ptr(true), HTTPOnly: ptr(true), SameSite: []string{"Lax", "Strict"}}}
	ch := mustCompile(t, c, specs.Expect{})
	now = func() time.Time { return time.Date(2024, 5, 2, 12, 0, 0, 0, time.UTC) }
	defer func() { now = time.Now }()
	const sc = "Set-Cookie"
	runChecks(t, ch, []checkCase{
		{name: "all flags", header: hdr(sc, "id=1; Path=/; Secure; HttpOnly; SameSite=Lax")},
		{name: "flags case-insensitive", header: hdr(sc, "id=1; secure; HTTPONLY; samesite=strict")},
		{name: "no secure", header: hdr(sc, "id=1; HttpOnly; SameSite=Lax"), want: []string{"cookie.flags set-cookie secure"}},
		{name: "no httponly", header: hdr(sc, "id=1; Secure; SameSite=Lax"), want: []string{"cookie.flags set-cookie httponly"}},
		{name: "no samesite", header: hdr(sc, "id=1; Secure; HttpOnly"), want: []string{"cookie.flags set-cookie samesite"}},
		{name: "samesite none not allowed", header: hdr(sc, "id=1; Secure; HttpOnly; SameSite=None"), want: []string{"cookie.flags set-cookie samesite"}},
		{name: "nothing", header: hdr(sc, "id=1"), want: []string{"cookie.flags set-cookie secure", "cookie.flags set-cookie httponly", "cookie.flags set-cookie samesite"}},
		{name: "one bad of two, flags reported once", header: hdr(sc, "a=1; Secure; HttpOnly; SameSite=Lax", sc, "b=2; HttpOnly; SameSite=Lax", sc, "c=3; HttpOnly; SameSite=Lax"), want: []string{"cookie.flags set-cookie secure"}},
		{name: "deletion by Max-Age=0", header: hdr(sc, "id=; Max-Age=0")},
		{name: "deletion by negative Max-Age", header: hdr(sc, "id=; Max-Age=-1")},
		{name: "deletion by past Expires", header: hdr(sc, "id=; Expires=Thu, 01 Jan 1970 00:00:00 GMT")},
		{name: "past Expires, RFC 850 form", header: hdr(sc, "id=; expires=Sunday, 06-Nov-94 08:49:37 GMT")},
		{name: "past Expires, asctime form", header: hdr(sc, "id=; Expires=Sun Nov  6 08:49:37 1994")},
		{name: "future Expires is not deletion", header: hdr(sc, "id=1; Expires=Fri, 03 May 2024 10:00:00 GMT"), want: []string{"cookie.flags set-cookie secure", "cookie.flags set-cookie httponly", "cookie.flags set-cookie samesite"}},
		{name: "Max-Age wins over past Expires", header: hdr(sc, "id=1; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=3600; HttpOnly; SameSite=Lax"), want: []string{"cookie.flags set-cookie secure"}},
		{name: "invalid Max-Age ignored", header: hdr(sc, "id=1; Max-Age=soon; HttpOnly; SameSite=Lax"), want: []string{"cookie.flags set-cookie secure"}},
		{name: "unparseable Expires is not deletion", header: hdr(sc, "id=1; Expires=yesterday; Secure; SameSite=Lax"), want: []string{"cookie.flags set-cookie httponly"}},
	})

	loose := mustCompile(t, specs.Checks{Preset: "none", Body: specs.BodyChecks{Leaks: "none"}, Cookies: &specs.CookieChecks{}}, specs.Expect{})
	runChecks(t, loose, []checkCase{
		{name: "nothing required", header: hdr(sc, "id=1")},
		{name: "SameSite=None without Secure always fails", header: hdr(sc, "id=1; SameSite=None"), want: []string{"cookie.flags set-cookie secure"}},
		{name: "SameSite=None with Secure", header: hdr(sc, "id=1; SameSite=None; Secure")},
		{name: "deleting a None cookie is fine", header: hdr(sc, "id=; SameSite=None; Max-Age=0")},
	})
}

func TestParseCookieDate(t *testing.T) {
	want := time.Date(1994, 11, 6, 8, 49, 37, 0, time.UTC)
	for _, s := range []string{"Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994", "6 nov 1994 8:49:37"} {
		got, ok := parseCookieDate(s)
		if !ok || !got.Equal(want) {
			t.Errorf("parseCookieDate(%q) = %v, %v; want %v", s, got, ok, want)
		}
	}
	for _, s := range []string{"", "tomorrow", "Sun, 32 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 25:49:37 GMT", "06 Nov 1500 08:49:37"} {
		if got, ok := parseCookieDate(s); ok {
			t.Errorf("parseCookieDate(%q) = %v, want failure", s, got)
		}
	}
}

func TestBodyPatterns(t *testing.T) {
	c := specs.Checks{Preset: "none", Body: specs.BodyChecks{Leaks: "none", Forbid: []string{
		"AsyncGeneratorContextManager", `internal-[0-9]+\.corp`, `(?i)debug mode`, `^ERR`}}}
	ch := mustCompile(t, c, specs.Expect{})
	runChecks(t, ch, []checkCase{
		{name: "clean", header: hdr(), body: `{"ok":true}`},
		{name: "literal", header: hdr(), body: `x '_AsyncGeneratorContextManager' y`, want: []string{"body.pattern AsyncGeneratorContextManager"}},
		{name: "literal prefix then class", header: hdr(), body: `host internal-.corp internal-12.corp`, want: []string{`body.pattern internal-[0-9]+\.corp`}},
		{name: "prefix present but no match", header: hdr(), body: `internal-x.corp`},
		{name: "case-insensitive pattern runs the regexp", header: hdr(), body: `Running in DEBUG MODE`, want: []string{"body.pattern (?i)debug mode"}},
		{name: "anchored pattern", header: hdr(), body: `xERR`},
		{name: "anchored pattern at start", header: hdr(), body: `ERR 42`, want: []string{"body.pattern ^ERR"}},
	})
	r := &Response{Status: 200, Header: hdr(), Body: []byte("0123456789 internal-7.corp")}
	if v := ch.Check(r, nil); len(v) != 1 || v[0].Offset != 11 {
		t.Errorf("offset: got %+v, want one violation at 11", v)
	}
	for _, tc := range []struct{ src, prefix, required string }{
		{"AsyncGeneratorContextManager", "AsyncGeneratorContextManager", ""},
		{`internal-[0-9]+\.corp`, "internal-", ""},
		{`(?i)debug mode`, "", ""},
		{`^secret_[a-z]+_key`, "", "secret_"},
		{`[a-z]+password=`, "", "password="},
	} {
		p, err := compileBodyPattern(tc.src)
		if err != nil {
			t.Fatal(err)
		}
		if string(p.prefix) != tc.prefix || string(p.required) != tc.required {
			t.Errorf("%s: prefix %q required %q, want %q %q", tc.src, p.prefix, p.required, tc.prefix, tc.required)
		}
	}
}
