package specs

import (
	"fmt"
	"strings"
)

// expand replaces ${NAME} with the value of the environment variable NAME and ${NAME:-default}
// with its value, or default when NAME is unset or empty (as in a POSIX shell). $${ is a literal
// ${. NAME is letters, digits and underscores, not starting with a digit. Each substituted value
// is passed to onValue (the caller records secrets there). Errors name the variable but never
// quote a value.
func expand(s string, lookup func(string) (string, bool), onValue func(string)) (string, error) {
	if !strings.Contains(s, "${") {
		return s, nil
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		if i > 0 && s[i-1] == '$' { // $${ escapes
			b.WriteString(s[:i-1])
			b.WriteString("${")
			s = s[i+2:]
			continue
		}
		b.WriteString(s[:i])
		end := strings.IndexByte(s[i+2:], '}')
		if end < 0 {
			return "", fmt.Errorf("unterminated ${ (write $${ for a literal ${)")
		}
		ref := s[i+2 : i+2+end]
		s = s[i+2+end+1:]
		name, def, hasDef := strings.Cut(ref, ":-")
		if !validVarName(name) {
			// The name is not quoted: it may be part of a literal credential.
			return "", fmt.Errorf("invalid variable name in ${…}: use letters, digits and _ (write $${ for a literal ${)")
		}
		v, ok := lookup(name)
		switch {
		case hasDef && v == "":
			v = def
		case !ok:
			return "", fmt.Errorf("environment variable %s is not set (set it, or write ${%s:-default})", name, name)
		}
		if onValue != nil {
			onValue(v)
		}
		b.WriteString(v)
	}
}

func validVarName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}
