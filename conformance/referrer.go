package conformance

// Referrer-Policy (W3C Referrer Policy §8.1): the values of every header, in order, form one
// comma-separated list; the last token that is a known policy wins, unknown tokens are skipped
// (that is how sites ship a fallback before a newer value). Tokens compare case-insensitively.

const msgReferrerUnknown = "Referrer-Policy has no known policy value"

var (
	defaultReferrer = []string{"no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"}
	defaultXFO      = []string{"DENY", "SAMEORIGIN"}
	msgXFOMissing   = "X-Frame-Options missing and no Content-Security-Policy frame-ancestors"

	knownReferrerPolicies = []string{
		"no-referrer", "no-referrer-when-downgrade", "same-origin", "origin", "strict-origin",
		"origin-when-cross-origin", "strict-origin-when-cross-origin", "unsafe-url",
	}
)

// effectiveReferrerPolicy returns the policy the headers select, or "" when none is known.
func effectiveReferrerPolicy(vs []string) string {
	policy := ""
	for _, v := range vs {
		for sp := (splitter{s: v, sep: ','}); ; {
			tok, ok := sp.next()
			if !ok {
				break
			}
			if tok = trimOWS(tok); equalFoldAny(tok, knownReferrerPolicies) {
				policy = tok
			}
		}
	}
	return policy
}
