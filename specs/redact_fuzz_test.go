package specs

import (
	"strings"
	"testing"
)

// FuzzRedact: whatever text surrounds a secret (≥ MinSecretLen bytes), the redacted text does
// not contain it, and text without secrets comes back unchanged.
func FuzzRedact(f *testing.F) {
	f.Add("canary-token", "Authorization: Bearer ", " and more")
	f.Add("aaaa", "aaa", "aaaaa")
	f.Add("secretsecret", "", "")
	f.Fuzz(func(t *testing.T, secret, before, after string) {
		if len(secret) < MinSecretLen {
			return
		}
		r := NewRedactor(secret)
		got := r.String(before + secret + after)
		if strings.Contains(got, secret) {
			t.Fatalf("secret %q survives in %q", secret, got)
		}
		if clean := before + "\x00" + after; !strings.Contains(clean, secret) && r.String(clean) != clean {
			t.Fatalf("text without the secret changed: %q -> %q", clean, r.String(clean))
		}
		if string(r.Bytes([]byte(before+secret+after))) != got {
			t.Fatalf("Bytes and String disagree")
		}
	})
}
