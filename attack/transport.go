package attack

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/seccheck/seccheck/specs"
)

// maxRedirects bounds same-host redirects when target.follow_redirects is on; the last 3xx is
// then the response.
const maxRedirects = 10

// newClient builds the one HTTP client of an attack, shared by its phases so connections are
// reused. It is built here, not with vegeta's options, because vegeta's transport options panic
// after Client() and its transport un-gzips bodies, which hides the headers the server sent.
//
//   - TLS from the spec (insecure_skip_verify, ca_file, client_cert/client_key); HTTP/2 by ALPN
//     over TLS when target.http2, else HTTP/1.1 only.
//   - No transparent gzip (DisableCompression): headers and bodies arrive as sent.
//   - No proxy from the environment: traffic goes only where the spec says (invariant 7).
//   - conns idle connections kept per host: as many as requests in flight.
//   - Redirects are responses; with target.follow_redirects, only those to the same scheme
//     and host:port are followed, at most maxRedirects.
//   - X-Vegeta-* headers are stripped before the request leaves.
//   - A response body is read to at most max_body + drainAllowance bytes. Past that the body
//     reads as ended and closing it closes the connection instead of draining it: a 100 MiB
//     body costs max_body bytes and a reconnect, not 100 MiB of reading.
//   - target.timeout bounds each request from dial to the end of its body (each redirect hop
//     anew). It is enforced by requestTransport, not http.Client.Timeout: with a RoundTripper
//     other than *http.Transport the client arms a goroutine and a timer per request for it.
func newClient(t *specs.Target, conns int) (*http.Client, error) {
	tlsConf, err := tlsConfig(t)
	if err != nil {
		return nil, err
	}
	timeout := timeoutOf(t)
	dialer := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}
	protocols := new(http.Protocols)
	protocols.SetHTTP1(true)
	protocols.SetHTTP2(t.HTTP2)
	tr := &http.Transport{
		DialContext:         dialer.DialContext,
		TLSClientConfig:     tlsConf,
		TLSHandshakeTimeout: timeout,
		DisableCompression:  true,
		MaxIdleConnsPerHost: conns,
		IdleConnTimeout:     90 * time.Second,
		Protocols:           protocols,
	}
	follow := t.FollowRedirects
	return &http.Client{
		Transport: &requestTransport{next: tr, timeout: timeout, bodyCap: int64(t.MaxBody) + drainAllowance},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			first := via[0].URL
			if !follow || len(via) > maxRedirects || req.URL.Scheme != first.Scheme || req.URL.Host != first.Host {
				return http.ErrUseLastResponse
			}
			return nil
		},
	}, nil
}

func timeoutOf(t *specs.Target) time.Duration {
	if t.Timeout <= 0 {
		return specs.DefaultTimeout.D()
	}
	return t.Timeout.D()
}

// tlsConfig loads the spec's TLS material. Failures are *SetupError.
func tlsConfig(t *specs.Target) (*tls.Config, error) {
	c := &tls.Config{InsecureSkipVerify: t.InsecureSkipVerify}
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, &SetupError{What: "target.ca_file", Err: err}
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, &SetupError{What: "target.ca_file", Err: errors.New(t.CAFile + ": no PEM certificate found")}
		}
		c.RootCAs = pool
	}
	switch {
	case t.ClientCert != "" && t.ClientKey != "":
		pair, err := tls.LoadX509KeyPair(t.ClientCert, t.ClientKey)
		if err != nil {
			return nil, &SetupError{What: "target.client_cert/client_key", Err: err}
		}
		c.Certificates = []tls.Certificate{pair}
	case t.ClientCert != "":
		return nil, &SetupError{What: "target.client_key", Err: errors.New("missing: client_cert needs client_key")}
	case t.ClientKey != "":
		return nil, &SetupError{What: "target.client_cert", Err: errors.New("missing: client_key needs client_cert")}
	}
	return c, nil
}

// requestTransport strips the X-Vegeta-Seq and X-Vegeta-Attack headers vegeta adds to every
// request (the target must see the spec's request, nothing else) and bounds the request, body
// included, by the timeout.
//
// It deletes the headers in place, which a RoundTripper normally must not do. Here it is safe:
// vegeta builds a fresh request for every hit and never reads it again, and http.Client copies
// the headers it needs for redirects before the first round trip.
type requestTransport struct {
	next    *http.Transport
	timeout time.Duration
	bodyCap int64 // bytes of a response body read at most
}

// drainAllowance is how far past max_body a body is still read so that its connection can be
// reused; a body longer than that is cut and its connection closed.
const drainAllowance = 256 << 10

func (t *requestTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if _, ok := r.Header["X-Vegeta-Seq"]; ok {
		delete(r.Header, "X-Vegeta-Seq")
		delete(r.Header, "X-Vegeta-Attack")
	}
	ctx, cancel := context.WithTimeout(r.Context(), t.timeout)
	resp, err := t.next.RoundTrip(r.WithContext(ctx))
	if err != nil {
		cancel()
		return nil, err
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel, left: t.bodyCap}
	return resp, nil
}

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the transport.
func (t *requestTransport) CloseIdleConnections() { t.next.CloseIdleConnections() }

// cancelOnClose ends a request's timeout context once its body is closed, and reads as ended
// after left bytes (the body cap). Closing a body that was not read to its real end makes
// net/http close the connection rather than drain it.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
	left   int64
}

func (c *cancelOnClose) Read(p []byte) (int, error) {
	if c.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.ReadCloser.Read(p)
	c.left -= int64(n)
	return n, err
}

func (c *cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}
