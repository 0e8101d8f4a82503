package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// certs generated at test time with crypto/x509.
type keyPair struct {
	cert    *x509.Certificate
	key     *ecdsa.PrivateKey
	certPEM []byte
	keyPEM  []byte
}

func newCert(t *testing.T, cn string, parent *keyPair, isCA, client bool, notAfter time.Time) *keyPair {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Now().Add(-48 * time.Hour),
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	if isCA {
		tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
		tmpl.KeyUsage |= x509.KeyUsageCertSign
	} else if client {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	} else {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		tmpl.IPAddresses = []net.IP{net.ParseIP("127.0.0.1")}
		tmpl.DNSNames = []string{"localhost"}
	}
	signer, signerKey := tmpl, key
	if parent != nil {
		signer, signerKey = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signer, &key.PublicKey, signerKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	kb, _ := x509.MarshalECPrivateKey(key)
	return &keyPair{
		cert: cert, key: key,
		certPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		keyPEM:  pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}),
	}
}

func (k *keyPair) tlsCert(t *testing.T) tls.Certificate {
	c, err := tls.X509KeyPair(k.certPEM, k.keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// secureHandler answers with every header the recommended preset asks for.
func secureHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		h.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Type", "application/json")
		w.Write([]byte(`{"ok":true}`))
	})
}

func tlsServer(t *testing.T, cert *keyPair, clientCA *keyPair) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(secureHandler())
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert.tlsCert(t)}}
	if clientCA != nil {
		pool := x509.NewCertPool()
		pool.AddCert(clientCA.cert)
		srv.TLS.ClientCAs = pool
		srv.TLS.ClientAuth = tls.RequireAndVerifyClientCert
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

func TestTLS(t *testing.T) {
	year := time.Now().Add(365 * 24 * time.Hour)
	ca := newCert(t, "seccheck test CA", nil, true, false, year)
	serverCert := newCert(t, "127.0.0.1", ca, false, false, year)
	selfSigned := newCert(t, "127.0.0.1", nil, false, false, year)
	expired := newCert(t, "127.0.0.1", ca, false, false, time.Now().Add(-24*time.Hour))
	clientCert := newCert(t, "seccheck client", ca, false, true, year)

	dir := t.TempDir()
	caFile := writeFile(t, dir, "ca.pem", string(ca.certPEM))
	clientFile := writeFile(t, dir, "client.pem", string(clientCert.certPEM))
	clientKey := writeFile(t, dir, "client-key.pem", string(clientCert.keyPEM))
	garbage := writeFile(t, dir, "garbage.pem", "not a certificate\n")

	spec := func(url, tlsFields string) string {
		return writeFile(t, t.TempDir(), "spec.yaml", `version: 1
name: tls
target: {url: "`+url+`"`+tlsFields+`}
endpoints: [{path: /}]
load: {phases: [{duration: 300ms, rate: 10}]}
`)
	}
	cases := []struct {
		name     string
		server   *httptest.Server
		fields   string
		wantCode int
		wantErr  []string // all in stderr
	}{
		{"self-signed fails with a hint", tlsServer(t, selfSigned, nil), "", 3,
			[]string{"ca_file", "insecure_skip_verify"}},
		{"unknown CA fails", tlsServer(t, serverCert, nil), "", 3, []string{"ca_file"}},
		{"ca_file passes", tlsServer(t, serverCert, nil), `, ca_file: "` + caFile + `"`, 0, nil},
		{"insecure_skip_verify passes", tlsServer(t, selfSigned, nil), ", insecure_skip_verify: true", 0, nil},
		{"expired says so", tlsServer(t, expired, nil), `, ca_file: "` + caFile + `"`, 3, []string{"expired"}},
		{"mTLS with client cert passes", tlsServer(t, serverCert, ca),
			`, ca_file: "` + caFile + `", client_cert: "` + clientFile + `", client_key: "` + clientKey + `"`, 0, nil},
		{"mTLS without client cert fails cleanly", tlsServer(t, serverCert, ca), `, ca_file: "` + caFile + `"`, 3, []string{"certificate"}},
		{"bad ca_file material", tlsServer(t, serverCert, nil), `, ca_file: "` + garbage + `"`, 3, []string{"garbage.pem"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := seccheck(t, 30*time.Second, nil, "run", spec(tc.server.URL, tc.fields), "--no-progress")
			if r.code != tc.wantCode {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, tc.wantCode, r.stdout, r.stderr)
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr does not mention %q:\n%s", w, r.stderr)
				}
			}
			if tc.wantCode == 3 && strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 {
				t.Errorf("want one line of error, got:\n%s", r.stderr)
			}
		})
	}
	_ = filepath.Join
}
