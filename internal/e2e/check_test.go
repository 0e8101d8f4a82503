package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seccheck/seccheck/internal/demotarget"
	"github.com/seccheck/seccheck/results"
)

// smokeSpec is the example the README points staging users at.
var smokeSpec = filepath.Join("..", "..", "specs", "examples", "smoke.yaml")

// serveDemo starts `seccheck demo --serve` (the binary) on a free port and returns its base
// URL once it says it is listening. The process is stopped by its PID with SIGINT when the test
// ends, and must exit 0.
func serveDemo(t *testing.T, fixed bool) string {
	t.Helper()
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	args := []string{"demo", "--serve", addr}
	if fixed {
		args = append(args, "--fixed")
	}
	cmd := exec.Command(binary, args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "NO_COLOR=1"}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default: // nobody listens any more
			}
		}
		done <- cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt) // only the process we started, by PID
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("seccheck demo --serve after SIGINT: %v\n%s", err, stderr.String())
			}
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-done
			t.Errorf("seccheck demo --serve still running 30s after SIGINT; killed")
		}
	})
	// The line is printed after the signal handler is installed, so SIGINT is safe from then on.
	for {
		select {
		case l := <-lines:
			if strings.Contains(l, "listening on http://"+addr) {
				return "http://" + addr
			}
		case err := <-done:
			t.Fatalf("seccheck %s exited before listening: %v\n%s", strings.Join(args, " "), err, stderr.String())
		case <-time.After(30 * time.Second):
			t.Fatalf("seccheck %s: no 'listening on' line after 30s\n%s", strings.Join(args, " "), stderr.String())
		}
	}
}

// checkReport runs `seccheck check SPEC` with env and returns its result and JSON report.
func checkReport(t *testing.T, spec string, env []string, args ...string) (result, *results.Report) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "check.json")
	r := seccheck(t, time.Minute, env, append([]string{"check", spec, "--out", "json=" + path}, args...)...)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("seccheck check: exit %d, no JSON report: %v\nstdout:\n%s\nstderr:\n%s", r.code, err, r.stdout, r.stderr)
	}
	var rep results.Report
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	return r, &rep
}

// TestCheckSmokeAgainstDemo runs the smoke example against `seccheck demo --serve`. A smoke
// check sends a few requests at a time (4 in flight by default, as many as the broken pool has
// connections), so it finds what one request at a time can find — the versioned Server header
// and the cookie without HttpOnly — and none of the load-only defects: no 500 on /api/items,
// hence no bypass on the error path and no traceback. The fixed service passes.
func TestCheckSmokeAgainstDemo(t *testing.T) {
	t.Run("broken", func(t *testing.T) {
		url := serveDemo(t, false)
		r, rep := checkReport(t, smokeSpec, []string{"TARGET_URL=" + url})
		if r.code != 1 || rep.Verdict != "fail" || rep.Command != "check" {
			t.Errorf("exit %d, verdict %q, command %q; want 1, fail, check\n%s%s", r.code, rep.Verdict, rep.Command, r.stdout, r.stderr)
		}
		for _, ep := range rep.Endpoints {
			if ep.Requests < 3 {
				t.Errorf("%s: %d requests, want at least 3", ep.Name, ep.Requests)
			}
		}
		if rep.Totals.Status5xx != 0 || rep.Totals.Errors != 0 {
			t.Errorf("%d 5xx and %d transport errors; a smoke check cannot overflow the pool", rep.Totals.Status5xx, rep.Totals.Errors)
		}
		if s := endpointStats(t, rep, "secure-without-token"); s.Status["401"] != s.Requests {
			t.Errorf("secure-without-token statuses %v, want only 401", s.Status)
		}

		server := findings(rep, "header.forbidden", "")
		if len(server) != len(rep.Endpoints) {
			t.Errorf("header.forbidden on %d endpoints, want all %d: %s", len(server), len(rep.Endpoints), summarize(rep))
		}
		for _, f := range server {
			if f.Header != "server" || len(f.Exemplars) == 0 || f.Exemplars[0].Headers["Server"] != "demo-api/1.4.2" {
				t.Errorf("header.forbidden on %s: header %q, exemplars %+v; want the versioned Server", f.Endpoint, f.Header, f.Exemplars)
			}
		}
		if c := findings(rep, "cookie.flags", "list-items"); len(c) != 1 || c[0].Kind != "httponly" {
			t.Errorf("cookie.flags on list-items = %+v, want one for HttpOnly", c)
		}

		// Nothing else: every other rule would be a load-only defect or a false positive.
		for _, f := range rep.Findings {
			if f.Rule != "header.forbidden" && f.Rule != "cookie.flags" {
				t.Errorf("unexpected finding %s on %s (%s%s) by status %v", f.Rule, f.Endpoint, f.Header, f.Kind, f.ByStatus)
			}
		}
		for _, want := range []string{"header.forbidden", "cookie.flags", "secure-without-token", "verdict: FAIL"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("the table lacks %q:\n%s", want, r.stdout)
			}
		}
	})

	t.Run("fixed", func(t *testing.T) {
		url := serveDemo(t, true)
		r, rep := checkReport(t, smokeSpec, []string{"TARGET_URL=" + url})
		if r.code != 0 || rep.Verdict != "pass" || len(rep.Findings) != 0 {
			t.Errorf("exit %d, verdict %q, %d findings; want 0, pass, none: %s\n%s", r.code, rep.Verdict, len(rep.Findings), summarize(rep), r.stdout)
		}
		if rep.Totals.Requests < 15 {
			t.Errorf("%d requests, want at least 3 per endpoint", rep.Totals.Requests)
		}
	})
}

// authServer answers 200 with the security headers to a request carrying "Bearer <token>" (and
// to any request for the public /health); without it, 200 too when ignoreAuth (a service that forgot to enforce authentication), else 401 with
// the headers only when headersOn401.
func authServer(t *testing.T, token string, ignoreAuth, headersOn401 bool) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		authed := r.Header.Get("Authorization") == "Bearer "+token || r.URL.Path == "/health" // public
		if authed || ignoreAuth || headersOn401 {
			for k, v := range demotarget.SecurityHeaders() {
				w.Header()[k] = v
			}
		}
		w.Header().Set("Content-Type", "application/json")
		if !authed && !ignoreAuth {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"detail":"Not authenticated"}`)
			return
		}
		fmt.Fprint(w, `{"orders":[]}`)
	}))
	t.Cleanup(srv.Close)
	return srv
}

const authSpec = `version: 1
name: auth
target: {url: "${URL}"}
auth: {bearer: "${TOKEN}"}
endpoints:
  - {name: orders, path: /api/orders, expect: {status: [200]}}
  - {name: health, path: /health, auth: none}
checks: {preset: recommended}
`

// TestCheckAuthNotEnforced: for an endpoint with credentials, check sends one request without
// them. A 2xx to it is auth.not_enforced (critical); a 401 is not, but it is checked like any
// other response, so a 401 without the security headers is reported.
func TestCheckAuthNotEnforced(t *testing.T) {
	const token = "canary-token-5f1d9c"
	spec := writeFile(t, t.TempDir(), "auth.yaml", authSpec)
	cases := []struct {
		name                     string
		ignoreAuth, headersOn401 bool
		wantCode                 int
		wantRules                []string // the set of rules found
		wantBy                   string   // status every finding was seen on
	}{
		{"ignores credentials", true, false, 1, []string{"auth.not_enforced"}, "200"},
		{"401 with headers", false, true, 0, nil, ""},
		{"401 without headers", false, false, 1, []string{"header.bypass_on_error", "header.missing"}, "401"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := authServer(t, token, tc.ignoreAuth, tc.headersOn401)
			r, rep := checkReport(t, spec, []string{"URL=" + srv.URL, "TOKEN=" + token})
			if r.code != tc.wantCode {
				t.Errorf("exit %d, want %d\n%s%s", r.code, tc.wantCode, r.stdout, r.stderr)
			}
			if s := endpointStats(t, rep, "orders"); s.Requests != 4 {
				t.Errorf("orders: %d requests, want 3 with the token and 1 without", s.Requests)
			}
			if s := endpointStats(t, rep, "health"); s.Requests != 3 {
				t.Errorf("health (auth: none): %d requests, want 3 and no unauthenticated probe", s.Requests)
			}
			rules := map[string]bool{}
			for _, f := range rep.Findings {
				rules[f.Rule] = true
				if f.Endpoint != "orders" || f.Count != 1 || f.ByStatus[tc.wantBy] != 1 {
					t.Errorf("finding %s on %s: count %d by status %v; want the one request without credentials (%s) on orders", f.Rule, f.Endpoint, f.Count, f.ByStatus, tc.wantBy)
				}
				if f.Rule == "auth.not_enforced" && f.Severity != "critical" {
					t.Errorf("auth.not_enforced severity %q, want critical", f.Severity)
				}
			}
			same := len(rules) == len(tc.wantRules)
			for _, rule := range tc.wantRules {
				same = same && rules[rule]
			}
			if !same {
				t.Errorf("rules found %v, want exactly %v: %s", keys(rules), tc.wantRules, summarize(rep))
			}
			if n := len(findings(rep, "header.missing", "orders")); tc.name == "401 without headers" && n != len(securityHeaders) {
				t.Errorf("header.missing on the 401: %d findings, want one per security header (%d)", n, len(securityHeaders))
			}
			data, _ := json.Marshal(rep)
			if strings.Contains(r.stdout+r.stderr+string(data), token) {
				t.Error("the bearer token appears in the output or the report")
			}
		})
	}
}
