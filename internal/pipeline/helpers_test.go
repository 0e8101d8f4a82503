package pipeline

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/seccheck/seccheck/specs"
)

const token = "pipeline-secret-token"

// secureHeaders are the five headers the recommended preset requires.
var secureHeaders = map[string]string{
	"Strict-Transport-Security": "max-age=31536000; includeSubDomains",
	"Content-Security-Policy":   "default-src 'self'",
	"X-Frame-Options":           "DENY",
	"X-Content-Type-Options":    "nosniff",
	"Referrer-Policy":           "no-referrer",
}

func setSecure(h http.Header) {
	for k, v := range secureHeaders {
		h.Set(k, v)
	}
}

// parse parses a spec whose ${TOKEN} is token, and writes nothing to disk.
func parse(t *testing.T, yaml string) *specs.Spec {
	t.Helper()
	spec, err := specs.Parse("test.yaml", []byte(yaml), func(k string) (string, bool) {
		if k == "TOKEN" {
			return token, true
		}
		return "", false
	})
	if err != nil {
		t.Fatalf("spec: %v\n%s", err, yaml)
	}
	return spec
}

// counter counts requests by path and by whether they carried the bearer token.
type counter struct {
	mu sync.Mutex
	n  map[string]int // "path auth" or "path anon"
}

func (c *counter) add(path string, authed bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	k := path + " anon"
	if authed {
		k = path + " auth"
	}
	c.n[k]++
}

func (c *counter) get(k string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[k]
}

// server answers with the secure headers; enforceAuth makes it answer 401 (headers still on)
// to requests outside /public that carry neither the bearer token nor X-Key: k-token.
func server(t *testing.T, enforceAuth bool) (*httptest.Server, *counter) {
	t.Helper()
	c := &counter{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		authed := r.Header.Get("Authorization") == "Bearer "+token || r.Header.Get("X-Key") == "k-"+token
		c.add(r.URL.Path, authed)
		setSecure(w.Header())
		if enforceAuth && r.URL.Path != "/public" && !authed {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		fmt.Fprintln(w, `{"ok":true}`)
	}))
	t.Cleanup(srv.Close)
	return srv, c
}

func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
