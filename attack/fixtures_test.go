package attack

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seccheck/seccheck/specs"
)

// nopLogger silences the handshake errors a test provokes on purpose.
var nopLogger = log.New(io.Discard, "", 0)

// testSpec is a spec as specs.Load would leave it: defaults set by hand.
func testSpec(url string, phases ...specs.Phase) *specs.Spec {
	return &specs.Spec{
		Version: 1,
		Name:    "test",
		Target: specs.Target{
			URL:     url,
			Timeout: specs.Duration(5 * time.Second),
			MaxBody: specs.DefaultMaxBody,
		},
		Endpoints: []specs.Endpoint{{Name: "GET /", Method: "GET", Path: "/", Weight: 1}},
		Load:      specs.LoadPlan{Phases: phases, MaxWorkers: specs.DefaultMaxWorkers},
	}
}

func openPhase(d time.Duration, rate, rampTo float64) specs.Phase {
	return specs.Phase{Duration: specs.Duration(d), Rate: rate, RampTo: rampTo}
}

func closedPhase(d time.Duration, n int) specs.Phase {
	return specs.Phase{Duration: specs.Duration(d), Concurrency: n}
}

func newServer(t testing.TB, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func mustNew(t testing.TB, spec *specs.Spec, opts ...Option) *Attack {
	t.Helper()
	a, err := New(spec, opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(a.Close)
	return a
}

// closedPort returns a 127.0.0.1 address nothing listens on.
func closedPort(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// inFlight counts requests a handler is serving and the most it saw at once.
type inFlight struct{ now, max atomic.Int64 }

func (f *inFlight) enter() {
	n := f.now.Add(1)
	for {
		m := f.max.Load()
		if n <= m || f.max.CompareAndSwap(m, n) {
			return
		}
	}
}

func (f *inFlight) leave() { f.now.Add(-1) }

// testPKI is a certificate authority made for one test, with files in a temp dir.
type testPKI struct {
	dir    string
	ca     *x509.Certificate
	caKey  *ecdsa.PrivateKey
	caFile string
	serial int64
}

func newPKI(t testing.TB) *testPKI {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "seccheck test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(der)
	p := &testPKI{dir: t.TempDir(), ca: ca, caKey: key, serial: 1}
	p.caFile = p.write(t, "ca.pem", "CERTIFICATE", der)
	return p
}

func (p *testPKI) write(t testing.TB, name, typ string, der []byte) string {
	t.Helper()
	path := filepath.Join(p.dir, name)
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// issue makes a leaf certificate for 127.0.0.1 (server) or a client, valid over [from, until].
// It returns the pair and the paths of its PEM files.
func (p *testPKI) issue(t testing.TB, name string, server bool, from, until time.Time) (tls.Certificate, string, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p.serial++
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(p.serial),
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    from,
		NotAfter:     until,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if server {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		tmpl.IPAddresses = []net.IP{net.ParseIP("127.0.0.1")}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.ca, &key.PublicKey, p.caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile := p.write(t, name+".pem", "CERTIFICATE", der)
	keyFile := p.write(t, name+"-key.pem", "PRIVATE KEY", keyDER)
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	return pair, certFile, keyFile
}

// tlsServer starts an HTTPS server on 127.0.0.1 with cert; clientCAs, when set, requires
// client certificates signed by it; h2 enables HTTP/2.
func tlsServer(t testing.TB, h http.HandlerFunc, cert tls.Certificate, clientCAs *x509.CertPool, h2 bool) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.EnableHTTP2 = h2
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	if clientCAs != nil {
		srv.TLS.ClientCAs = clientCAs
		srv.TLS.ClientAuth = tls.RequireAndVerifyClientCert
	}
	srv.Config.ErrorLog = nopLogger
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// checks collects the failures of one attempt of a measurement.
type checks struct{ errs []string }

func (c *checks) Errorf(format string, args ...any) {
	c.errs = append(c.errs, fmt.Sprintf(format, args...))
}

// starvedFor is the longest wake-up delay of a goroutine sleeping 5 ms at a time, seen while
// run ran: how long this process waited for a CPU.
func starvedFor(run func()) time.Duration {
	stop := make(chan struct{})
	worst := make(chan time.Duration)
	go func() {
		var w time.Duration
		for {
			select {
			case <-stop:
				worst <- w
				return
			default:
			}
			t := time.Now()
			time.Sleep(5 * time.Millisecond)
			w = max(w, time.Since(t)-5*time.Millisecond)
		}
	}()
	run()
	close(stop)
	return <-worst
}

// measured runs a timing measurement up to three times. A failed attempt is retried only when
// the process was starved of CPU for over 100 ms during it (other processes on a shared
// machine): a rate test needs the CPU it measures. Otherwise its failures are the test's.
func measured(t *testing.T, attempt func(c *checks)) {
	t.Helper()
	for i := 1; ; i++ {
		var c checks
		stall := starvedFor(func() { attempt(&c) })
		if len(c.errs) == 0 {
			return
		}
		if stall < 100*time.Millisecond || i == 3 {
			for _, e := range c.errs {
				t.Error(e)
			}
			t.Logf("longest CPU starvation during the attempt: %s", stall)
			return
		}
		t.Logf("attempt %d failed while this process was starved of CPU for %s; retrying. Failures: %q", i, stall, c.errs)
	}
}
