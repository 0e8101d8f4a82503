package conformance

import (
	"net/http"
	"strings"
	"testing"

	"github.com/seccheck/seccheck/specs"
)

func mustCompile(t testing.TB, c specs.Checks, e specs.Expect) *Checker {
	t.Helper()
	ch, err := Compile(c, e)
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

func TestCleanResponseHasNoViolations(t *testing.T) {
	ch := mustCompile(t, recommendedChecks(), specs.Expect{Status: []specs.StatusMatcher{{Class: 2}}})
	r := &Response{Status: 200, Header: cleanHeader(), Body: jsonBody2K(t), Credentialed: true}
	if got := ch.Check(r, nil); len(got) != 0 {
		t.Fatalf("clean response: got %+v", got)
	}
}

// TestCheckCleanAllocs proves a clean response costs no allocation: all recommended headers,
// a cookie with Expires and Max-Age, and a 2 KiB JSON body.
func TestCheckCleanAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under -race (sync.Pool drops items); run without -race")
	}
	ch := mustCompile(t, recommendedChecks(), specs.Expect{Status: []specs.StatusMatcher{{Class: 2}}})
	r := &Response{Status: 200, Header: cleanHeader(), Body: jsonBody2K(t), Credentialed: true}
	dst := make([]Violation, 0, 8)
	allocs := testing.AllocsPerRun(200, func() { dst = ch.Check(r, dst[:0]) })
	if allocs != 0 || len(dst) != 0 {
		t.Fatalf("clean Check: %v allocs per run, %d violations", allocs, len(dst))
	}
}

func TestRequired(t *testing.T) {
	c := recommendedChecks()
	c.Headers.Require["X-Xss-Protection"] = specs.HeaderRule{Present: ptr(false), Equals: "0"}
	ch := mustCompile(t, c, specs.Expect{})
	want := "content-security-policy referrer-policy strict-transport-security x-content-type-options x-frame-options"
	if got := strings.Join(ch.Required(), " "); got != want {
		t.Errorf("Required() = %q, want %q", got, want)
	}
}

func TestCompileErrors(t *testing.T) {
	cases := []struct {
		name string
		c    specs.Checks
	}{
		{"apply_to", specs.Checks{ApplyTo: "sometimes"}},
		{"leaks", specs.Checks{Body: specs.BodyChecks{Leaks: "all"}}},
		{"body regexp", specs.Checks{Body: specs.BodyChecks{Forbid: []string{"(unclosed"}}}},
		{"header regexp", specs.Checks{Headers: specs.HeaderChecks{Require: map[string]specs.HeaderRule{"Server": {Matches: "[a-"}}}}},
		{"forbid regexp", specs.Checks{Headers: specs.HeaderChecks{Forbid: []specs.ForbidRule{{Name: "Server", Matches: "*"}}}}},
		{"duplicate name", specs.Checks{Headers: specs.HeaderChecks{Require: map[string]specs.HeaderRule{"server": {}, "SERVER": {}}}}},
	}
	for _, tc := range cases {
		if _, err := Compile(tc.c, specs.Expect{}); err == nil {
			t.Errorf("%s: Compile(%+v) succeeded, want an error", tc.name, tc.c)
		}
	}
}

type checkCase struct {
	name   string
	status int
	header http.Header
	body   string
	cred   bool
	want   []string // "rule header kind" triples, in order
}

func runChecks(t *testing.T, ch *Checker, cases []checkCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status := tc.status
			if status == 0 {
				status = 200
			}
			r := &Response{Status: status, Header: tc.header, Body: []byte(tc.body), Credentialed: tc.cred}
			var got []string
			for _, v := range ch.Check(r, nil) {
				got = append(got, strings.Join(strings.Fields(v.Rule+" "+v.Header+" "+v.Kind), " "))
				if v.Message == "" {
					t.Errorf("violation %+v has no message", v)
				}
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("status %d headers %v body %q\nwant %q\ngot  %q", status, tc.header, tc.body, tc.want, got)
			}
		})
	}
}

// with returns cleanHeader with the given headers replaced (a nil value deletes).
func with(kv ...any) http.Header {
	h := cleanHeader()
	for i := 0; i < len(kv); i += 2 {
		k := kv[i].(string)
		switch v := kv[i+1].(type) {
		case nil:
			delete(h, k)
		case string:
			h[k] = []string{v}
		case []string:
			h[k] = v
		}
	}
	return h
}

func TestStatusAndApplyTo(t *testing.T) {
	c := recommendedChecks()
	c.ApplyTo = "errors"
	ch := mustCompile(t, c, specs.Expect{Status: []specs.StatusMatcher{{Code: 200}, {Class: 4}}})
	runChecks(t, ch, []checkCase{
		{name: "2xx not checked under apply_to errors", status: 200, header: http.Header{}, body: "Traceback (most recent call last):"},
		{name: "unexpected 201 reported even when not an error", status: 201, header: http.Header{}, want: []string{"status.unexpected"}},
		{name: "4xx expected but checked", status: 404, header: with("X-Powered-By", "Express"), want: []string{"header.forbidden x-powered-by"}},
		{name: "5xx unexpected and checked", status: 500, header: with("Strict-Transport-Security", nil),
			body: "Traceback (most recent call last):", want: []string{"status.unexpected", "header.missing strict-transport-security", "body.leak.python_traceback python_traceback"}},
	})
	chAll := mustCompile(t, recommendedChecks(), specs.Expect{})
	runChecks(t, chAll, []checkCase{
		{name: "no expectation: any status", status: 503, header: cleanHeader()},
		{name: "apply_to all checks 2xx", status: 200, header: with("X-Content-Type-Options", nil), want: []string{"header.missing x-content-type-options"}},
	})
}

func TestNonCanonicalHeaderKeys(t *testing.T) {
	ch := mustCompile(t, recommendedChecks(), specs.Expect{})
	h := http.Header{}
	for k, v := range cleanHeader() {
		h[strings.ToLower(k)] = v
	}
	runChecks(t, ch, []checkCase{
		{name: "lower-case keys", header: h},
		{name: "lower-case forbidden", header: func() http.Header { h := cleanHeader(); h["x-powered-by"] = []string{"PHP/8.2"}; return h }(),
			want: []string{"header.forbidden x-powered-by"}},
		{name: "same header under two spellings counts twice", header: func() http.Header {
			h := cleanHeader()
			h["strict-transport-security"] = []string{"max-age=63072000"}
			return h
		}(), want: []string{"header.value strict-transport-security"}},
	})
}

func TestGenericRules(t *testing.T) {
	c := specs.Checks{Preset: "none", Headers: specs.HeaderChecks{Require: map[string]specs.HeaderRule{
		"X-Content-Type-Options":       {Equals: "nosniff"},
		"Cache-Control":                {Contains: "no-store", OnlyWithCredentials: true},
		"Cross-Origin-Opener-Policy":   {OneOf: []string{"same-origin"}},
		"Cross-Origin-Resource-Policy": {OneOf: []string{"same-origin", "same-site"}, Single: ptr(true)},
		"X-Api-Version":                {Matches: `^v[0-9]+$`},
		"Permissions-Policy":           {Present: ptr(true)},
		"X-Xss-Protection":             {Present: ptr(false), Equals: "0"},
	}}}
	ch := mustCompile(t, c, specs.Expect{})
	base := func(kv ...string) http.Header {
		h := http.Header{
			"X-Content-Type-Options":       {"nosniff"},
			"Cache-Control":                {"private, no-store"},
			"Cross-Origin-Opener-Policy":   {"same-origin"},
			"Cross-Origin-Resource-Policy": {"same-site"},
			"X-Api-Version":                {"v2"},
			"Permissions-Policy":           {"camera=()"},
		}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == "<nil>" {
				delete(h, kv[i])
			} else {
				h[kv[i]] = strings.Split(kv[i+1], "\n")
			}
		}
		return h
	}
	runChecks(t, ch, []checkCase{
		{name: "all good", header: base(), cred: true},
		{name: "equals trimmed, case-insensitive", header: base("X-Content-Type-Options", "  NoSniff ")},
		{name: "equals wrong", header: base("X-Content-Type-Options", "sniff"), want: []string{"header.value x-content-type-options"}},
		{name: "equals repeated", header: base("X-Content-Type-Options", "nosniff\nnosniff"), want: []string{"header.value x-content-type-options"}},
		{name: "equals missing", header: base("X-Content-Type-Options", "<nil>"), want: []string{"header.missing x-content-type-options"}},
		{name: "contains case-insensitive", header: base("Cache-Control", "NO-STORE, max-age=0"), cred: true},
		{name: "contains in second instance", header: base("Cache-Control", "private\nno-store"), cred: true},
		{name: "contains fails with credentials", header: base("Cache-Control", "public, max-age=600"), cred: true, want: []string{"header.value cache-control"}},
		{name: "contains skipped without credentials", header: base("Cache-Control", "public, max-age=600")},
		{name: "credentialed rule missing", header: base("Cache-Control", "<nil>"), cred: true, want: []string{"header.missing cache-control"}},
		{name: "one_of case-insensitive", header: base("Cross-Origin-Opener-Policy", "Same-Origin")},
		{name: "one_of with structured parameter", header: base("Cross-Origin-Opener-Policy", `same-origin; report-to="coop"`)},
		{name: "one_of not listed", header: base("Cross-Origin-Opener-Policy", "same-origin-allow-popups"), want: []string{"header.value cross-origin-opener-policy"}},
		{name: "one_of empty value", header: base("Cross-Origin-Opener-Policy", " "), want: []string{"header.value cross-origin-opener-policy"}},
		{name: "one_of every token", header: base("Cross-Origin-Opener-Policy", "same-origin, unsafe-none"), want: []string{"header.value cross-origin-opener-policy"}},
		{name: "single repeated", header: base("Cross-Origin-Resource-Policy", "same-site\nsame-site"), want: []string{"header.value cross-origin-resource-policy"}},
		{name: "matches", header: base("X-Api-Version", "v2beta"), want: []string{"header.value x-api-version"}},
		{name: "present missing", header: base("Permissions-Policy", "<nil>"), want: []string{"header.missing permissions-policy"}},
		{name: "optional present and right", header: base("X-Xss-Protection", "0")},
		{name: "optional present and wrong", header: base("X-Xss-Protection", "1; mode=block"), want: []string{"header.value x-xss-protection"}},
	})
}

func TestForbidRules(t *testing.T) {
	ch := mustCompile(t, recommendedChecks(), specs.Expect{})
	runChecks(t, ch, []checkCase{
		{name: "server without version", header: with("Server", "nginx")},
		{name: "server with version", header: with("Server", "nginx/1.25.3"), want: []string{"header.forbidden server"}},
		{name: "second server value with version", header: with("Server", []string{"cloudflare", "Apache/2.4.1"}), want: []string{"header.forbidden server"}},
		{name: "x-powered-by any value", header: with("X-Powered-By", ""), want: []string{"header.forbidden x-powered-by"}},
		{name: "aspnet both", header: with("X-Aspnet-Version", "4.0.30319", "X-Aspnetmvc-Version", "5.2"),
			want: []string{"header.forbidden x-aspnet-version", "header.forbidden x-aspnetmvc-version"}},
	})
}
