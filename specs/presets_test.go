package specs

import (
	"reflect"
	"slices"
	"testing"
	"time"
)

func TestPresets(t *testing.T) {
	rec, ok := Preset("recommended")
	if !ok {
		t.Fatal("no recommended preset")
	}
	hsts := rec.Headers.Require["Strict-Transport-Security"]
	if hsts.MinMaxAge == nil || *hsts.MinMaxAge != 31536000 || !is(hsts.IncludeSubdomains) || !is(hsts.Single) {
		t.Errorf("HSTS: %+v", hsts)
	}
	csp := rec.Headers.Require["Content-Security-Policy"]
	if !is(csp.Present) || csp.AllowInlineScript == nil || *csp.AllowInlineScript {
		t.Errorf("CSP: %+v", csp)
	}
	if r := rec.Headers.Require["X-Content-Type-Options"]; r.Equals != "nosniff" || !is(r.Single) {
		t.Errorf("XCTO: %+v", r)
	}
	if r := rec.Headers.Require["X-Frame-Options"]; !slices.Equal(r.OneOf, []string{"DENY", "SAMEORIGIN"}) || !is(r.Single) {
		t.Errorf("XFO: %+v", r)
	}
	if r := rec.Headers.Require["Referrer-Policy"]; len(r.OneOf) != 4 {
		t.Errorf("Referrer-Policy: %+v", r)
	}
	if len(rec.Headers.Require) != 5 {
		t.Errorf("recommended requires %d headers, want 5", len(rec.Headers.Require))
	}
	wantForbid := []ForbidRule{{Name: "X-Powered-By"}, {Name: "X-Aspnet-Version"}, {Name: "X-Aspnetmvc-Version"}, {Name: "Server", Matches: "[0-9]"}}
	if !reflect.DeepEqual(rec.Headers.Forbid, wantForbid) {
		t.Errorf("forbid: %+v", rec.Headers.Forbid)
	}
	if rec.Body.Leaks != "builtin" || rec.Cookies == nil || !is(rec.Cookies.Secure) || !is(rec.Cookies.HTTPOnly) || !slices.Equal(rec.Cookies.SameSite, []string{"Lax", "Strict"}) {
		t.Errorf("body/cookies: %+v %+v", rec.Body, rec.Cookies)
	}

	strict, _ := Preset("strict")
	for name, r := range rec.Headers.Require { // strict includes recommended
		if name == "Content-Security-Policy" {
			continue
		}
		if !reflect.DeepEqual(strict.Headers.Require[name], r) {
			t.Errorf("strict %s = %+v, want recommended's %+v", name, strict.Headers.Require[name], r)
		}
	}
	for _, f := range rec.Headers.Forbid {
		if !slices.Contains(strict.Headers.Forbid, f) {
			t.Errorf("strict lacks forbid %+v", f)
		}
	}
	scsp := strict.Headers.Require["Content-Security-Policy"]
	if !is(scsp.StrictSources) || !slices.Equal(scsp.ForbidTokens["script-src"], []string{"'unsafe-eval'"}) || !slices.Equal(scsp.RequireDirectives, []string{"base-uri"}) {
		t.Errorf("strict CSP: %+v", scsp)
	}
	if r := strict.Headers.Require["Cache-Control"]; r.Contains != "no-store" || !r.OnlyWithCredentials {
		t.Errorf("strict Cache-Control: %+v", r)
	}
	if r := strict.Headers.Require["Cross-Origin-Opener-Policy"]; r.Equals != "same-origin" {
		t.Errorf("COOP: %+v", r)
	}
	if r := strict.Headers.Require["Cross-Origin-Resource-Policy"]; !slices.Equal(r.OneOf, []string{"same-origin", "same-site"}) {
		t.Errorf("CORP: %+v", r)
	}
	if r := strict.Headers.Require["Permissions-Policy"]; !is(r.Present) {
		t.Errorf("Permissions-Policy: %+v", r)
	}
	if !slices.Contains(strict.Headers.Forbid, ForbidRule{Name: "X-Xss-Protection", Matches: `^\s*[^0\s]`}) ||
		!slices.Contains(strict.Headers.Forbid, ForbidRule{Name: "X-Debug-Token"}) || !slices.Contains(strict.Headers.Forbid, ForbidRule{Name: "X-Runtime"}) {
		t.Errorf("strict forbid: %+v", strict.Headers.Forbid)
	}

	none, _ := Preset("none")
	if len(none.Headers.Require) != 0 || len(none.Headers.Forbid) != 0 || none.Body.Leaks != "none" || none.Cookies != nil {
		t.Errorf("none: %+v", none)
	}
	if _, ok := Preset("paranoid"); ok {
		t.Error("unknown preset found")
	}
	// A copy: changing it does not change the preset.
	rec.Headers.Require["X-Frame-Options"] = HeaderRule{}
	*hsts.MinMaxAge = 1
	again, _ := Preset("recommended")
	if len(again.Headers.Require["X-Frame-Options"].OneOf) != 2 || *again.Headers.Require["Strict-Transport-Security"].MinMaxAge != 31536000 {
		t.Error("Preset returned shared state")
	}
}

func is(b *bool) bool { return b != nil && *b }

func TestMergeChecks(t *testing.T) {
	base, _ := Preset("recommended")
	over := Checks{
		ApplyTo: "errors",
		Headers: HeaderChecks{
			Require: map[string]HeaderRule{
				"strict-transport-security": {MinMaxAge: ptr(int64(600))}, // field-wise
				"x-frame-options":           {Present: ptr(false)},        // removed
				"cache-control":             {Contains: "no-store"},       // added
			},
			Forbid: []ForbidRule{{Name: "x-powered-by"}, {Name: "X-Debug"}},
		},
		Body:    BodyChecks{Forbid: []string{"Traceback"}},
		Cookies: &CookieChecks{SameSite: []string{"Strict"}},
	}
	m := MergeChecks(base, over)
	hsts := m.Headers.Require["Strict-Transport-Security"]
	if *hsts.MinMaxAge != 600 || !is(hsts.IncludeSubdomains) || !is(hsts.Single) {
		t.Errorf("HSTS merged field-wise: %+v", hsts)
	}
	if _, ok := m.Headers.Require["X-Frame-Options"]; ok {
		t.Error("present: false removes the requirement")
	}
	if m.Headers.Require["Cache-Control"].Contains != "no-store" {
		t.Error("Cache-Control added")
	}
	if len(m.Headers.Forbid) != 5 || m.Headers.Forbid[4] != (ForbidRule{Name: "X-Debug"}) {
		t.Errorf("forbid union: %+v", m.Headers.Forbid)
	}
	if m.ApplyTo != "errors" || m.Body.Leaks != "builtin" || !slices.Equal(m.Body.Forbid, []string{"Traceback"}) {
		t.Errorf("apply_to/leaks/body: %+v", m)
	}
	if !is(m.Cookies.Secure) || !slices.Equal(m.Cookies.SameSite, []string{"Strict"}) {
		t.Errorf("cookies field-wise: %+v", m.Cookies)
	}
	if b2, _ := Preset("recommended"); !reflect.DeepEqual(base, b2) {
		t.Error("MergeChecks modified base")
	}
}

func TestEffectiveChecks(t *testing.T) {
	spec := head + `  - path: /a
  - path: /b
    checks:
      preset: strict
      headers: {require: {X-Extra: {present: true}}}
  - path: /c
    checks: {preset: none, body: {leaks: builtin}}
checks:
  headers:
    require:
      x-content-type-options: {single: false}
  body: {forbid: [AsyncGeneratorContextManager]}
`
	s, err := Parse("e.yaml", []byte(spec), env())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Checks.Headers.Require["X-Content-Type-Options"]; !ok {
		t.Errorf("spec's own require keys are canonical: %v", s.Checks.Headers.Require)
	}
	a, b, c := s.Endpoints[0].Effective, s.Endpoints[1].Effective, s.Endpoints[2].Effective
	if a.Preset != "recommended" || is(a.Headers.Require["X-Content-Type-Options"].Single) || a.Headers.Require["X-Content-Type-Options"].Equals != "nosniff" {
		t.Errorf("a: %+v", a.Headers.Require["X-Content-Type-Options"])
	}
	if b.Preset != "strict" || b.Headers.Require["Permissions-Policy"].Present == nil || b.Headers.Require["X-Extra"].Present == nil || !slices.Equal(b.Body.Forbid, []string{"AsyncGeneratorContextManager"}) {
		t.Errorf("b: %+v", b)
	}
	if _, ok := a.Headers.Require["X-Extra"]; ok {
		t.Error("an endpoint's checks leaked into another endpoint")
	}
	if c.Preset != "none" || c.Body.Leaks != "builtin" || len(c.Headers.Require) != 1 {
		t.Errorf("c: %+v", c)
	}
}

func TestPlan(t *testing.T) {
	sec := func(n int) Duration { return Duration(time.Duration(n) * time.Second) }
	cases := []struct {
		name   string
		phases []Phase
		want   Plan
		str    string
	}{
		{"constant", []Phase{{Duration: sec(30), Rate: 20}}, Plan{Endpoints: 3, Phases: 1, Requests: 600, Duration: 30 * time.Second}, "3 endpoints, 1 phase, ~600 requests over 30s"},
		{"ramp", []Phase{{Duration: sec(30), Rate: 20}, {Duration: sec(60), Rate: 20, RampTo: 120}},
			Plan{Endpoints: 3, Phases: 2, Requests: 600 + 4200, Duration: 90 * time.Second}, "3 endpoints, 2 phases, ~4,800 requests over 1m30s"},
		{"closed", []Phase{{Duration: sec(30), Rate: 20}, {Duration: sec(120), Concurrency: 5}},
			Plan{Endpoints: 3, Phases: 2, Requests: -1, Duration: 150 * time.Second}, "3 endpoints, 2 phases, 2m30s, requests depend on the target"},
		{"fractional", []Phase{{Duration: sec(3), Rate: 0.5}}, Plan{Endpoints: 3, Phases: 1, Requests: 2, Duration: 3 * time.Second}, "3 endpoints, 1 phase, ~2 requests over 3s"},
	}
	for _, tc := range cases {
		s := &Spec{Endpoints: make([]Endpoint, 3), Load: LoadPlan{Phases: tc.phases}}
		got := s.Plan()
		if got != tc.want || got.String() != tc.str {
			t.Errorf("%s: Plan() = %+v %q, want %+v %q", tc.name, got, got.String(), tc.want, tc.str)
		}
	}
	one := Plan{Endpoints: 1, Phases: 1, Requests: 1, Duration: time.Hour}
	if one.String() != "1 endpoint, 1 phase, ~1 request over 1h" {
		t.Errorf("singular: %s", one)
	}
	if thousands(1234567) != "1,234,567" || thousands(999) != "999" || thousands(1000) != "1,000" {
		t.Error("thousands")
	}
}

func TestCORSChecks(t *testing.T) {
	t.Run("presets", func(t *testing.T) {
		strict, _ := Preset("strict")
		if c := strict.Headers.CORS; c == nil || !is(c.ForbidWildcardCredentials) || c.ProbeOrigin != "https://seccheck-probe.invalid" {
			t.Errorf("strict cors: %+v", c)
		}
		for _, name := range []string{"recommended", "none"} {
			if p, _ := Preset(name); p.Headers.CORS != nil {
				t.Errorf("%s sets cors: %+v", name, p.Headers.CORS)
			}
		}
		strict.Headers.CORS.ProbeOrigin = "https://changed.invalid"
		*strict.Headers.CORS.ForbidWildcardCredentials = false
		if again, _ := Preset("strict"); again.Headers.CORS.ProbeOrigin != "https://seccheck-probe.invalid" || !is(again.Headers.CORS.ForbidWildcardCredentials) {
			t.Error("Preset returned shared cors state")
		}
	})

	wild := func(b bool) *CORSChecks { return &CORSChecks{ForbidWildcardCredentials: ptr(b)} }
	merges := []struct {
		name       string
		base, over *CORSChecks
		want       *CORSChecks
	}{
		{"neither", nil, nil, nil},
		{"base only", &CORSChecks{ForbidWildcardCredentials: ptr(true), ProbeOrigin: "https://a.invalid"}, nil,
			&CORSChecks{ForbidWildcardCredentials: ptr(true), ProbeOrigin: "https://a.invalid"}},
		{"over only", nil, &CORSChecks{ProbeOrigin: "https://b.invalid"}, &CORSChecks{ProbeOrigin: "https://b.invalid"}},
		{"over's set origin wins, base's flag kept", &CORSChecks{ForbidWildcardCredentials: ptr(true), ProbeOrigin: "https://a.invalid"},
			&CORSChecks{ProbeOrigin: "https://b.invalid"}, &CORSChecks{ForbidWildcardCredentials: ptr(true), ProbeOrigin: "https://b.invalid"}},
		{"over turns the flag off, base's origin kept", &CORSChecks{ForbidWildcardCredentials: ptr(true), ProbeOrigin: "https://a.invalid"},
			wild(false), &CORSChecks{ForbidWildcardCredentials: ptr(false), ProbeOrigin: "https://a.invalid"}},
		{"empty over changes nothing", wild(true), &CORSChecks{}, wild(true)},
	}
	for _, tc := range merges {
		t.Run("merge "+tc.name, func(t *testing.T) {
			base := Checks{Headers: HeaderChecks{CORS: tc.base}}
			before := cloneChecks(base)
			got := MergeChecks(base, Checks{Headers: HeaderChecks{CORS: tc.over}}).Headers.CORS
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
			if !reflect.DeepEqual(base, before) {
				t.Error("MergeChecks modified base")
			}
			if got != nil && got == tc.base {
				t.Error("MergeChecks shares base's cors block")
			}
		})
	}

	decodes := []struct {
		name    string
		yaml    string
		want    []*CORSChecks // Effective cors per endpoint
		checksC *CORSChecks   // spec.Checks.Headers.CORS as decoded
	}{
		{"recommended has none", "  - path: /a\n", []*CORSChecks{nil}, nil},
		{"strict sets both", "  - path: /a\nchecks: {preset: strict}\n",
			[]*CORSChecks{{ForbidWildcardCredentials: ptr(true), ProbeOrigin: "https://seccheck-probe.invalid"}}, nil},
		{"global block on recommended", "  - path: /a\nchecks: {headers: {cors: {probe_origin: 'http://evil.invalid:8443'}}}\n",
			[]*CORSChecks{{ProbeOrigin: "http://evil.invalid:8443"}}, &CORSChecks{ProbeOrigin: "http://evil.invalid:8443"}},
		{"endpoint overrides strict's origin and turns the flag off", "  - path: /a\n  - path: /b\n    checks: {headers: {cors: {forbid_wildcard_credentials: false, probe_origin: '${PROBE}'}}}\nchecks: {preset: strict}\n",
			[]*CORSChecks{
				{ForbidWildcardCredentials: ptr(true), ProbeOrigin: "https://seccheck-probe.invalid"},
				{ForbidWildcardCredentials: ptr(false), ProbeOrigin: "https://probe.invalid"},
			}, nil},
	}
	for _, tc := range decodes {
		t.Run("decode "+tc.name, func(t *testing.T) {
			s, err := Parse("c.yaml", []byte(head+tc.yaml), env("PROBE", "https://probe.invalid"))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(s.Checks.Headers.CORS, tc.checksC) {
				t.Errorf("checks.headers.cors = %+v, want %+v", s.Checks.Headers.CORS, tc.checksC)
			}
			for i, want := range tc.want {
				if got := s.Endpoints[i].Effective.Headers.CORS; !reflect.DeepEqual(got, want) {
					t.Errorf("endpoint %d: effective cors %+v, want %+v", i, got, want)
				}
			}
		})
	}
}
