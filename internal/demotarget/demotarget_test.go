package demotarget_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/seccheck/seccheck/internal/demotarget"
)

const incidentError = "AttributeError: '_AsyncGeneratorContextManager' object has no attribute 'execute'"

// start runs a target on 127.0.0.1 and a client with enough idle connections for the load tests.
func start(t *testing.T, opts demotarget.Options) (*demotarget.Server, *http.Client) {
	t.Helper()
	s, err := demotarget.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	tr := &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}
	t.Cleanup(tr.CloseIdleConnections)
	return s, &http.Client{Transport: tr}
}

type result struct {
	status int
	header http.Header
	body   string
}

func do(t *testing.T, c *http.Client, req *http.Request) result {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", req.Method, req.URL, err)
	}
	return result{resp.StatusCode, resp.Header, string(b)}
}

func get(t *testing.T, c *http.Client, url string) result {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return do(t, c, req)
}

// missingHeaders lists the security headers absent from h.
func missingHeaders(h http.Header) []string {
	var missing []string
	for name := range demotarget.SecurityHeaders() {
		if h.Get(name) == "" {
			missing = append(missing, name)
		}
	}
	return missing
}

func TestSequentialItemsNeverFail(t *testing.T) {
	s, c := start(t, demotarget.Options{})
	for i := range 200 {
		r := get(t, c, s.URL+"/api/items")
		if r.status != http.StatusOK {
			t.Fatalf("request %d: status %d, body:\n%s", i, r.status, r.body)
		}
		if m := missingHeaders(r.header); len(m) > 0 {
			t.Fatalf("request %d: missing %v", i, m)
		}
	}
	if st := s.Target.Stats(); st.Status5xx != 0 || st.PoolOverflows != 0 || st.Requests != 200 {
		t.Errorf("stats = %+v, want 200 requests, no 5xx, no overflow", st)
	}
}

// hammer sends 50 × 20 concurrent GET /api/items, released together, and returns every result.
func hammer(t *testing.T, s *demotarget.Server, c *http.Client) []result {
	t.Helper()
	const workers, perWorker = 50, 20
	var (
		mu   sync.Mutex
		all  []result
		wg   sync.WaitGroup
		gate = make(chan struct{})
	)
	for range workers {
		wg.Go(func() {
			<-gate
			for range perWorker {
				resp, err := c.Get(s.URL + "/api/items")
				if err != nil {
					t.Error(err)
					return
				}
				b, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				all = append(all, result{resp.StatusCode, resp.Header, string(b)})
				mu.Unlock()
			}
		})
	}
	close(gate)
	wg.Wait()
	return all
}

func TestConcurrentItemsFailLikeTheIncident(t *testing.T) {
	var logs lockedBuffer
	s, c := start(t, demotarget.Options{Log: &logs})
	var n500 uint64
	for i, r := range hammer(t, s, c) {
		switch r.status {
		case http.StatusOK:
			if m := missingHeaders(r.header); len(m) > 0 {
				t.Errorf("response %d: 200 missing %v", i, m)
			}
		case http.StatusInternalServerError:
			n500++
			if n500 > 3 { // every 500 is checked; print at most a few
				continue
			}
			for name := range demotarget.SecurityHeaders() {
				if v := r.header.Get(name); v != "" {
					t.Errorf("response %d: 500 has %s: %q, want the last-resort handler's bare response", i, name, v)
				}
			}
			if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
				t.Errorf("response %d: 500 Content-Type %q, want text/plain", i, ct)
			}
			if sv := r.header.Get("Server"); sv != "demo-api/1.4.2" {
				t.Errorf("response %d: 500 Server %q, want demo-api/1.4.2", i, sv)
			}
			for _, want := range []string{
				"Traceback (most recent call last):",
				`File "/app/app/routers/items.py", line 42, in list_items`,
			} {
				if !strings.Contains(r.body, want) {
					t.Errorf("response %d: 500 body lacks %q:\n%s", i, want, r.body)
				}
			}
			if !strings.HasSuffix(strings.TrimSpace(r.body), incidentError) {
				t.Errorf("response %d: 500 body does not end with %q:\n%s", i, incidentError, r.body)
			}
		default:
			t.Errorf("response %d: status %d, body:\n%s", i, r.status, r.body)
		}
	}
	if n500 == 0 {
		t.Fatalf("50 concurrent clients got no 500; stats %+v", s.Target.Stats())
	}
	st := s.Target.Stats()
	if st.Status5xx != n500 || st.PoolOverflows != n500 {
		t.Errorf("stats = %+v, want Status5xx = PoolOverflows = %d (the 500s seen)", st, n500)
	}
	if st.MaxInFlight <= demotarget.DefaultPool {
		t.Errorf("MaxInFlight = %d, want > %d", st.MaxInFlight, demotarget.DefaultPool)
	}
	if !strings.Contains(logs.String(), "ERROR app.middleware.security: unhandled error in GET /api/items: "+incidentError) {
		t.Errorf("log lacks the middleware's line; got:\n%.500s", logs.String())
	}
	t.Logf("%d of 1000 failed; stats %+v", n500, st)
}

func TestFixedUnderLoad(t *testing.T) {
	s, c := start(t, demotarget.Options{Fixed: true})
	for i, r := range hammer(t, s, c) {
		if r.status != http.StatusOK {
			t.Fatalf("response %d: status %d, body:\n%s", i, r.status, r.body)
		}
		if m := missingHeaders(r.header); len(m) > 0 {
			t.Fatalf("response %d: missing %v", i, m)
		}
	}
	if st := s.Target.Stats(); st.Status5xx != 0 || st.PoolOverflows != 0 {
		t.Errorf("stats = %+v, want no 5xx, no overflow", st)
	}
}

func TestEndpoints(t *testing.T) {
	type want struct {
		status      int
		contentType string
		bodyHas     string
		cookie      bool // a session cookie is set
	}
	cases := []struct {
		name   string
		method string
		path   string
		header map[string]string
		body   string
		want   want
	}{
		{"health", "GET", "/api/health", nil, "", want{200, "application/json", `"status":"ok"`, false}},
		{"items", "GET", "/api/items", nil, "", want{200, "application/json", `"name":"widget"`, true}},
		{"secure without token", "GET", "/api/secure", nil, "", want{401, "application/json", `"detail":"Not authenticated"`, false}},
		{"secure wrong scheme", "GET", "/api/secure", map[string]string{"Authorization": "Basic ZGVtbzpkZW1v"}, "", want{401, "application/json", `Not authenticated`, false}},
		{"secure wrong token", "GET", "/api/secure", map[string]string{"Authorization": "Bearer nope"}, "", want{401, "application/json", `Invalid token`, false}},
		{"secure with token", "GET", "/api/secure", map[string]string{"Authorization": "Bearer demo-token"}, "", want{200, "application/json", `"user":"demo"`, false}},
		{"login malformed", "POST", "/api/login", map[string]string{"Content-Type": "application/json"}, `{"user": "demo", "password": `, want{422, "application/json", `"type":"json_invalid"`, false}},
		{"login missing field", "POST", "/api/login", map[string]string{"Content-Type": "application/json"}, `{"user": "demo"}`, want{422, "application/json", `"loc":["body","password"]`, false}},
		{"login ok", "POST", "/api/login", map[string]string{"Content-Type": "application/json"}, `{"user": "demo", "password": "pw"}`, want{200, "application/json", `"user":"demo"`, true}},
		{"unknown path", "GET", "/nope", nil, "", want{404, "application/json", `"detail":"Not Found"`, false}},
		{"wrong method", "DELETE", "/api/items", nil, "", want{405, "application/json", `Method Not Allowed`, false}},
	}
	for _, variant := range []struct {
		name  string
		fixed bool
	}{{"broken", false}, {"fixed", true}} {
		t.Run(variant.name, func(t *testing.T) {
			s, c := start(t, demotarget.Options{Fixed: variant.fixed})
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					req, err := http.NewRequest(tc.method, s.URL+tc.path, strings.NewReader(tc.body))
					if err != nil {
						t.Fatal(err)
					}
					for k, v := range tc.header {
						req.Header.Set(k, v)
					}
					got := do(t, c, req)
					if got.status != tc.want.status {
						t.Fatalf("%s %s: status %d, want %d; body %s", tc.method, tc.path, got.status, tc.want.status, got.body)
					}
					if ct := got.header.Get("Content-Type"); ct != tc.want.contentType {
						t.Errorf("Content-Type %q, want %q", ct, tc.want.contentType)
					}
					if !strings.Contains(got.body, tc.want.bodyHas) {
						t.Errorf("body %s, want it to contain %s", got.body, tc.want.bodyHas)
					}
					if tc.want.status == 422 {
						var v struct{ Detail []map[string]any }
						if err := json.Unmarshal([]byte(got.body), &v); err != nil || len(v.Detail) == 0 {
							t.Errorf("422 body %s is not FastAPI's {\"detail\": [...]} (%v)", got.body, err)
						}
					}
					// Handled errors (401, 404, 405, 422) go out through the security middleware
					// in both variants; only the last-resort 500 bypasses it.
					if m := missingHeaders(got.header); len(m) > 0 {
						t.Errorf("missing %v", m)
					}
					wantServer := "demo-api/1.4.2"
					if variant.fixed {
						wantServer = "demo-api"
					}
					if sv := got.header.Get("Server"); sv != wantServer {
						t.Errorf("Server %q, want %q", sv, wantServer)
					}
					checkCookie(t, got.header.Values("Set-Cookie"), tc.want.cookie, variant.fixed)
				})
			}
		})
	}
}

func checkCookie(t *testing.T, cookies []string, want, fixed bool) {
	t.Helper()
	if !want {
		if len(cookies) > 0 {
			t.Errorf("Set-Cookie %q, want none", cookies)
		}
		return
	}
	if len(cookies) != 1 {
		t.Fatalf("Set-Cookie %q, want one session cookie", cookies)
	}
	c := cookies[0]
	for _, attr := range []string{"session=", "; Path=/", "; Secure", "; SameSite=Lax"} {
		if !strings.Contains(c, attr) {
			t.Errorf("cookie %q lacks %q", c, attr)
		}
	}
	if got := strings.Contains(c, "HttpOnly"); got != fixed {
		t.Errorf("cookie %q: HttpOnly = %v, want %v", c, got, fixed)
	}
}

func TestStartAtBindsLoopbackWithoutHost(t *testing.T) {
	s, err := demotarget.StartAt(":0", demotarget.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !strings.HasPrefix(s.Addr, "127.0.0.1:") {
		t.Errorf("Addr = %q, want 127.0.0.1:PORT", s.Addr)
	}
	if r := get(t, http.DefaultClient, s.URL+"/api/health"); r.status != 200 {
		t.Errorf("health: %d", r.status)
	}
	s.Close() // a second Close is harmless
	if _, err := demotarget.StartAt("not-an-address", demotarget.Options{}); err == nil {
		t.Error("StartAt(not-an-address): want an error")
	}
}

// lockedBuffer is an io.Writer the target may log to while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
