package demotarget

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestFailureModes drives the middleware stack with endpoints that panic or raise an arbitrary
// error, which the demo's own routes never do.
func TestFailureModes(t *testing.T) {
	cases := []struct {
		name      string
		fixed     bool
		app       endpoint
		wantCT    string
		wantBody  string
		wantNoHdr bool // the security headers must be absent
	}{
		{"broken panic", false, func(*http.Request) (*response, error) { panic("boom") }, "text/plain; charset=utf-8", "RuntimeError: boom", true},
		{"broken error", false, func(*http.Request) (*response, error) { return nil, errors.New("db down") }, "text/plain; charset=utf-8", "RuntimeError: db down", true},
		{"broken incident", false, func(*http.Request) (*response, error) { return nil, errSessionMisuse }, "text/plain; charset=utf-8", "in list_items", true},
		{"fixed panic", true, func(*http.Request) (*response, error) { panic("boom") }, "application/json", `{"detail":"Internal Server Error"}`, false},
		{"fixed incident", true, func(*http.Request) (*response, error) { return nil, errSessionMisuse }, "application/json", `{"detail":"Internal Server Error"}`, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tg := New(Options{Fixed: tc.fixed})
			srv := httptest.NewServer(tg.stack(tc.app))
			defer srv.Close()
			resp, err := srv.Client().Get(srv.URL + "/x")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 500 {
				t.Fatalf("status %d, want 500", resp.StatusCode)
			}
			if ct := resp.Header.Get("Content-Type"); ct != tc.wantCT {
				t.Errorf("Content-Type %q, want %q", ct, tc.wantCT)
			}
			if !strings.Contains(string(body), tc.wantBody) {
				t.Errorf("body %q, want it to contain %q", body, tc.wantBody)
			}
			if tc.fixed && strings.Contains(string(body), "Traceback") {
				t.Errorf("fixed variant leaked a traceback: %s", body)
			}
			for _, kv := range securityHeaders {
				if got := resp.Header.Get(kv[0]) != ""; got == tc.wantNoHdr {
					t.Errorf("%s present = %v, want %v", kv[0], got, !tc.wantNoHdr)
				}
			}
			if resp.Header.Get("Server") == "" {
				t.Error("no Server header: the server layer must set it on every response")
			}
			if st := tg.Stats(); st.Status5xx != 1 || st.Requests != 1 {
				t.Errorf("stats %+v, want 1 request, 1 5xx", st)
			}
		})
	}
}

func TestTracebackShape(t *testing.T) {
	tb := errSessionMisuse.Traceback()
	lines := strings.Split(strings.TrimSuffix(tb, "\n"), "\n")
	if lines[0] != "Traceback (most recent call last):" {
		t.Errorf("first line %q", lines[0])
	}
	if want := `  File "/app/app/routers/items.py", line 42, in list_items`; lines[len(lines)-3] != want {
		t.Errorf("last frame %q, want %q", lines[len(lines)-3], want)
	}
	if want := "AttributeError: '_AsyncGeneratorContextManager' object has no attribute 'execute'"; lines[len(lines)-1] != want {
		t.Errorf("last line %q, want %q", lines[len(lines)-1], want)
	}
}
