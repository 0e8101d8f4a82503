package specs

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestExamplesParse(t *testing.T) {
	files, _ := filepath.Glob("examples/*.yaml")
	if len(files) < 2 {
		t.Fatalf("want at least smoke.yaml and release.yaml, got %v", files)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(string(data), "# yaml-language-server: $schema=../schema.json\n") {
				t.Errorf("%s does not start with the yaml-language-server schema comment", f)
			}
			s, err := Parse(f, data, env())
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(s.Target.URL, "http://127.0.0.1:") {
				t.Errorf("by default an example must aim at 127.0.0.1, got %s", s.Target.URL)
			}
		})
	}
}

func TestSmokeExample(t *testing.T) {
	s, err := Load("examples/smoke.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Plan().String(); got != "5 endpoints, 1 phase, ~50 requests over 5s" {
		t.Errorf("plan: %s", got)
	}
	want := map[string]string{
		"list-items": "GET /api/items", "health": "GET /api/health", "secure": "GET /api/secure",
		"secure-without-token": "GET /api/secure", "login-malformed-json": "POST /api/login",
	}
	for _, ep := range s.Endpoints {
		if want[ep.Name] != ep.Method+" "+ep.Path {
			t.Errorf("endpoint %s: %s %s", ep.Name, ep.Method, ep.Path)
		}
	}
	if c := s.Endpoints[2].Credentials(s.Auth); c == nil || c.Bearer == "" {
		t.Errorf("secure must carry the bearer token")
	}
	if c := s.Endpoints[3].Credentials(s.Auth); c != nil {
		t.Errorf("secure-without-token must carry no credentials")
	}
}

func TestDefaults(t *testing.T) {
	dir := t.TempDir()
	s, err := Parse(filepath.Join(dir, "orders.yaml"), []byte(head+"  - path: /x\n  - {method: post, path: /y}\n"), env())
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "orders" {
		t.Errorf("name defaults to the file's base name, got %q", s.Name)
	}
	ep := s.Endpoints[0]
	if ep.Method != DefaultMethod || ep.Weight != DefaultWeight || ep.Name != "GET /x" {
		t.Errorf("endpoint defaults: %+v", ep)
	}
	if s.Endpoints[1].Method != "POST" || s.Endpoints[1].Name != "POST /y" {
		t.Errorf("method is upper-cased and the name follows: %+v", s.Endpoints[1])
	}
	if s.Target.Timeout != DefaultTimeout || s.Target.MaxBody != DefaultMaxBody {
		t.Errorf("target defaults: %+v", s.Target)
	}
	if s.Load.MaxWorkers != DefaultMaxWorkers {
		t.Errorf("max_workers: %d", s.Load.MaxWorkers)
	}
	if !reflect.DeepEqual(s.Load.Phases, []Phase{DefaultPhase}) || DefaultPhase.Duration.D() != 10*time.Second || DefaultPhase.Rate != 10 {
		t.Errorf("phases: %+v", s.Load.Phases)
	}
	e := ep.Effective
	if e.Preset != DefaultPreset || e.ApplyTo != DefaultApplyTo || e.Body.Leaks != DefaultLeaks {
		t.Errorf("effective defaults: %+v", e)
	}
	if s.Dir != dir || s.File != filepath.Join(dir, "orders.yaml") || len(s.Hash) != 64 {
		t.Errorf("file fields: %q %q %q", s.File, s.Dir, s.Hash)
	}
}

func TestFilesResolve(t *testing.T) {
	dir := specDir(t)
	spec := "version: 1\ntarget: {url: 'http://127.0.0.1/', ca_file: cert.pem, client_cert: cert.pem, client_key: key.pem}\nendpoints:\n  - {method: POST, path: /x, body_file: body.json}\n"
	s, err := Parse(filepath.Join(dir, "s.yaml"), []byte(spec), env())
	if err != nil {
		t.Fatal(err)
	}
	if s.Target.CAFile != filepath.Join(dir, "cert.pem") || s.Target.ClientKey != filepath.Join(dir, "key.pem") {
		t.Errorf("paths are not absolute: %+v", s.Target)
	}
	if s.Endpoints[0].Body != `{"a":1}` || s.Endpoints[0].BodyFile != filepath.Join(dir, "body.json") {
		t.Errorf("body_file not loaded: %+v", s.Endpoints[0])
	}
	if s.Target.URL != "http://127.0.0.1" {
		t.Errorf("trailing slash kept: %s", s.Target.URL)
	}
}

func TestSeveralErrorsReportedTogether(t *testing.T) {
	spec := `version: 2
target:
  url: ftp://127.0.0.1
  timeout: soon
endpoints:
  - path: nope
    weight: 0
  - {method: FETCH, path: /x}
load:
  phases:
    - {duration: 1s, rate: 5, concurrency: 2}
  max_workers: 0
checks:
  preset: paranoid
thresholds:
  latency_p99: 'below 1s'
`
	_, err := Parse("many.yaml", []byte(spec), env())
	got := positions(t, err)
	want := []string{
		"1:10: unsupported version 2: this seccheck reads version 1",
		`3:8: target.url: scheme must be http or https, got "ftp"`,
		`4:12: target.timeout: invalid duration "soon": use Go syntax such as 30s, 2m or 1h30m`,
		`6:11: endpoints[0].path: "nope" must start with "/"`,
		"7:13: endpoints[0].weight must be at least 1",
		`8:14: endpoints[1].method: "FETCH" is not one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, TRACE`,
		"11:31: load.phases[0]: a phase has rate (open model) or concurrency (closed model), not both",
		"12:16: load.max_workers must be at least 1",
		`14:11: checks.preset: unknown value "paranoid" (use recommended, strict, none)`,
		`16:16: thresholds.latency_p99: invalid threshold "below 1s": start with one of < <= > >= == != (e.g. "<= 0.1%", "< 800ms")`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !strings.HasPrefix(err.Error(), "many.yaml:1:10: unsupported version") || strings.Count(err.Error(), "\n") != len(want)-1 {
		t.Errorf("Error() joins FILE:LINE:COL lines:\n%v", err)
	}
}

func TestErrorsCapped(t *testing.T) {
	var b strings.Builder
	b.WriteString(head)
	for range 30 {
		b.WriteString("  - path: x\n")
	}
	_, err := Parse("cap.yaml", []byte(b.String()), env())
	got := positions(t, err)
	if len(got) != MaxErrors || got[0] != `4:11: endpoints[0].path: "x" must start with "/"` {
		t.Errorf("got %d errors, first %q", len(got), got[0])
	}
}

func TestInterpolation(t *testing.T) {
	spec := `version: 1
name: ${NAME:-fallback}
target: {url: '${URL}', headers: {X-Literal: '$${NOT_A_VAR}'}}
endpoints:
  - path: /x/${ID}
    body: '{"k":"${EMPTY:-d}"}'
load:
  phases: [{duration: '${DUR:-2s}', rate: '${RATE}'}]
`
	s, err := Parse("i.yaml", []byte(spec), env("URL", "http://127.0.0.1:9", "ID", "42", "EMPTY", "", "RATE", "7.5"))
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "fallback" || s.Target.URL != "http://127.0.0.1:9" || s.Endpoints[0].Path != "/x/42" {
		t.Errorf("interpolated: %q %q %q", s.Name, s.Target.URL, s.Endpoints[0].Path)
	}
	if s.Target.Headers["X-Literal"] != "${NOT_A_VAR}" {
		t.Errorf("$${ escape: %q", s.Target.Headers["X-Literal"])
	}
	if s.Endpoints[0].Body != `{"k":"d"}` {
		t.Errorf(":- takes the default when the variable is empty: %q", s.Endpoints[0].Body)
	}
	if s.Load.Phases[0].Duration.D() != 2*time.Second || s.Load.Phases[0].Rate != 7.5 {
		t.Errorf("typed values interpolate: %+v", s.Load.Phases[0])
	}
	// url, path and name are not secrets; the body's substituted value is, but is too short.
	for _, sec := range s.Secrets {
		if sec == "http://127.0.0.1:9" || sec == "42" || sec == "fallback" {
			t.Errorf("%q recorded as a secret", sec)
		}
	}
}

func TestMissingVariableNamed(t *testing.T) {
	_, err := Parse("m.yaml", []byte(head+"  - path: /x\nauth: {bearer: '${API_TOKEN}'}\n"), env())
	got := positions(t, err)
	want := "5:16: auth.bearer: environment variable API_TOKEN is not set (set it, or write ${API_TOKEN:-default})"
	if len(got) != 1 || got[0] != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestSecretsRecorded(t *testing.T) {
	dir := specDir(t)
	if err := os.WriteFile(filepath.Join(dir, "b.json"), []byte(`{"key":"${BODY_KEY}"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	spec := `version: 1
target:
  url: http://${HOST}:8080
  headers: {X-Tenant: '${TENANT}', User-Agent: plain-agent}
auth: {basic: {user: svc-user, password: '${PW}'}}
endpoints:
  - path: /a
    headers: {X-Sig: 'sig-${SIG}'}
    body: '{"t":"${BODY_TOKEN}"}'
  - path: /b
    body_file: b.json
    auth: {header: {name: X-API-Key, value: literal-key}}
  - path: /c
    auth: {bearer: literal-bearer}
`
	s, err := Parse(filepath.Join(dir, "s.yaml"), []byte(spec), env("HOST", "127.0.0.1", "TENANT", "tenant-7",
		"PW", "hunter22", "SIG", "s1g-value", "BODY_TOKEN", "body-token", "BODY_KEY", "file-key"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"tenant-7", "svc-user", "hunter22", basicSecret("svc-user", "hunter22"), "s1g-value",
		"body-token", "literal-key", "literal-bearer", "file-key"}
	for _, w := range want {
		if !contains(s.Secrets, w) {
			t.Errorf("secret %q not recorded; Secrets = %q", w, s.Secrets)
		}
	}
	for _, no := range []string{"127.0.0.1", "plain-agent", "X-API-Key", "sig-s1g-value"} {
		if contains(s.Secrets, no) {
			t.Errorf("%q must not be a secret", no)
		}
	}
	r := s.Redactor()
	if got := r.String("Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte("svc-user:hunter22"))); got != "Authorization: Basic [REDACTED]" {
		t.Errorf("basic form: %s", got)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestSecretsNeverInErrors puts secrets where errors quote values and checks no error shows one.
func TestSecretsNeverInErrors(t *testing.T) {
	const secret = "s3cr3t-from-env"
	cases := map[string]string{
		"header secret, unrelated error":          head + "  - path: /x\n    headers: {X-Key: '${SECRET}'}\n    weight: 0\n",
		"secret in a bad method":                  head + "  - {path: /x, method: '${SECRET}', headers: {X-K: '${SECRET}'}}\n",
		"auth literal quoted by an error":         head + "  - path: /x\n    name: s3cr3t-from-env\n    auth: {bearer: s3cr3t-from-env}\n  - {name: s3cr3t-from-env, path: /y}\n",
		"basic password in a wrong place":         head + "  - path: /x\nauth: {basic: {user: u, password: '${SECRET}'}, bearer: x}\n",
		"secret as a header value with a newline": head + "  - path: /x\n    headers: {X-K: \"${SECRET}\\n\"}\n",
		"body secret and a bad status":            head + "  - path: /x\n    body: 'tok=${SECRET}'\n    expect: {status: ['${SECRET}']}\n",
		"auth value as an auth word":              head + "  - path: /x\n    auth: s3cr3t-from-env\n",
	}
	for name, spec := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Parse("s.yaml", []byte(spec), env("SECRET", secret))
			if err == nil {
				t.Fatal("want an error")
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("secret in error:\n%v", err)
			}
		})
	}
}

func TestAuthForms(t *testing.T) {
	spec := head + `  - {path: /none, auth: none}
  - {path: /own, auth: {header: {name: X-Key, value: abcd}}}
  - path: /inherit
auth: {bearer: tok-1234}
`
	s, err := Parse("a.yaml", []byte(spec), env())
	if err != nil {
		t.Fatal(err)
	}
	if s.Endpoints[0].Credentials(s.Auth) != nil {
		t.Error("auth: none sends nothing")
	}
	if c := s.Endpoints[1].Credentials(s.Auth); c == nil || c.Header == nil || c.Header.Value != "abcd" {
		t.Errorf("own auth: %+v", c)
	}
	if c := s.Endpoints[2].Credentials(s.Auth); c == nil || c.Bearer != "tok-1234" {
		t.Errorf("inherited auth: %+v", c)
	}
}
