package conformance

import (
	"net/http"
	"strings"
	"testing"

	"github.com/seccheck/seccheck/specs"
)

const probeOrigin = "https://seccheck-probe.invalid"

// corsChecks is recommended plus strict's CORS block.
func corsChecks() specs.Checks {
	c := recommendedChecks()
	c.Headers.CORS = &specs.CORSChecks{ForbidWildcardCredentials: ptr(true), ProbeOrigin: probeOrigin}
	return c
}

func TestCORSRules(t *testing.T) {
	type tc struct {
		name   string
		cors   *specs.CORSChecks
		origin string
		kv     []any // headers over cleanHeader, as for with
		status int
		want   []string // "rule header severity"
	}
	full := &specs.CORSChecks{ForbidWildcardCredentials: ptr(true), ProbeOrigin: probeOrigin}
	cases := []tc{
		{name: "no CORS headers", cors: full, origin: probeOrigin},
		{name: "fixed allow-list origin", cors: full, origin: probeOrigin,
			kv: []any{"Access-Control-Allow-Origin", "https://app.example.com", "Access-Control-Allow-Credentials", "true"}},
		{name: "wildcard without credentials", cors: full, origin: probeOrigin, kv: []any{"Access-Control-Allow-Origin", "*"}},
		{name: "wildcard with credentials false", cors: full, origin: probeOrigin,
			kv: []any{"Access-Control-Allow-Origin", "*", "Access-Control-Allow-Credentials", "false"}},
		{name: "wildcard with credentials", cors: full, origin: probeOrigin,
			kv:   []any{"Access-Control-Allow-Origin", "*", "Access-Control-Allow-Credentials", "true"},
			want: []string{"cors.wildcard_credentials access-control-allow-origin high"}},
		{name: "wildcard with credentials, padded and upper case", cors: full,
			kv:   []any{"Access-Control-Allow-Origin", " * ", "Access-Control-Allow-Credentials", " TRUE "},
			want: []string{"cors.wildcard_credentials access-control-allow-origin high"}},
		{name: "wildcard with credentials in a second instance", cors: full,
			kv:   []any{"Access-Control-Allow-Origin", "*", "Access-Control-Allow-Credentials", []string{"false", "true"}},
			want: []string{"cors.wildcard_credentials access-control-allow-origin high"}},
		{name: "wildcard with credentials, rule off", cors: &specs.CORSChecks{ForbidWildcardCredentials: ptr(false), ProbeOrigin: probeOrigin},
			kv: []any{"Access-Control-Allow-Origin", "*", "Access-Control-Allow-Credentials", "true"}},
		{name: "wildcard with credentials, no cors block", cors: nil,
			kv: []any{"Access-Control-Allow-Origin", "*", "Access-Control-Allow-Credentials", "true"}},
		{name: "reflected with credentials", cors: full, origin: probeOrigin,
			kv:   []any{"Access-Control-Allow-Origin", probeOrigin, "Access-Control-Allow-Credentials", "true"},
			want: []string{"cors.origin_reflected access-control-allow-origin high"}},
		{name: "reflected without credentials", cors: full, origin: probeOrigin,
			kv:   []any{"Access-Control-Allow-Origin", probeOrigin},
			want: []string{"cors.origin_reflected access-control-allow-origin medium"}},
		{name: "reflected, lower-case header keys", cors: full, origin: probeOrigin,
			kv:   []any{"access-control-allow-origin", probeOrigin, "access-control-allow-credentials", "true"},
			want: []string{"cors.origin_reflected access-control-allow-origin high"}},
		{name: "reflected, other value first", cors: full, origin: probeOrigin,
			kv:   []any{"Access-Control-Allow-Origin", []string{"https://app.example.com", probeOrigin}},
			want: []string{"cors.origin_reflected access-control-allow-origin medium"}},
		{name: "reflected on an error under apply_to all", cors: full, origin: probeOrigin, status: 500,
			kv:   []any{"Access-Control-Allow-Origin", probeOrigin, "Access-Control-Allow-Credentials", "true"},
			want: []string{"cors.origin_reflected access-control-allow-origin high"}},
		{name: "not exactly the origin (case)", cors: full, origin: probeOrigin,
			kv: []any{"Access-Control-Allow-Origin", "https://SECCHECK-probe.invalid", "Access-Control-Allow-Credentials", "true"}},
		{name: "not exactly the origin (trailing slash)", cors: full, origin: probeOrigin,
			kv: []any{"Access-Control-Allow-Origin", probeOrigin + "/"}},
		{name: "request sent no Origin", cors: full, origin: "",
			kv: []any{"Access-Control-Allow-Origin", probeOrigin, "Access-Control-Allow-Credentials", "true"}},
		{name: "reflection not probed: no probe_origin", cors: &specs.CORSChecks{ForbidWildcardCredentials: ptr(true)}, origin: "https://a.invalid",
			kv: []any{"Access-Control-Allow-Origin", "https://a.invalid", "Access-Control-Allow-Credentials", "true"}},
		{name: "both: a wildcard and the reflected origin", cors: full, origin: probeOrigin,
			kv:   []any{"Access-Control-Allow-Origin", []string{"*", probeOrigin}, "Access-Control-Allow-Credentials", "true"},
			want: []string{"cors.wildcard_credentials access-control-allow-origin high", "cors.origin_reflected access-control-allow-origin high"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			checks := recommendedChecks()
			checks.Headers.CORS = c.cors
			ch := mustCompile(t, checks, specs.Expect{})
			status := c.status
			if status == 0 {
				status = 200
			}
			r := &Response{Status: status, Header: with(c.kv...), Origin: c.origin}
			var got []string
			for _, v := range ch.Check(r, nil) {
				if v.Message == "" || v.Offset != -1 {
					t.Errorf("violation %+v: no message or an offset", v)
				}
				got = append(got, v.Rule+" "+v.Header+" "+v.Severity.String())
			}
			if strings.Join(got, "|") != strings.Join(c.want, "|") {
				t.Errorf("headers %v origin %q\nwant %q\ngot  %q", r.Header, c.origin, c.want, got)
			}
		})
	}
}

// TestCORSApplyToErrors: under apply_to errors a 2xx is not judged, CORS included.
func TestCORSApplyToErrors(t *testing.T) {
	c := corsChecks()
	c.ApplyTo = "errors"
	ch := mustCompile(t, c, specs.Expect{})
	h := with("Access-Control-Allow-Origin", probeOrigin)
	if got := ch.Check(&Response{Status: 200, Header: h, Origin: probeOrigin}, nil); len(got) != 0 {
		t.Errorf("2xx under apply_to errors: %+v", got)
	}
	if got := ch.Check(&Response{Status: 404, Header: h, Origin: probeOrigin}, nil); len(got) != 1 || got[0].Rule != RuleCORSOriginReflected {
		t.Errorf("404 under apply_to errors: %+v", got)
	}
}

// TestCheckCleanAllocsCORS: the CORS rules on, a probe Origin and an allow-list answer (with
// credentials) still cost no allocation.
func TestCheckCleanAllocsCORS(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under -race; run without -race")
	}
	ch := mustCompile(t, corsChecks(), specs.Expect{Status: []specs.StatusMatcher{{Class: 2}}})
	h := cleanHeader()
	h["Access-Control-Allow-Origin"] = []string{"https://app.example.com"}
	h["Access-Control-Allow-Credentials"] = []string{"true"}
	r := &Response{Status: 200, Header: h, Body: jsonBody2K(t), Credentialed: true, Origin: probeOrigin}
	dst := make([]Violation, 0, 8)
	allocs := testing.AllocsPerRun(200, func() { dst = ch.Check(r, dst[:0]) })
	if allocs != 0 || len(dst) != 0 {
		t.Fatalf("clean Check with CORS rules: %v allocs per run, %d violations %+v", allocs, len(dst), dst)
	}
	// A finding appends into dst's spare capacity: still no allocation.
	h["Access-Control-Allow-Origin"] = []string{probeOrigin}
	allocs = testing.AllocsPerRun(200, func() { dst = ch.Check(r, dst[:0]) })
	if allocs != 0 || len(dst) != 1 {
		t.Fatalf("reflected Check: %v allocs per run, %d violations", allocs, len(dst))
	}
}

// BenchmarkCheckCORS is BenchmarkCheck with strict's CORS rules on and a probe Origin.
func BenchmarkCheckCORS(b *testing.B) {
	ch, err := Compile(corsChecks(), specs.Expect{Status: []specs.StatusMatcher{{Class: 2}}})
	if err != nil {
		b.Fatal(err)
	}
	h := cleanHeader()
	h["Access-Control-Allow-Origin"] = []string{"https://app.example.com"}
	h[http.CanonicalHeaderKey("access-control-allow-credentials")] = []string{"true"}
	r := &Response{Status: 200, Header: h, Body: jsonBody2K(b), Credentialed: true, Origin: probeOrigin}
	dst := make([]Violation, 0, 8)
	b.ReportAllocs()
	b.SetBytes(int64(len(r.Body)))
	for i := 0; i < b.N; i++ {
		dst = ch.Check(r, dst[:0])
	}
}
