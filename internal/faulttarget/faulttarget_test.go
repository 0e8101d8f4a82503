package faulttarget

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// outcome is what a plain client sees: a transport or body error, or a status with what the
// case wants to look at.
type outcome struct {
	err    error // from Do or from reading the body
	status int
	resp   *http.Response
	body   []byte
	n      int64 // body bytes read (the body is not kept beyond 1 MiB)
}

func fetch(c *http.Client, req *http.Request) outcome {
	resp, err := c.Do(req)
	if err != nil {
		return outcome{err: err}
	}
	defer resp.Body.Close()
	var buf strings.Builder
	n, err := io.Copy(&limitedWriter{w: &buf, left: 1 << 20}, resp.Body)
	return outcome{err: err, status: resp.StatusCode, resp: resp, body: []byte(buf.String()), n: n}
}

// limitedWriter keeps the first left bytes and discards the rest.
type limitedWriter struct {
	w    io.Writer
	left int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if l.left > 0 {
		k := min(len(p), l.left)
		l.w.Write(p[:k]) //nolint:errcheck // strings.Builder never fails
		l.left -= k
	}
	return len(p), nil
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func TestEndpointsOnce(t *testing.T) {
	s, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)

	landing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "landed") //nolint:errcheck
	}))
	t.Cleanup(landing.Close)

	cases := []struct {
		name     string
		path     string
		header   map[string]string
		noFollow bool
		check    func(t *testing.T, o outcome)
	}{
		{"reset", "/reset", nil, false, wantErr(nil)},
		{"close after headers", "/close-after-headers", nil, false, wantErr(func(err error) bool {
			return errors.Is(err, io.ErrUnexpectedEOF)
		})},
		{"huge", "/huge", nil, false, func(t *testing.T, o outcome) {
			wantStatus(t, o, 200)
			if o.n != HugeSize {
				t.Errorf("read %d bytes, want %d", o.n, HugeSize)
			}
		}},
		{"trickle", "/trickle", nil, false, wantErr(isTimeout)},
		{"big header", "/big-header", nil, false, func(t *testing.T, o outcome) {
			wantStatus(t, o, 200)
			if got := len(o.resp.Header.Get("X-Big")); got != BigHeaderSize {
				t.Errorf("X-Big is %d bytes, want %d", got, BigHeaderSize)
			}
		}},
		{"many headers", "/many-headers", nil, false, func(t *testing.T, o outcome) {
			wantStatus(t, o, 200)
			n := 0
			for k := range o.resp.Header {
				if strings.HasPrefix(k, "X-Many-") {
					n++
				}
			}
			if n != ManyHeaders {
				t.Errorf("%d X-Many-* headers, want %d", n, ManyHeaders)
			}
		}},
		{"http/1.0", "/http10", nil, false, func(t *testing.T, o outcome) {
			wantStatus(t, o, 200)
			if o.resp.ProtoMajor != 1 || o.resp.ProtoMinor != 0 || o.resp.ContentLength != -1 {
				t.Errorf("proto %s, Content-Length %d, want HTTP/1.0 and -1", o.resp.Proto, o.resp.ContentLength)
			}
			if !strings.Contains(string(o.body), "ended by close") {
				t.Errorf("body %q", o.body)
			}
		}},
		{"connection close", "/conn-close", nil, false, func(t *testing.T, o outcome) {
			wantStatus(t, o, 200)
			if !o.resp.Close {
				t.Error("resp.Close = false, want the server to announce Connection: close")
			}
		}},
		{"204 with body", "/204-body", nil, false, func(t *testing.T, o outcome) {
			wantStatus(t, o, 204)
			if o.n != 0 {
				t.Errorf("client read %d body bytes of a 204", o.n)
			}
		}},
		{"304 with body", "/304-body", nil, false, func(t *testing.T, o outcome) {
			wantStatus(t, o, 304)
			if o.n != 0 {
				t.Errorf("client read %d body bytes of a 304", o.n)
			}
		}},
		{"bad gzip", "/bad-gzip", nil, false, wantErr(nil)},
		{"bad chunked", "/bad-chunked", nil, false, wantErr(nil)},
		{"hang", "/hang", nil, false, wantErr(isTimeout)},
		{"echo auth", "/echo-auth", map[string]string{"Authorization": "Bearer s3cret"}, false, func(t *testing.T, o outcome) {
			wantStatus(t, o, 200)
			if got := o.resp.Header.Get("X-Echo-Auth"); got != "Bearer s3cret" {
				t.Errorf("X-Echo-Auth %q", got)
			}
			if !strings.Contains(string(o.body), "Bearer s3cret") {
				t.Errorf("body %q does not echo the credentials", o.body)
			}
		}},
		{"redirect away, not followed", "/redirect-away?to=" + landing.URL + "/x", nil, true, func(t *testing.T, o outcome) {
			wantStatus(t, o, 302)
			if got := o.resp.Header.Get("Location"); got != landing.URL+"/x" {
				t.Errorf("Location %q, want %q", got, landing.URL+"/x")
			}
		}},
		{"redirect away, followed", "/redirect-away?to=" + landing.URL + "/x", nil, false, func(t *testing.T, o outcome) {
			wantStatus(t, o, 200)
			if string(o.body) != "landed" {
				t.Errorf("body %q, want the landing server's", o.body)
			}
		}},
		{"redirect away without to", "/redirect-away", nil, true, func(t *testing.T, o outcome) { wantStatus(t, o, 400) }},
		{"other path", "/anything", nil, false, func(t *testing.T, o outcome) { wantStatus(t, o, 200) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel() // /hang and /trickle each wait out the 2 s timeout
			tr := &http.Transport{}
			defer tr.CloseIdleConnections()
			c := &http.Client{Transport: tr, Timeout: 2 * time.Second}
			if tc.noFollow {
				c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
			}
			req, err := http.NewRequest(http.MethodGet, s.URL+tc.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			tc.check(t, fetch(c, req))
		})
	}
}

func wantStatus(t *testing.T, o outcome, status int) {
	t.Helper()
	if o.err != nil {
		t.Fatalf("error %v, want status %d", o.err, status)
	}
	if o.status != status {
		t.Fatalf("status %d, want %d (body %.200q)", o.status, status, o.body)
	}
}

// wantErr wants the client to fail, and the error to satisfy is when is set.
func wantErr(is func(error) bool) func(t *testing.T, o outcome) {
	return func(t *testing.T, o outcome) {
		t.Helper()
		if o.err == nil {
			t.Fatalf("status %d and a complete body (%d bytes), want a client error", o.status, o.n)
		}
		if is != nil && !is(o.err) {
			t.Errorf("error %v is not of the expected kind", o.err)
		}
		t.Logf("client error: %v", o.err)
	}
}

// TestCloseUnblocksHang proves Close ends a request that would otherwise never be answered,
// and ends it for the client too.
func TestCloseUnblocksHang(t *testing.T) {
	s, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 2)
	for _, path := range []string{"/hang", "/trickle"} {
		go func() {
			resp, err := http.Get(s.URL + path) // no timeout: only Close can end it
			if err == nil {
				_, err = io.ReadAll(resp.Body)
				resp.Body.Close()
			}
			errc <- err
		}()
	}
	for s.active.Load() < 2 { // wait until both handlers are running
		time.Sleep(time.Millisecond)
	}
	s.Close() // must return although /hang would never answer
	for range 2 {
		if err := <-errc; err == nil {
			t.Error("a hanging request completed without error after Close")
		}
	}
	if n := s.active.Load(); n != 0 {
		t.Errorf("%d handlers still running after Close", n)
	}
	s.Close() // a second Close is harmless
}
