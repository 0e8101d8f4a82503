package specs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// env is the environment the tests interpolate from.
func env(vars ...string) func(string) (string, bool) {
	m := map[string]string{}
	for i := 0; i+1 < len(vars); i += 2 {
		m[vars[i]] = vars[i+1]
	}
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

// head is a valid start that most cases extend; its lines are 1–3.
const head = "version: 1\ntarget: {url: http://127.0.0.1:8080}\nendpoints:\n"

// specDir is a directory with the files the cases refer to.
func specDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"cert.pem", "key.pem", "body.json"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte(`{"a":1}`), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "adir"), 0o700); err != nil {
		t.Fatal(err)
	}
	return dir
}

// positions renders an error list as "LINE:COL: msg" lines, file names left out.
func positions(t *testing.T, err error) []string {
	t.Helper()
	var list ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("error is %T, not an ErrorList: %v", err, err)
	}
	var out []string
	for _, e := range list {
		out = append(out, fmt.Sprintf("%d:%d: %s", e.Line, e.Col, e.Msg))
	}
	return out
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		name string
		yaml string
		want string // "LINE:COL: message" of the only error
	}{
		{"empty file", "", "1:1: empty spec: start with `version: 1` (see specs/examples/smoke.yaml)"},
		{"comments only", "# nothing\n\n", "1:1: empty spec: start with `version: 1` (see specs/examples/smoke.yaml)"},
		{"yaml syntax", "version: 1\ntarget: {url: x\nendpoints: []\n", "1:1: invalid YAML: did not find expected ',' or '}'"},
		{"not a mapping", "- a\n- b\n", `1:1: a spec is a YAML mapping (version: 1, target: …, endpoints: …), got a list`},
		{"two documents", head + "  - path: /x\n---\nversion: 1\n", "5:1: a spec file holds one YAML document; remove this second one (after ---)"},
		{"unknown field", "verison: 1\n" + head[11:] + "  - path: /x\n", `1:1: unknown field "verison" in the spec (did you mean "version"?)`},
		{"unknown nested field", "version: 1\ntarget:\n  url: http://127.0.0.1\n  tiemout: 5s\nendpoints:\n  - path: /x\n", `4:3: unknown field "tiemout" in target (did you mean "timeout"?)`},
		{"unknown field lists known", head + "  - path: /x\n    zzzzzz: 1\n", `5:5: unknown field "zzzzzz" in endpoints[0] (known: auth, body, body_file, checks, expect, headers, method, name, path, thresholds, weight)`},
		{"duplicate field", head + "  - path: /x\n    path: /y\n", `5:5: endpoints[0]: duplicate field "path" (first at line 4)`},
		{"type error int", head + "  - path: /x\n    weight: heavy\n", `5:13: endpoints[0].weight: expected an integer, got "heavy"`},
		{"type error list", "version: 1\ntarget: {url: http://127.0.0.1}\nendpoints: {path: /x}\n", `3:12: endpoints: expected a list, got a mapping`},
		{"version 2", "version: 2\n" + head[11:] + "  - path: /x\n", "1:10: unsupported version 2: this seccheck reads version 1"},
		{"missing version", head[11:] + "  - path: /x\n", "1:1: missing version: add `version: 1`"},
		{"no endpoints", "version: 1\ntarget: {url: http://127.0.0.1}\n", "1:1: no endpoints: add at least one under `endpoints:` (e.g. - path: /health)"},
		{"empty endpoints", "version: 1\ntarget: {url: http://127.0.0.1}\nendpoints: []\n", "3:12: endpoints: the list is empty; add at least one endpoint"},
		{"duplicate names", head + "  - {name: a, path: /x}\n  - {name: a, path: /y}\n", `5:12: endpoints[1]: duplicate endpoint name "a" (first at line 4); names must be unique`},
		{"duplicate default names", head + "  - path: /x\n  - {method: get, path: /x}\n", `5:5: endpoints[1]: duplicate endpoint name "GET /x" (first at line 4); names must be unique`},
		{"path without slash", head + "  - path: api/items\n", `4:11: endpoints[0].path: "api/items" must start with "/"`},
		{"missing path", head + "  - name: x\n", `4:5: endpoints[0].path is required (e.g. /api/items)`},
		{"missing url", "version: 1\ntarget: {timeout: 5s}\nendpoints: [{path: /x}]\n", "2:9: target.url is required (the base URL, e.g. https://staging.example.com)"},
		{"url scheme", "version: 1\ntarget: {url: 'ftp://127.0.0.1'}\nendpoints: [{path: /x}]\n", `2:15: target.url: scheme must be http or https, got "ftp"`},
		{"url unparseable", "version: 1\ntarget:\n  url: 'http://[::1'\nendpoints: [{path: /x}]\n", `3:8: target.url: missing ']' in host`},
		{"url credentials", "version: 1\ntarget:\n  url: 'http://u:p@127.0.0.1'\nendpoints: [{path: /x}]\n", `3:8: target.url: must not hold credentials; use auth`},
		{"bad method", head + "  - {method: FETCH, path: /x}\n", `4:14: endpoints[0].method: "FETCH" is not one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, TRACE`},
		{"weight zero", head + "  - {path: /x, weight: 0}\n", "4:24: endpoints[0].weight must be at least 1"},
		{"timeout zero", "version: 1\ntarget: {url: http://127.0.0.1, timeout: 0s}\nendpoints: [{path: /x}]\n", "2:42: target.timeout must be > 0"},
		{"bad duration", "version: 1\ntarget: {url: http://127.0.0.1, timeout: 10}\nendpoints: [{path: /x}]\n", `2:42: target.timeout: invalid duration "10": use Go syntax such as 30s, 2m or 1h30m`},
		{"bad size", "version: 1\ntarget: {url: http://127.0.0.1, max_body: 1 potato}\nendpoints: [{path: /x}]\n", `2:43: target.max_body: invalid size "1 potato": write bytes, or a number with KiB, MiB, GiB (1024) or KB, MB, GB (1000)`},
		{"rate negative", head + "  - path: /x\nload:\n  phases:\n    - {duration: 10s, rate: -5}\n", "7:29: load.phases[0].rate must be > 0"},
		{"duration zero", head + "  - path: /x\nload:\n  phases:\n    - {duration: 0s, rate: 5}\n", "7:18: load.phases[0].duration must be > 0"},
		{"duration missing", head + "  - path: /x\nload:\n  phases:\n    - {rate: 5}\n", "7:7: load.phases[0]: needs a duration (e.g. 30s)"},
		{"concurrency zero", head + "  - path: /x\nload:\n  phases:\n    - {duration: 1s, concurrency: 0}\n", "7:35: load.phases[0].concurrency must be at least 1"},
		{"rate and concurrency", head + "  - path: /x\nload:\n  phases:\n    - {duration: 1s, rate: 5, concurrency: 3}\n", "7:31: load.phases[0]: a phase has rate (open model) or concurrency (closed model), not both"},
		{"neither rate nor concurrency", head + "  - path: /x\nload:\n  phases:\n    - {duration: 1s}\n", "7:7: load.phases[0]: needs rate (requests per second) or concurrency (requests in flight)"},
		{"ramp_to without rate", head + "  - path: /x\nload:\n  phases:\n    - {duration: 1s, concurrency: 2, ramp_to: 9}\n", "7:38: load.phases[0]: ramp_to needs rate (the ramp goes from rate to ramp_to)"},
		{"max_workers zero", head + "  - path: /x\nload:\n  max_workers: 0\n", "6:16: load.max_workers must be at least 1"},
		{"abort_when without rate_5xx", head + "  - path: /x\nload:\n  abort_when: {after: 10}\n", `6:15: load.abort_when needs rate_5xx (e.g. {rate_5xx: "> 50%", after: 200})`},
		{"status code out of range", head + "  - path: /x\n    expect: {status: [200, 600]}\n", `5:28: endpoints[0].expect.status[1]: status "600" is neither a code 100–599 nor a class 1xx–5xx`},
		{"status class out of range", head + "  - path: /x\n    expect: {status: [6xx]}\n", `5:23: endpoints[0].expect.status[0]: status "6xx" is neither a code 100–599 nor a class 1xx–5xx`},
		{"invalid RE2 in forbid", head + "  - path: /x\nchecks:\n  headers:\n    forbid: [{name: Server, matches: '(['}]\n", "7:38: checks.headers.forbid[0].matches: invalid RE2 pattern: error parsing regexp: missing closing ]: `[`"},
		{"invalid RE2 in require", head + "  - path: /x\nchecks:\n  headers:\n    require:\n      Server: {matches: 'a**'}\n", "8:25: checks.headers.require.Server.matches: invalid RE2 pattern: error parsing regexp: invalid nested repetition operator: `**`"},
		{"invalid RE2 in body.forbid", head + "  - path: /x\nchecks:\n  body: {forbid: ['ok', '(?<x']}\n", "6:25: checks.body.forbid[1]: invalid RE2 pattern: error parsing regexp: invalid named capture: `(?<x`"},
		{"threshold unparseable", head + "  - path: /x\nthresholds:\n  rate_5xx: 'about 1%'\n", `6:13: thresholds.rate_5xx: invalid threshold "about 1%": start with one of < <= > >= == != (e.g. "<= 0.1%", "< 800ms")`},
		{"threshold latency unit", head + "  - path: /x\nthresholds:\n  latency_p99: '< 5%'\n", `6:16: thresholds.latency_p99: a latency needs a time unit, e.g. "< 800ms" or "< 2s"`},
		{"endpoint threshold", head + "  - path: /x\n    thresholds: {violations: '< 2ms'}\n", `5:30: endpoints[0].thresholds.violations: violations is a count, e.g. "== 0"`},
		{"body and body_file", head + "  - {path: /x, body: '{}', body_file: body.json}\n", "4:28: endpoints[0]: body and body_file exclude each other; keep one"},
		{"missing body_file", head + "  - {path: /x, body_file: nope.json}\n", `4:27: endpoints[0].body_file: file "nope.json" not found (relative paths start at the spec's directory)`},
		{"body_file is a directory", head + "  - {path: /x, body_file: adir}\n", `4:27: endpoints[0].body_file: "adir" is not a regular file`},
		{"missing ca_file", "version: 1\ntarget: {url: http://127.0.0.1, ca_file: ca.pem}\nendpoints: [{path: /x}]\n", `2:42: target.ca_file: file "ca.pem" not found (relative paths start at the spec's directory)`},
		{"missing client_key file", "version: 1\ntarget: {url: http://127.0.0.1, client_cert: cert.pem, client_key: k.pem}\nendpoints: [{path: /x}]\n", `2:68: target.client_key: file "k.pem" not found (relative paths start at the spec's directory)`},
		{"client_cert without client_key", "version: 1\ntarget: {url: http://127.0.0.1, client_cert: cert.pem}\nendpoints: [{path: /x}]\n", "2:33: target.client_cert needs target.client_key (the certificate's private key)"},
		{"unknown preset", head + "  - path: /x\nchecks: {preset: paranoid}\n", `5:18: checks.preset: unknown value "paranoid" (use recommended, strict, none)`},
		{"unknown endpoint preset", head + "  - path: /x\n    checks: {preset: Strict}\n", `5:22: endpoints[0].checks.preset: unknown value "Strict" (use recommended, strict, none)`},
		{"unknown apply_to", head + "  - path: /x\nchecks: {apply_to: failures}\n", `5:20: checks.apply_to: unknown value "failures" (use all, errors)`},
		{"unknown leaks", head + "  - path: /x\nchecks: {body: {leaks: all}}\n", `5:24: checks.body.leaks: unknown value "all" (use builtin, none)`},
		{"auth two kinds", head + "  - path: /x\nauth: {bearer: abcd, header: {name: X-Key, value: efgh}}\n", "5:7: auth: an auth block takes only one of bearer, basic or header"},
		{"auth empty block", head + "  - path: /x\nauth: {}\n", "5:7: auth: an auth block needs one of bearer, basic or header"},
		{"auth bad word", head + "  - path: /x\n    auth: nobody\n", `5:11: endpoints[0].auth: expected "none" or a block with one of bearer, basic or header`},
		{"auth basic without user", head + "  - path: /x\nauth:\n  basic: {password: hunter22}\n", "6:10: auth.basic: needs a user"},
		{"missing env var", "version: 1\ntarget: {url: '${TARGET_URL}'}\nendpoints: [{path: /x}]\n", "2:15: target.url: environment variable TARGET_URL is not set (set it, or write ${TARGET_URL:-default})"},
		{"unterminated interpolation", head + "  - path: /x${A\n", "4:11: endpoints[0].path: unterminated ${ (write $${ for a literal ${)"},
		{"bad variable name", head + "  - path: /x${1A}\n", "4:11: endpoints[0].path: invalid variable name in ${…}: use letters, digits and _ (write $${ for a literal ${)"},
		{"invalid header name", "version: 1\ntarget:\n  url: http://127.0.0.1\n  headers: {'Bad Name': x}\nendpoints: [{path: /x}]\n", `4:13: target.headers: "Bad Name" is not a valid header name`},
		{"duplicate header case-insensitive", head + "  - path: /x\n    headers: {Accept: a, accept: b}\n", `5:26: endpoints[0].headers: duplicate key "accept" (first at line 5)`},
		{"forbid_tokens scalar", head + "  - path: /x\nchecks:\n  headers:\n    require:\n      Content-Security-Policy: {forbid_tokens: unsafe}\n", `8:48: checks.headers.require.Content-Security-Policy.forbid_tokens: expected a list of tokens or a mapping of directive to tokens, got "unsafe"`},
		{"header value with a line break", head + "  - path: /x\n    headers: {X-A: \"a\\nb\"}\n", "5:20: endpoints[0].headers.X-A: a header value must not contain a line break or NUL"},
		{"negative min_max_age", head + "  - path: /x\nchecks: {headers: {require: {Strict-Transport-Security: {min_max_age: -1}}}}\n", "5:71: checks.headers.require.Strict-Transport-Security.min_max_age must not be negative"},
		{"forbid rule without name", head + "  - path: /x\nchecks:\n  headers:\n    forbid: [{matches: x}]\n", "7:14: checks.headers.forbid[0]: needs a name"},
		{"same_site value", head + "  - path: /x\nchecks:\n  cookies: {same_site: [Lax, Loose]}\n", `6:30: checks.cookies.same_site: unknown value "Loose" (use Lax, Strict or None)`},
		{"merge key", head + "  - &e {path: /x}\n  - {<<: *e, path: /y}\n", "5:6: endpoints[1]: YAML merge keys (<<) are not supported; repeat the fields"},
		{"unknown top-level field lists known", head + "  - path: /x\nbase: 1\n", `5:1: unknown field "base" in the spec (known: auth, checks, endpoints, load, name, target, thresholds, version)`},
		{"probe_origin with a path", head + "  - path: /x\nchecks:\n  headers:\n    cors: {probe_origin: 'https://seccheck.invalid/'}\n",
			`7:26: checks.headers.cors.probe_origin: "https://seccheck.invalid/" is not an origin (an origin such as https://seccheck.invalid: scheme://host[:port], no path)`},
		{"probe_origin scheme", head + "  - path: /x\n    checks: {headers: {cors: {probe_origin: 'ftp://seccheck.invalid'}}}\n",
			`5:45: endpoints[0].checks.headers.cors.probe_origin: scheme must be http or https, got "ftp" (an origin such as https://seccheck.invalid: scheme://host[:port], no path)`},
		{"probe_origin bare host", head + "  - path: /x\nchecks: {headers: {cors: {probe_origin: seccheck.invalid}}}\n",
			`5:41: checks.headers.cors.probe_origin: scheme must be http or https, got "" (an origin such as https://seccheck.invalid: scheme://host[:port], no path)`},
		{"probe_origin empty", head + "  - path: /x\nchecks: {headers: {cors: {probe_origin: ''}}}\n",
			`5:41: checks.headers.cors.probe_origin: is empty (an origin such as https://seccheck.invalid: scheme://host[:port], no path)`},
		{"probe_origin upper case", head + "  - path: /x\nchecks: {headers: {cors: {probe_origin: 'https://Seccheck.invalid'}}}\n",
			`5:41: checks.headers.cors.probe_origin: "https://Seccheck.invalid" is not an origin (an origin such as https://seccheck.invalid: scheme://host[:port], no path)`},
		{"forbid_wildcard_credentials not a bool", head + "  - path: /x\nchecks: {headers: {cors: {forbid_wildcard_credentials: yes please}}}\n",
			`5:56: checks.headers.cors.forbid_wildcard_credentials: expected true or false, got "yes please"`},
		{"unknown cors field", head + "  - path: /x\nchecks: {headers: {cors: {probe_orgin: 'https://a.invalid'}}}\n",
			`5:27: unknown field "probe_orgin" in checks.headers.cors (did you mean "probe_origin"?)`},
		{"rate threshold as a count", head + "  - path: /x\nload:\n  abort_when: {rate_5xx: '> 50'}\n", `6:26: load.abort_when.rate_5xx: a rate is a percentage, e.g. "<= 0.1%" (a bare number is a fraction, at most 1)`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := specDir(t)
			file := filepath.Join(dir, "spec.yaml")
			s, err := Parse(file, []byte(tc.yaml), env())
			if err == nil {
				t.Fatalf("no error for\n%s\nparsed: %+v", tc.yaml, s)
			}
			got := positions(t, err)
			if len(got) != 1 || got[0] != tc.want {
				t.Errorf("input:\n%s\nwant: %s\ngot:  %s", tc.yaml, tc.want, strings.Join(got, "\n      "))
			}
			if !strings.HasPrefix(err.Error(), file+":") {
				t.Errorf("error does not start with the file name: %v", err)
			}
		})
	}
}
