package attack

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/seccheck/seccheck/specs"
)

// resetHandler closes the connection with an RST before answering.
func resetHandler(w http.ResponseWriter, r *http.Request) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		panic(err)
	}
	conn.(*net.TCPConn).SetLinger(0)
	conn.Close()
}

// slowHandler answers after 5 s, or when the client gives up.
func slowHandler(w http.ResponseWriter, r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-time.After(5 * time.Second):
	}
}

// runHits runs spec's phases and returns every hit (copied).
func runHits(t *testing.T, spec *specs.Spec, opts ...Option) ([]Hit, *RunInfo) {
	t.Helper()
	var hits []Hit
	info, err := mustNew(t, spec, opts...).Run(context.Background(), func(h *Hit) {
		c := *h
		c.Body = bytes.Clone(h.Body) // Run reuses the body buffers of closed phases
		hits = append(hits, c)
	})
	if err != nil {
		t.Fatal(err)
	}
	return hits, info
}

// TestTransportErrors: failures are classified by kind, through Run (vegeta's error text) and
// through Probe (Go's typed errors), and their text carries neither URL nor endpoint tag.
func TestTransportErrors(t *testing.T) {
	t.Parallel()
	pki := newPKI(t)
	cert, _, _ := pki.issue(t, "server", true, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	tlsSrv := tlsServer(t, func(w http.ResponseWriter, r *http.Request) {}, cert, nil, false)
	reset := newServer(t, resetHandler)
	slow := newServer(t, slowHandler)
	plainToTLS := newServer(t, func(w http.ResponseWriter, r *http.Request) {})
	stalls := newServer(t, func(w http.ResponseWriter, r *http.Request) { // headers, then nothing
		w.Write([]byte("partial"))
		w.(http.Flusher).Flush()
		slowHandler(w, r)
	})

	tests := []struct {
		name, url, kind string
		timeout         time.Duration
	}{
		{"reset", reset.URL, KindReset, 0},
		{"timeout", slow.URL, KindTimeout, 200 * time.Millisecond},
		{"timeout reading the body", stalls.URL, KindTimeout, 200 * time.Millisecond},
		{"refused", "http://" + closedPort(t), KindRefused, 0},
		{"tls unknown authority", tlsSrv.URL, KindTLS, 0},
		{"https to a plain server", strings.Replace(plainToTLS.URL, "http:", "https:", 1), KindTLS, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			spec := testSpec(tc.url, openPhase(200*time.Millisecond, 25, 0))
			if tc.timeout > 0 {
				spec.Target.Timeout = specs.Duration(tc.timeout)
			}
			hits, info := runHits(t, spec)
			if len(hits) != 5 || info.Errors != 5 || info.Responses != 0 {
				t.Fatalf("%d hits, info %+v: want 5 transport errors", len(hits), info)
			}
			for _, h := range hits {
				if h.ErrKind != tc.kind || h.Status != 0 || h.Err == nil || h.Header != nil {
					t.Fatalf("hit: kind %q status %d err %v; want kind %q", h.ErrKind, h.Status, h.Err, tc.kind)
				}
				if msg := h.Err.Error(); strings.Contains(msg, "#") || strings.Contains(msg, "://") {
					t.Errorf("error text %q names the request", msg)
				}
			}
			t.Logf("run: %s: %v", hits[0].ErrKind, hits[0].Err)

			// The closed model has workers of its own: the same kinds, from Go's typed errors.
			closed := testSpec(tc.url, closedPhase(100*time.Millisecond, 2))
			closed.Target.Timeout = spec.Target.Timeout
			hits, info = runHits(t, closed)
			if len(hits) == 0 || info.Errors != uint64(len(hits)) {
				t.Fatalf("closed: %d hits, info %+v: want only transport errors", len(hits), info)
			}
			for _, h := range hits {
				if h.ErrKind != tc.kind || h.Status != 0 || h.Body != nil || strings.Contains(h.Err.Error(), "://") {
					t.Fatalf("closed: kind %q status %d err %v; want kind %q", h.ErrKind, h.Status, h.Err, tc.kind)
				}
			}

			hit, err := Probe(context.Background(), spec, 0, true)
			if err != nil {
				t.Fatal(err)
			}
			if hit.ErrKind != tc.kind || hit.Status != 0 {
				t.Errorf("Probe: kind %q (%v), want %q", hit.ErrKind, hit.Err, tc.kind)
			}
		})
	}
}

func TestClassifyError(t *testing.T) {
	opErr := func(e error) error {
		return &url.Error{Op: "Get", URL: "http://x", Err: &net.OpError{Op: "dial", Net: "tcp", Err: e}}
	}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"nil", nil, ""},
		{"refused", opErr(os.NewSyscallError("connect", syscall.ECONNREFUSED)), KindRefused},
		{"reset", opErr(os.NewSyscallError("read", syscall.ECONNRESET)), KindReset},
		{"broken pipe", opErr(os.NewSyscallError("write", syscall.EPIPE)), KindReset},
		{"eof", &url.Error{Op: "Get", URL: "http://x", Err: io.EOF}, KindReset},
		{"deadline", &url.Error{Op: "Get", URL: "http://x", Err: context.DeadlineExceeded}, KindTimeout},
		{"unknown authority", &url.Error{Op: "Get", Err: x509.UnknownAuthorityError{}}, KindTLS},
		{"expired", x509.CertificateInvalidError{Reason: x509.Expired}, KindTLS},
		{"hostname", x509.HostnameError{Host: "h", Certificate: &x509.Certificate{}}, KindTLS},
		{"text: client timeout", errors.New(`Get "http://x": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`), KindTimeout},
		{"text: handshake timeout", errors.New("net/http: TLS handshake timeout"), KindTimeout},
		{"text: refused", errors.New("dial tcp 127.0.0.1:1: connect: connection refused"), KindRefused},
		{"text: reset", errors.New("read tcp 127.0.0.1:2->127.0.0.1:1: read: connection reset by peer"), KindReset},
		{"text: remote tls alert", errors.New("remote error: tls: certificate required"), KindTLS},
		{"text: x509", errors.New("tls: failed to verify certificate: x509: certificate signed by unknown authority"), KindTLS},
		{"other", errors.New("lookup nowhere.invalid: no such host"), KindOther},
		{"canceled", context.Canceled, KindOther},
	}
	for _, tc := range tests {
		if got := ClassifyError(tc.err); got != tc.want {
			t.Errorf("%s: ClassifyError(%v) = %q, want %q", tc.name, tc.err, got, tc.want)
		}
	}
}

// TestTLS: a certificate made at test time by a test CA is refused without configuration and
// accepted with ca_file or insecure_skip_verify; mTLS works with client_cert/client_key and
// fails without; bad material is a *SetupError; http2 negotiates HTTP/2.
func TestTLS(t *testing.T) {
	t.Parallel()
	pki := newPKI(t)
	now := time.Now()
	serverCert, _, _ := pki.issue(t, "server", true, now.Add(-time.Hour), now.Add(time.Hour))
	_, clientCertFile, clientKeyFile := pki.issue(t, "client", false, now.Add(-time.Hour), now.Add(time.Hour))
	proto := func(w http.ResponseWriter, r *http.Request) { w.Header().Set("X-Proto", r.Proto) }
	plain := tlsServer(t, proto, serverCert, nil, true)
	pool := x509.NewCertPool()
	pool.AddCert(pki.ca)
	mtls := tlsServer(t, proto, serverCert, pool, false)

	tests := []struct {
		name      string
		url       string
		configure func(*specs.Target)
		wantKind  string
		wantProto string
	}{
		{"no trust", plain.URL, func(*specs.Target) {}, KindTLS, ""},
		{"ca_file", plain.URL, func(tg *specs.Target) { tg.CAFile = pki.caFile }, "", "HTTP/1.1"},
		{"insecure_skip_verify", plain.URL, func(tg *specs.Target) { tg.InsecureSkipVerify = true }, "", "HTTP/1.1"},
		{"http2", plain.URL, func(tg *specs.Target) { tg.CAFile = pki.caFile; tg.HTTP2 = true }, "", "HTTP/2.0"},
		{"mTLS", mtls.URL, func(tg *specs.Target) {
			tg.CAFile, tg.ClientCert, tg.ClientKey = pki.caFile, clientCertFile, clientKeyFile
		}, "", "HTTP/1.1"},
		{"mTLS without a client certificate", mtls.URL, func(tg *specs.Target) { tg.CAFile = pki.caFile }, KindTLS, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			spec := testSpec(tc.url, openPhase(100*time.Millisecond, 30, 0))
			tc.configure(&spec.Target)
			hits, _ := runHits(t, spec)
			if len(hits) != 3 {
				t.Fatalf("%d hits, want 3", len(hits))
			}
			for _, h := range hits {
				if h.ErrKind != tc.wantKind || h.Header.Get("X-Proto") != tc.wantProto {
					t.Errorf("kind %q (%v), proto %q; want kind %q, proto %q",
						h.ErrKind, h.Err, h.Header.Get("X-Proto"), tc.wantKind, tc.wantProto)
				}
			}
		})
	}

	garbage := filepath.Join(t.TempDir(), "garbage.pem")
	os.WriteFile(garbage, []byte("not a certificate"), 0o600)
	bad := []struct {
		name      string
		configure func(*specs.Target)
	}{
		{"ca_file missing", func(tg *specs.Target) { tg.CAFile = filepath.Join(t.TempDir(), "nope.pem") }},
		{"ca_file not PEM", func(tg *specs.Target) { tg.CAFile = garbage }},
		{"client key missing", func(tg *specs.Target) { tg.ClientCert = clientCertFile }},
		{"client pair mismatched", func(tg *specs.Target) { tg.ClientCert, tg.ClientKey = clientCertFile, garbage }},
	}
	for _, tc := range bad {
		spec := testSpec(plain.URL)
		tc.configure(&spec.Target)
		_, err := New(spec)
		var se *SetupError
		if !errors.As(err, &se) {
			t.Errorf("%s: New error %v, want *SetupError", tc.name, err)
		}
	}
}

// TestRequestAsSpecified: the target sees the spec's request and nothing else, and the hit
// shows the response as sent (no transparent gzip), body capped at max_body.
func TestRequestAsSpecified(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	got := map[string]http.Header{}
	bodies := map[string]string{}
	big := bytes.Repeat([]byte("a"), 10000)
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got[r.URL.Path] = r.Header.Clone()
		bodies[r.URL.Path] = string(b)
		mu.Unlock()
		switch r.URL.Path {
		case "/gzip":
			w.Header().Set("Content-Encoding", "gzip")
			zw := gzip.NewWriter(w)
			zw.Write([]byte("hello"))
			zw.Close()
		case "/big":
			w.Write(big)
		}
	})
	spec := testSpec(srv.URL, openPhase(100*time.Millisecond, 40, 0), closedPhase(100*time.Millisecond, 4))
	spec.Target.MaxBody = 100
	spec.Target.Headers = map[string]string{"User-Agent": "seccheck-test", "X-Env": "staging"}
	spec.Auth = &specs.Auth{Bearer: "tok-123"}
	spec.Endpoints = []specs.Endpoint{
		{Name: "gzip", Method: "GET", Path: "/gzip", Weight: 1, Headers: map[string]string{"X-Env": "override"}},
		{Name: "post", Method: "POST", Path: "/post", Weight: 1, Body: `{"sku":"A-1"}`,
			Auth: &specs.Auth{Basic: &specs.BasicAuth{User: "svc", Password: "pw"}}},
		{Name: "key", Method: "GET", Path: "/big", Weight: 1, Auth: &specs.Auth{Header: &specs.HeaderAuth{Name: "X-API-Key", Value: "k1"}}},
		{Name: "anon", Method: "GET", Path: "/anon", Weight: 1, Auth: &specs.Auth{None: true}},
	}
	hits, _ := runHits(t, spec)
	mu.Lock()
	defer mu.Unlock()
	want := map[string]map[string]string{
		"/gzip": {"Authorization": "Bearer tok-123", "X-Env": "override", "User-Agent": "seccheck-test"},
		"/post": {"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte("svc:pw")), "X-Env": "staging"},
		"/big":  {"X-Api-Key": "k1", "Authorization": ""},
		"/anon": {"Authorization": "", "X-Env": "staging"},
	}
	for path, headers := range want {
		h := got[path]
		if h == nil {
			t.Fatalf("no request to %s", path)
		}
		for k, v := range headers {
			if h.Get(k) != v {
				t.Errorf("%s: %s = %q, want %q", path, k, h.Get(k), v)
			}
		}
		for k := range h {
			if strings.HasPrefix(k, "X-Vegeta") || k == "Accept-Encoding" {
				t.Errorf("%s: the target saw %s: %q", path, k, h[k])
			}
		}
	}
	if bodies["/post"] != `{"sku":"A-1"}` {
		t.Errorf("POST body %q", bodies["/post"])
	}
	for _, h := range hits {
		switch h.Endpoint {
		case 0:
			if h.Header.Get("Content-Encoding") != "gzip" || !bytes.HasPrefix(h.Body, []byte{0x1f, 0x8b}) {
				t.Errorf("gzip: Content-Encoding %q body %q: want the response as sent", h.Header.Get("Content-Encoding"), h.Body)
			}
		case 2:
			if len(h.Body) != 100 || h.BytesIn != 100 {
				t.Errorf("big: kept %d bytes (BytesIn %d), want max_body 100", len(h.Body), h.BytesIn)
			}
		}
		if wantCred := h.Endpoint != 3; h.Credentialed != wantCred {
			t.Errorf("endpoint %d: Credentialed %v", h.Endpoint, h.Credentialed)
		}
	}
}

// TestRedirects: a redirect is a response; following (when asked) stays on the same host.
func TestRedirects(t *testing.T) {
	t.Parallel()
	var elsewhere atomic.Int64
	other := newServer(t, func(w http.ResponseWriter, r *http.Request) { elsewhere.Add(1) })
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/away":
			http.Redirect(w, r, other.URL+"/stolen", http.StatusFound)
		case "/here":
			http.Redirect(w, r, "/final", http.StatusMovedPermanently)
		case "/final":
			fmt.Fprint(w, "final")
		}
	})
	tests := []struct {
		path       string
		follow     bool
		wantStatus int
	}{
		{"/away", false, 302},
		{"/away", true, 302},
		{"/here", false, 301},
		{"/here", true, 200},
	}
	for _, tc := range tests {
		spec := testSpec(srv.URL, openPhase(100*time.Millisecond, 50, 0))
		spec.Endpoints[0].Path = tc.path
		spec.Target.FollowRedirects = tc.follow
		hits, _ := runHits(t, spec)
		for _, h := range hits {
			if h.Status != tc.wantStatus {
				t.Errorf("%s follow=%v: status %d, want %d", tc.path, tc.follow, h.Status, tc.wantStatus)
				break
			}
		}
		hit, err := Probe(context.Background(), spec, 0, true)
		if err != nil || hit.Status != tc.wantStatus {
			t.Errorf("%s follow=%v: Probe status %v (err %v), want %d", tc.path, tc.follow, hit, err, tc.wantStatus)
		}
	}
	if n := elsewhere.Load(); n != 0 {
		t.Errorf("the other host got %d requests, want 0", n)
	}
}

// TestPreflight: any HTTP response is reachable; failures are one line, say what to do, and
// carry no credentials.
func TestPreflight(t *testing.T) {
	t.Parallel()
	pki := newPKI(t)
	now := time.Now()
	valid, _, _ := pki.issue(t, "server", true, now.Add(-time.Hour), now.Add(time.Hour))
	expired, _, _ := pki.issue(t, "expired", true, now.Add(-48*time.Hour), now.Add(-24*time.Hour))
	okTLS := tlsServer(t, func(w http.ResponseWriter, r *http.Request) {}, valid, nil, false)
	expiredTLS := tlsServer(t, func(w http.ResponseWriter, r *http.Request) {}, expired, nil, false)
	fails := newServer(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) })
	slow := newServer(t, slowHandler)
	refused := "http://" + closedPort(t)

	tests := []struct {
		name     string
		url      string
		caFile   string
		wantKind string   // "" = reachable
		wantMsg  []string // substrings of the error
	}{
		{"500 is reachable", fails.URL, "", "", nil},
		{"TLS with ca_file", okTLS.URL, pki.caFile, "", nil},
		{"refused", refused, "", KindRefused, []string{"cannot reach " + refused + ": connection refused"}},
		{"timeout", slow.URL, "", KindTimeout, []string{"no response within 200ms"}},
		{"unknown authority", okTLS.URL, "", KindTLS, []string{
			"cannot reach " + okTLS.URL + ": x509: certificate signed by unknown authority — set target.ca_file to the CA that signed it, or insecure_skip_verify: true for a test target"}},
		{"expired", expiredTLS.URL, pki.caFile, KindTLS, []string{
			"certificate has expired (not after " + expired.Leaf.NotAfter.UTC().Format(time.RFC3339) + ")"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			spec := testSpec(tc.url)
			spec.Target.CAFile = tc.caFile
			if tc.wantKind == KindTimeout {
				spec.Target.Timeout = specs.Duration(200 * time.Millisecond)
			}
			spec.Auth = &specs.Auth{Bearer: "s3cret-token"}
			spec.Target.Headers = map[string]string{"X-Secret": "hdr-s3cret"}
			err := mustNew(t, spec).Preflight(context.Background())
			if tc.wantKind == "" {
				if err != nil {
					t.Fatalf("Preflight: %v, want reachable", err)
				}
				return
			}
			var ue *UnreachableError
			if !errors.As(err, &ue) {
				t.Fatalf("Preflight error %v (%T), want *UnreachableError", err, err)
			}
			msg := err.Error()
			t.Log(msg)
			if ue.Kind != tc.wantKind || strings.Contains(msg, "\n") || strings.Contains(msg, "s3cret") {
				t.Errorf("kind %q, message %q: want kind %q, one line, no secrets", ue.Kind, msg, tc.wantKind)
			}
			for _, s := range tc.wantMsg {
				if !strings.Contains(msg, s) {
					t.Errorf("message %q lacks %q", msg, s)
				}
			}
		})
	}
}

// TestProbe: one request, with or without the endpoint's credentials.
func TestProbe(t *testing.T) {
	t.Parallel()
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer t" {
			w.WriteHeader(401)
			return
		}
		fmt.Fprint(w, r.Method)
	})
	spec := testSpec(srv.URL)
	spec.Auth = &specs.Auth{Bearer: "t"}
	spec.Endpoints[0].Method = "DELETE"
	for _, cred := range []bool{true, false} {
		hit, err := Probe(context.Background(), spec, 0, cred)
		if err != nil {
			t.Fatal(err)
		}
		wantStatus := map[bool]int{true: 200, false: 401}[cred]
		if hit.Status != wantStatus || hit.Credentialed != cred || hit.Phase != -1 || hit.Method != "DELETE" || hit.Latency != hit.Service {
			t.Errorf("credentials %v: %+v", cred, hit)
		}
		if cred && string(hit.Body) != "DELETE" {
			t.Errorf("body %q", hit.Body)
		}
	}
	if _, err := Probe(context.Background(), spec, 1, true); err == nil {
		t.Error("Probe of endpoint 1 of 1: want an error")
	}
}
