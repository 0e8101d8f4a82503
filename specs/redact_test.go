package specs

import (
	"encoding/base64"
	"strings"
	"testing"
)

func TestRedactor(t *testing.T) {
	r := NewRedactor("token-1234", "token-12345678", "", "abc", "hunter22")
	cases := map[string]string{
		"Bearer token-12345678":     "Bearer [REDACTED]",         // longest first
		"a token-1234 b token-1234": "a [REDACTED] b [REDACTED]", // every occurrence
		"pw=hunter22;x=abc":         "pw=[REDACTED];x=abc",       // short secrets are left alone
		"nothing here":              "nothing here",
		"token-1234token-12345678":  "[REDACTED][REDACTED]",
		"":                          "",
	}
	for in, want := range cases {
		if got := r.String(in); got != want {
			t.Errorf("String(%q) = %q, want %q", in, got, want)
		}
		if got := string(r.Bytes([]byte(in))); got != want {
			t.Errorf("Bytes(%q) = %q, want %q", in, got, want)
		}
	}
	if r.Len() != 3 {
		t.Errorf("Len = %d, want 3 (empty and short secrets dropped)", r.Len())
	}
	var nilR *Redactor
	if nilR.String("x") != "x" || string(nilR.Bytes([]byte("x"))) != "x" {
		t.Error("a nil Redactor redacts nothing")
	}
}

func TestRedactorBasicForm(t *testing.T) {
	s, err := Parse("b.yaml", []byte(head+"  - path: /x\nauth: {basic: {user: svc, password: pass-word}}\n"), env())
	if err != nil {
		t.Fatal(err)
	}
	header := "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte("svc:pass-word"))
	got := s.Redactor().String("echo: " + header + " and pass-word")
	if got != "echo: Authorization: Basic [REDACTED] and [REDACTED]" {
		t.Errorf("got %q", got)
	}
}

func TestRedactorBearerForm(t *testing.T) {
	s, err := Parse("b.yaml", []byte(head+"  - path: /x\nauth: {bearer: '${TOKEN}'}\n"), env("TOKEN", "eyJhbGciOi.payload.sig"))
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Redactor().String("Authorization: Bearer eyJhbGciOi.payload.sig"); got != "Authorization: Bearer [REDACTED]" {
		t.Errorf("got %q", got)
	}
}

func TestRedactorBytesDoesNotAllocateWhenClean(t *testing.T) {
	r := NewRedactor("secret-one", "secret-two", "another-secret-value")
	body := []byte(strings.Repeat("a clean response body with nothing to hide. ", 200))
	allocs := testing.AllocsPerRun(100, func() {
		if out := r.Bytes(body); &out[0] != &body[0] {
			t.Fatal("Bytes must return b itself when clean")
		}
	})
	if allocs != 0 {
		t.Errorf("Bytes allocated %v times on a clean body", allocs)
	}
	allocs = testing.AllocsPerRun(100, func() { _ = r.String("clean header value") })
	if allocs != 0 {
		t.Errorf("String allocated %v times on a clean string", allocs)
	}
	dirty := []byte("x secret-one y")
	if got := r.Bytes(dirty); string(got) != "x [REDACTED] y" || string(dirty) != "x secret-one y" {
		t.Errorf("Bytes = %q; input now %q", got, dirty)
	}
}

func BenchmarkRedactorBytesClean(b *testing.B) {
	r := NewRedactor("secret-one", "secret-two", "another-secret-value")
	body := []byte(strings.Repeat("x", 64<<10))
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		r.Bytes(body)
	}
}
