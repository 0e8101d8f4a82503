package specs

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// MaxErrors caps how many errors one spec reports: enough to fix a file in one pass, few enough
// to read.
const MaxErrors = 20

// PosError is one problem in a spec file, at a 1-based line and column.
type PosError struct {
	File string
	Line int
	Col  int
	Msg  string
}

// Error prints FILE:LINE:COL: message.
func (e *PosError) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
}

// ErrorList is every problem found in a spec, sorted by position, at most MaxErrors.
type ErrorList []*PosError

// Error prints one error a line.
func (l ErrorList) Error() string {
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap lets errors.As find each *PosError.
func (l ErrorList) Unwrap() []error {
	errs := make([]error, len(l))
	for i, e := range l {
		errs[i] = e
	}
	return errs
}

// finish sorts by position, drops exact duplicates (an aliased node is decoded once per alias),
// redacts and caps the list.
func (l ErrorList) finish(r *Redactor) ErrorList {
	slices.SortStableFunc(l, func(a, b *PosError) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
	})
	l = slices.CompactFunc(l, func(a, b *PosError) bool { return *a == *b })
	for _, e := range l {
		e.Msg = r.String(e.Msg)
	}
	if len(l) > MaxErrors {
		l = l[:MaxErrors]
	}
	return l
}
