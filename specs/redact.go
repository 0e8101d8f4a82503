package specs

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"slices"
	"strings"
)

// Redacted replaces every secret in output.
const Redacted = "[REDACTED]"

// MinSecretLen is the shortest secret a Redactor replaces. A shorter value (a 1-character
// password, say) would blank out ordinary text everywhere it occurs, so it is left alone: use
// real credentials.
const MinSecretLen = 4

// Redactor replaces secrets with [REDACTED] in strings and byte slices. It is safe for concurrent
// use. A nil *Redactor redacts nothing.
type Redactor struct {
	secrets  []string // longest first, deduplicated, each at least MinSecretLen bytes
	bsecrets [][]byte // the same, as bytes, for the allocation-free scan of Bytes
	replacer *strings.Replacer
}

// NewRedactor returns a Redactor for the given secrets. Empty secrets and secrets shorter than
// MinSecretLen bytes are ignored. Where secrets overlap, the leftmost match wins, and of those
// the longest.
func NewRedactor(secrets ...string) *Redactor {
	var keep []string
	for _, s := range secrets {
		if len(s) >= MinSecretLen {
			keep = append(keep, s)
		}
	}
	slices.SortFunc(keep, func(a, b string) int {
		return cmp.Or(cmp.Compare(len(b), len(a)), strings.Compare(a, b))
	})
	keep = slices.Compact(keep)
	r := &Redactor{secrets: keep}
	if len(keep) == 0 {
		return r
	}
	// strings.Replacer tries the old strings in argument order at each position, so longest
	// first gives leftmost-longest replacement.
	pairs := make([]string, 0, 2*len(keep))
	for _, s := range keep {
		pairs = append(pairs, s, Redacted)
		r.bsecrets = append(r.bsecrets, []byte(s))
	}
	r.replacer = strings.NewReplacer(pairs...)
	return r
}

// Len is the number of secrets the Redactor replaces.
func (r *Redactor) Len() int {
	if r == nil {
		return 0
	}
	return len(r.secrets)
}

// String returns s with every secret replaced. It returns s itself when s holds no secret.
func (r *Redactor) String(s string) string {
	if r == nil || r.replacer == nil {
		return s
	}
	if !r.holdsSecret(s) {
		return s
	}
	return r.replace(s)
}

func (r *Redactor) holdsSecret(s string) bool {
	for _, sec := range r.secrets {
		if strings.Contains(s, sec) {
			return true
		}
	}
	return false
}

// replace replaces until no secret is left: the marker next to the surrounding text can form a
// secret again (a secret "]abc" in "x]abc]abc" leaves "x[REDACTED]abc" after one pass). Each pass
// shrinks what is left to match, so it ends within a few; past maxPasses the whole text goes.
func (r *Redactor) replace(s string) string {
	const maxPasses = 8
	for range maxPasses {
		s = r.replacer.Replace(s)
		if !r.holdsSecret(s) {
			return s
		}
	}
	return Redacted
}

// Bytes returns b with every secret replaced. When b holds no secret it returns b itself without
// allocating; otherwise it returns a new slice and leaves b unchanged.
func (r *Redactor) Bytes(b []byte) []byte {
	if r == nil || r.replacer == nil {
		return b
	}
	for _, sec := range r.bsecrets {
		if bytes.Contains(b, sec) {
			return []byte(r.replace(string(b)))
		}
	}
	return b
}

// basicSecret is the derived form of basic credentials as it travels in an Authorization header.
func basicSecret(user, password string) string {
	return base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
}
