package e2e

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/seccheck/seccheck/internal/pipeline"
	"github.com/seccheck/seccheck/results"
	"github.com/seccheck/seccheck/specs"
)

// nginxConf is a server whose /flaky location answers 200, 404 or 500 at random, like a service
// that fails under some requests. The five security headers are added with or without `always`:
// without it nginx adds them only to 2xx/3xx responses (the error-path bypass).
const nginxConf = `
worker_processes 1;
daemon off;
pid {{dir}}/nginx.pid;
error_log {{dir}}/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path {{dir}}/body;
  proxy_temp_path {{dir}}/proxy;
  fastcgi_temp_path {{dir}}/fastcgi;
  uwsgi_temp_path {{dir}}/uwsgi;
  scgi_temp_path {{dir}}/scgi;
  server_tokens {{tokens}};
  split_clients "${request_id}" $outcome { 15% notfound; 15% fail; * ok; }
  server {
    listen 127.0.0.1:{{port}};
    default_type application/json;
    add_header Strict-Transport-Security "max-age=31536000; includeSubDomains" {{always}};
    add_header Content-Security-Policy "default-src 'self'; frame-ancestors 'none'" {{always}};
    add_header X-Content-Type-Options "nosniff" {{always}};
    add_header X-Frame-Options "DENY" {{always}};
    add_header Referrer-Policy "no-referrer" {{always}};
    location = /flaky {
      if ($outcome = notfound) { return 404; }
      if ($outcome = fail) { return 500; }
      return 200 '{"ok":true}';
    }
    location = /ok { return 200 '{"ok":true}'; }
  }
}
`

// startNginx starts nginx with its own config on a free 127.0.0.1 port and stops it (by PID)
// when the test ends. nginx must be installed (scripts/test.sh installs it): the test fails,
// not skips, without it.
func startNginx(t *testing.T, always bool) string {
	t.Helper()
	bin, err := exec.LookPath("nginx")
	if err != nil {
		if _, err2 := os.Stat("/usr/sbin/nginx"); err2 == nil {
			bin = "/usr/sbin/nginx"
		} else {
			t.Fatalf("nginx is not installed: run ./scripts/test.sh, which installs it (apt-get install nginx)")
		}
	}
	dir := t.TempDir()
	port := freePort(t)
	tokens, alw := "on", ""
	if always {
		tokens, alw = "off", "always"
	}
	conf := strings.NewReplacer("{{dir}}", dir, "{{port}}", fmt.Sprint(port), "{{tokens}}", tokens, "{{always}}", alw).Replace(nginxConf)
	confPath := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-p", dir, "-e", filepath.Join(dir, "error.log"), "-c", confPath)
	out := &strings.Builder{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting nginx: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt) // only the process we started, by PID
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(url + "/ok")
		if err == nil {
			resp.Body.Close()
			return url
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Fatalf("nginx did not come up on %s: %v\n%s\n%s", url, err, out.String(), log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// parseSpec parses a spec written inline by a test; ${URL} is the target.
func parseSpec(t *testing.T, yaml string, env map[string]string) *specs.Spec {
	t.Helper()
	spec, err := specs.Parse("test.yaml", []byte(yaml), func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	})
	if err != nil {
		t.Fatalf("spec: %v", err)
	}
	return spec
}

// runSpec runs a spec through the real pipeline and returns the report.
func runSpec(t *testing.T, spec *specs.Spec) *results.Report {
	t.Helper()
	run, err := pipeline.New(pipeline.Options{Spec: spec, Seed: 1, Command: "run"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := run.Preflight(ctx); err != nil {
		t.Fatal(err)
	}
	out, err := run.Execute(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return out.Report
}

const nginxSpec = `
version: 1
name: nginx
target: {url: "${URL}"}
endpoints:
  - {name: flaky, path: /flaky, weight: 4, expect: {status: [200, 404, 500]}}
  - {name: ok, path: /ok}
load:
  phases:
    - {duration: 2s, concurrency: 8}
checks: {preset: recommended}
`

var securityHeaders = []string{
	"content-security-policy", "referrer-policy", "strict-transport-security",
	"x-content-type-options", "x-frame-options",
}

func TestNginxWithoutAlwaysBypassesHeadersOnErrors(t *testing.T) {
	url := startNginx(t, false)
	rep := runSpec(t, parseSpec(t, nginxSpec, map[string]string{"URL": url}))

	var bypassed []string
	var serverVersion bool
	for _, f := range rep.Findings {
		switch {
		case f.Rule == "header.bypass_on_error" && f.Endpoint == "flaky":
			bypassed = append(bypassed, f.Header)
			if f.ByStatus["404"] == 0 || f.ByStatus["500"] == 0 {
				t.Errorf("bypass of %s: by_status %v, want both 404 and 500", f.Header, f.ByStatus)
			}
		case f.Rule == "header.forbidden" && f.Header == "server":
			serverVersion = true
		}
	}
	sort.Strings(bypassed)
	if strings.Join(bypassed, ",") != strings.Join(securityHeaders, ",") {
		t.Errorf("header.bypass_on_error on flaky for %v, want %v\nfindings: %s", bypassed, securityHeaders, summarize(rep))
	}
	if !serverVersion {
		t.Errorf("no header.forbidden for the versioned Server header\nfindings: %s", summarize(rep))
	}
	if len(rep.Findings) == 0 || rep.Findings[0].Rule != "header.bypass_on_error" {
		t.Errorf("header.bypass_on_error must stand first in the findings: %s", summarize(rep))
	}
	if rep.Verdict != "fail" {
		t.Errorf("verdict %q, want fail", rep.Verdict)
	}
}

func TestNginxWithAlwaysAndNoTokensIsClean(t *testing.T) {
	url := startNginx(t, true)
	rep := runSpec(t, parseSpec(t, nginxSpec, map[string]string{"URL": url}))
	if len(rep.Findings) != 0 {
		t.Errorf("want no findings, got %s", summarize(rep))
	}
	if rep.Totals.Status5xx == 0 || rep.Totals.Status["404"] == 0 {
		t.Errorf("the flaky endpoint should still have answered 404 and 500: %v", rep.Totals.Status)
	}
	if rep.Verdict != "pass" {
		t.Errorf("verdict %q, want pass", rep.Verdict)
	}
}

func summarize(rep *results.Report) string {
	var b strings.Builder
	for _, f := range rep.Findings {
		fmt.Fprintf(&b, "\n  %s %s %s%s x%d %v", f.Severity, f.Rule, f.Endpoint, "/"+f.Header+f.Kind, f.Count, f.ByStatus)
	}
	return b.String()
}
