package render

import (
	"strings"

	"github.com/seccheck/seccheck/results"
)

// topExemplar is the exemplar a one-exemplar view shows. For header.bypass_on_error the
// exemplars start with a success that carried the header; the error response that lacked it
// is the one a reader needs, so the first exemplar with status >= 400 is chosen there.
func topExemplar(f results.Finding) results.Exemplar {
	if f.Rule == ruleBypass {
		for _, e := range f.Exemplars {
			if e.Status >= 400 {
				return e
			}
		}
	}
	return f.Exemplars[0]
}

// hasHeader reports whether an exemplar's headers include name, case-insensitively: exemplars
// keep header names as the server's response had them (canonical in Go), rule ids use lower case.
func hasHeader(h map[string]string, name string) bool {
	if _, ok := h[name]; ok {
		return true
	}
	for k := range h {
		if strings.EqualFold(k, name) {
			return true
		}
	}
	return false
}
