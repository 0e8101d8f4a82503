package attack

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"
)

// Kinds of transport failure, as reported in Hit.ErrKind and by ClassifyError.
const (
	KindTimeout = "timeout"
	KindRefused = "refused"
	KindReset   = "reset"
	KindTLS     = "tls"
	KindOther   = "other"
)

// SetupError means the attack cannot be built from the spec: bad TLS material (an unreadable
// or unparsable ca_file, client_cert or client_key). Nothing was sent. Upstream exits with 3.
type SetupError struct {
	What string // the spec field at fault, e.g. "target.ca_file"
	Err  error
}

func (e *SetupError) Error() string { return e.What + ": " + e.Err.Error() }
func (e *SetupError) Unwrap() error { return e.Err }

// UnreachableError is a failed preflight: the target did not answer with any HTTP response.
// Its message is one line, names the URL and says what to do; it never holds credentials.
type UnreachableError struct {
	URL  string // target.url, password (if any) redacted
	Kind string // timeout | refused | reset | tls | other
	Err  error  // the transport error, without the URL
	Msg  string // what happened and what to do next
}

func (e *UnreachableError) Error() string { return "cannot reach " + e.URL + ": " + e.Msg }
func (e *UnreachableError) Unwrap() error { return e.Err }

// TransportError is Hit.Err: a request that got no HTTP response. Msg is Go's error text without
// the "Get \"URL\": " prefix.
type TransportError struct {
	Kind string
	Msg  string
}

func (e *TransportError) Error() string { return e.Msg }

// ClassifyError names the kind of a transport failure: "timeout", "refused", "reset", "tls" or
// "other" ("" for nil). Typed errors are inspected first (x509 and tls errors, timeouts,
// ECONNREFUSED, ECONNRESET/EPIPE, a connection closed before a response); error text is the
// fallback, which is all vegeta's Result carries.
func ClassifyError(err error) string {
	if err == nil {
		return ""
	}
	var (
		unknownAuthority x509.UnknownAuthorityError
		certInvalid      x509.CertificateInvalidError
		hostname         x509.HostnameError
		verification     *tls.CertificateVerificationError
		recordHeader     tls.RecordHeaderError
		alert            tls.AlertError
		netErr           net.Error
	)
	switch {
	case errors.As(err, &unknownAuthority), errors.As(err, &certInvalid), errors.As(err, &hostname),
		errors.As(err, &verification), errors.As(err, &recordHeader), errors.As(err, &alert):
		return KindTLS
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded),
		errors.As(err, &netErr) && netErr.Timeout():
		return KindTimeout
	case errors.Is(err, syscall.ECONNREFUSED):
		return KindRefused
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return KindReset
	}
	return classifyText(err.Error())
}

// classifyText classifies Go's error text. Order matters: "net/http: TLS handshake timeout" is
// a timeout, not a TLS failure.
func classifyText(s string) string {
	switch {
	case s == "":
		return ""
	case strings.Contains(s, "Client.Timeout"), strings.Contains(s, "deadline exceeded"),
		strings.Contains(s, "i/o timeout"), strings.Contains(s, "timeout awaiting"),
		strings.Contains(s, "handshake timeout"):
		return KindTimeout
	case strings.Contains(s, "connection refused"):
		return KindRefused
	case strings.Contains(s, "connection reset"), strings.Contains(s, "broken pipe"),
		strings.HasSuffix(s, "EOF"), strings.Contains(s, "server closed"):
		return KindReset
	case strings.Contains(s, "tls: "), strings.Contains(s, "x509: "), strings.Contains(s, "certificate"),
		strings.Contains(s, "HTTP response to HTTPS client"):
		return KindTLS
	}
	return KindOther
}

// stripURLPrefix turns vegeta's `Get "http://host/path#3": dial tcp …` into `dial tcp …`, so a
// transport error names what went wrong, not the request (whose URL carries the endpoint tag).
func stripURLPrefix(s string) string {
	if i := strings.Index(s, `": `); i > 0 && strings.IndexByte(s[:i], '"') > 0 {
		return s[i+3:]
	}
	return s
}

// unreachable builds the preflight error for err, a failure to get any response from target.
func unreachable(target string, timeout time.Duration, err error) *UnreachableError {
	inner := err
	var ue *url.Error
	if errors.As(err, &ue) {
		inner = ue.Err
	}
	shown := target
	if u, perr := url.Parse(target); perr == nil {
		shown = u.Redacted()
	}
	e := &UnreachableError{URL: shown, Kind: ClassifyError(err), Err: inner}
	host := shown
	if u, perr := url.Parse(target); perr == nil {
		host = u.Host
	}

	var (
		unknownAuthority x509.UnknownAuthorityError
		certInvalid      x509.CertificateInvalidError
		hostname         x509.HostnameError
	)
	switch {
	case errors.As(err, &unknownAuthority):
		e.Msg = "x509: certificate signed by unknown authority — set target.ca_file to the CA that signed it, " +
			"or insecure_skip_verify: true for a test target"
	case errors.As(err, &certInvalid) && certInvalid.Reason == x509.Expired && certInvalid.Cert != nil:
		c := certInvalid.Cert
		if time.Now().Before(c.NotBefore) {
			e.Msg = fmt.Sprintf("x509: certificate is not yet valid (not before %s) — check the clocks of both machines",
				c.NotBefore.UTC().Format(time.RFC3339))
		} else {
			e.Msg = fmt.Sprintf("x509: certificate has expired (not after %s) — renew the target's certificate, "+
				"or insecure_skip_verify: true for a test target", c.NotAfter.UTC().Format(time.RFC3339))
		}
	case errors.As(err, &hostname):
		e.Msg = hostname.Error() + " — use a host name the certificate names in target.url"
	case e.Kind == KindTLS:
		e.Msg = oneLine(inner) + " — check the target's TLS set-up (ca_file; client_cert and client_key if it requires mTLS)"
	case e.Kind == KindRefused:
		e.Msg = "connection refused — is the service running and listening on " + host + "?"
	case e.Kind == KindTimeout:
		e.Msg = fmt.Sprintf("no response within %s (timeout) — check the address and firewalls, or raise target.timeout", timeout)
	case e.Kind == KindReset:
		e.Msg = oneLine(inner) + " — the connection was closed before a response; is this the right port and scheme (http/https)?"
	default:
		e.Msg = oneLine(inner)
	}
	return e
}

func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}
