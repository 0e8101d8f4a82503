package e2e

import (
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// echoServer reflects every credential it receives back in its headers and body, on a response
// that fails the recommended preset, so exemplars carry the reflected values.
func echoServer(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Echo-Auth", r.Header.Get("Authorization"))
		w.Header().Set("X-Echo-Key", r.Header.Get("X-API-Key"))
		w.Header().Set("X-Powered-By", "Express")
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, "Error: request failed\n    at handler (/srv/app/node_modules/express/lib/router/layer.js:95:5)\n")
		io.WriteString(w, "authorization="+r.Header.Get("Authorization")+" key="+r.Header.Get("X-API-Key")+
			" trace="+r.Header.Get("X-Trace")+" body="+string(body)+"\n")
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestSecretsNeverLeave: a canary supplied through ${ENV} into auth.bearer, auth.header,
// target.headers, a request body and basic auth is absent from stdout, stderr and every report
// format, although the target echoes it back in its headers and body.
func TestSecretsNeverLeave(t *testing.T) {
	const canary = "canary-5e3c7a9f1d"
	srv := echoServer(t)
	dir := t.TempDir()
	spec := writeFile(t, dir, "spec.yaml", `version: 1
name: secrets
target:
  url: "${URL}"
  headers: {X-Trace: "trace-${CANARY}"}
auth: {bearer: "${CANARY}"}
endpoints:
  - {name: bearer, method: POST, path: /bearer, body: '{"password":"${CANARY}"}'}
  - {name: keyed, path: /keyed, auth: {header: {name: X-API-Key, value: "${CANARY}"}}}
  - {name: basic, path: /basic, auth: {basic: {user: svc, password: "${CANARY}"}}}
load: {phases: [{duration: 1s, rate: 30}]}
checks: {preset: recommended}
`)
	env := []string{"URL=" + srv.URL, "CANARY=" + canary}
	basic := base64.StdEncoding.EncodeToString([]byte("svc:" + canary))
	formats := []string{"json", "junit", "markdown", "html"}

	for _, command := range []string{"run", "check"} {
		t.Run(command, func(t *testing.T) {
			out := t.TempDir()
			args := []string{command, spec}
			for _, f := range formats {
				args = append(args, "--out", f+"="+filepath.Join(out, "report."+f))
			}
			r := seccheck(t, 60*time.Second, env, args...)
			if r.code != 1 {
				t.Fatalf("exit %d, want 1 (findings)\nstderr:\n%s", r.code, r.stderr)
			}
			places := map[string]string{"stdout": r.stdout, "stderr": r.stderr}
			for _, f := range formats {
				b, err := os.ReadFile(filepath.Join(out, "report."+f))
				if err != nil {
					t.Fatal(err)
				}
				places[f] = string(b)
			}
			if !strings.Contains(places["json"], "[REDACTED]") {
				t.Errorf("the JSON report shows no [REDACTED]: the echoed secrets did not reach the exemplars, so this test proves nothing")
			}
			for where, text := range places {
				for _, secret := range []string{canary, basic} {
					if strings.Contains(text, secret) {
						i := strings.Index(text, secret)
						t.Errorf("%s contains the secret %q near: %q", where, secret, text[max(0, i-80):min(len(text), i+80)])
					}
				}
			}
		})
	}
}
