package cli

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestValidateExamples(t *testing.T) {
	paths, err := filepath.Glob("../../specs/examples/*.yaml")
	if err != nil || len(paths) < 3 {
		t.Fatalf("examples: %v %v", paths, err)
	}
	planLine := regexp.MustCompile(`^\d+ endpoints?, \d+ phases?, `)
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			f, out, errOut := testFactory()
			code, err := execute(f, "validate", path)
			if code != ExitOK || err != nil {
				t.Fatalf("validate %s: code %d, err %v, stderr:\n%s", path, code, err, errOut)
			}
			got := lines(out.String())
			if len(got) != 2 || got[0] != path+": ok" || !planLine.MatchString(got[1]) {
				t.Errorf("validate %s: stdout\n%s\nwant %q and a plan line", path, out, path+": ok")
			}
			if errOut.Len() != 0 {
				t.Errorf("validate %s: stderr %q, want nothing", path, errOut)
			}
		})
	}
}

// brokenSpec has an error on nearly every line that carries ${SECRET_TOKEN}; its value must
// appear in no output.
const brokenSpec = `version: 1
name: broken
target:
  url: ftp://example.com
  headers:
    X-Token: ${SECRET_TOKEN}
    X-List:
      - ${SECRET_TOKEN}
auth:
  bearer:
    - ${SECRET_TOKEN}
endpoints:
  - name: a
    path: no-slash
    headers:
      Authorization: "Token ${SECRET_TOKEN}"
    expect:
      status: [700]
  - name: b
    path: /b
    auth:
      header:
        name: X-Key
        value: ${SECRET_TOKEN}
        bogus: ${SECRET_TOKEN}
    weight: ${SECRET_TOKEN}
load:
  phases:
    - duration: 1s
      rate: -1
thresholds:
  rate_5xx: "<= ${SECRET_TOKEN}"
`

const secretValue = "hunter2-s3cr3t-value"

func TestValidateBrokenSpec(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, dir, "broken.yaml", brokenSpec)
	f, out, errOut := testFactory("SECRET_TOKEN", secretValue)
	code, err := execute(f, "validate", path)
	if code != ExitUsage {
		t.Fatalf("code %d (err %v), want %d", code, err, ExitUsage)
	}
	// The errors are already on stderr: the returned error must print nothing more.
	var ee *ExitError
	if !errors.As(err, &ee) || ee.Err != nil {
		t.Errorf("err = %#v, want a quiet *ExitError", err)
	}
	if out.Len() != 0 {
		t.Errorf("stdout %q, want nothing", out)
	}
	want := []string{
		path + ":4:8: target.url: scheme must be http or https",
		path + ":8:7: target.headers.X-List: expected a single value, got a list",
		path + ":11:5: auth.bearer: expected a single value, got a list",
		path + `:14:11: endpoints[0].path: "no-slash" must start with "/"`,
		path + `:18:16: endpoints[0].expect.status[0]: status "700"`,
		path + `:25:9: unknown field "bogus" in endpoints[1].auth.header`,
		path + ":26:13: endpoints[1].weight: expected an integer",
		path + ":30:13: load.phases[0].rate must be > 0",
		path + `:32:13: thresholds.rate_5xx: invalid threshold`,
		path + ": 9 errors; nothing was sent",
	}
	got := lines(errOut.String())
	if len(got) != len(want) {
		t.Fatalf("stderr has %d lines, want %d:\n%s", len(got), len(want), errOut)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("stderr line %d:\n got %q\nwant prefix %q", i+1, got[i], want[i])
		}
	}
	if strings.Contains(errOut.String()+out.String(), secretValue) {
		t.Errorf("the secret leaked into validate's output:\n%s%s", out, errOut)
	}
}

// TestValidateSecretNextToError: a valid-looking secret in auth and headers beside one error.
func TestValidateSecretNextToError(t *testing.T) {
	tests := []struct {
		name, spec string
	}{
		{"bearer beside a bad path", `version: 1
target: {url: "http://127.0.0.1:1"}
auth: {bearer: "${SECRET_TOKEN}"}
endpoints: [{path: nope}]
`},
		{"header value beside an unknown field", `version: 1
target:
  url: http://127.0.0.1:1
  headers: {X-Api-Key: "${SECRET_TOKEN}"}
  tiemout: 3s
endpoints: [{path: /}]
`},
		{"basic password with a wrong type", `version: 1
target: {url: "http://127.0.0.1:1"}
auth:
  basic: {user: svc, password: "${SECRET_TOKEN}", realm: 3}
endpoints: [{path: /, weight: many}]
`},
		{"endpoint header with a bad threshold", `version: 1
target: {url: "http://127.0.0.1:1"}
endpoints:
  - path: /
    headers: {Cookie: "session=${SECRET_TOKEN}"}
    thresholds: {latency_p99: "fast"}
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, t.TempDir(), "spec.yaml", tt.spec)
			f, out, errOut := testFactory("SECRET_TOKEN", secretValue)
			code, _ := execute(f, "validate", path)
			if code != ExitUsage {
				t.Fatalf("code %d, want %d; stderr:\n%s", code, ExitUsage, errOut)
			}
			if !regexp.MustCompile(regexp.QuoteMeta(path) + `:\d+:\d+: `).MatchString(errOut.String()) {
				t.Errorf("stderr has no FILE:LINE:COL error:\n%s", errOut)
			}
			if all := out.String() + errOut.String(); strings.Contains(all, secretValue) {
				t.Errorf("secret in output:\n%s", all)
			}
		})
	}
}

func TestValidateUsageErrors(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"missing file", []string{"validate", "/nonexistent/spec.yaml"}, "/nonexistent/spec.yaml: no such file or directory"},
		{"no argument", []string{"validate"}, "accepts 1 arg(s), received 0 (usage: seccheck validate SPEC [flags])"},
		{"two arguments", []string{"validate", "a", "b"}, "accepts 1 arg(s), received 2 (usage: seccheck validate SPEC [flags])"},
		{"compare with one report", []string{"compare", "a.json"}, "accepts 2 arg(s), received 1 (usage: seccheck compare BASE.json NEW.json [flags])"},
		{"merge with nothing", []string{"merge"}, "requires at least 1 arg(s), only received 0 (usage: seccheck merge PART... [flags])"},
		{"version with an argument", []string{"version", "x"}, `unknown command "x" for "seccheck version" (usage: seccheck version [flags])`},
		{"unknown flag", []string{"validate", "--bogus", "a"}, "unknown flag: --bogus"},
		{"unknown command", []string{"valdate", "a"}, `unknown command "valdate"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, _ := testFactory()
			code, err := execute(f, tt.args...)
			if code != ExitUsage || err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%v: code %d err %v, want %d and %q", tt.args, code, err, ExitUsage, tt.wantErr)
			}
		})
	}
}

func TestSchema(t *testing.T) {
	f, out, _ := testFactory()
	if code, err := execute(f, "schema"); code != ExitOK {
		t.Fatalf("schema: code %d err %v", code, err)
	}
	var schema map[string]any
	if err := json.Unmarshal(out.Bytes(), &schema); err != nil {
		t.Fatalf("schema output does not parse: %v\n%.300s", err, out)
	}
	if got := schema["$schema"]; got != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf(`"$schema" = %v, want draft 2020-12`, got)
	}
	defs, _ := schema["$defs"].(map[string]any)
	spec, _ := defs["Spec"].(map[string]any)
	props, _ := spec["properties"].(map[string]any)
	if _, ok := props["endpoints"]; !ok {
		t.Errorf("schema has no $defs.Spec.properties.endpoints")
	}
}

func TestVersion(t *testing.T) {
	f, out, _ := testFactory()
	if code, err := execute(f, "version"); code != ExitOK {
		t.Fatalf("version: code %d err %v", code, err)
	}
	if !regexp.MustCompile(`^seccheck \S+\n$`).MatchString(out.String()) {
		t.Errorf("version printed %q", out)
	}
	old := version
	version = "v9.9.9"
	defer func() { version = old }()
	if Version() != "v9.9.9" {
		t.Errorf("Version() = %q with the ldflags value set", Version())
	}
}

func TestMainPrintsErrorsOnce(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		stderr   string // the whole of stderr
	}{
		{"usage error", []string{"run", "x.yaml", "--seed", "abc"}, ExitUsage, "seccheck: invalid argument \"abc\" for \"--seed\" flag: strconv.ParseInt: parsing \"abc\": invalid syntax (see 'seccheck run --help')\n"},
		{"bad --out", []string{"run", "x.yaml", "--out", "yaml=r.yaml"}, ExitUsage, "seccheck: --out \"yaml=r.yaml\": unknown format \"yaml\" (formats: html, json, junit, markdown, partial)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, errOut := testFactory()
			if code := Main(tt.args, f.IO); code != tt.wantCode {
				t.Errorf("Main(%v) = %d, want %d", tt.args, code, tt.wantCode)
			}
			if errOut.String() != tt.stderr {
				t.Errorf("stderr:\n got %q\nwant %q", errOut, tt.stderr)
			}
		})
	}
}
