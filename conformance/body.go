package conformance

import (
	"bytes"
	"fmt"
	"regexp"
	"regexp/syntax"
)

const (
	// confirmAfter bounds the bytes a confirm pattern sees from its anchor.
	confirmAfter = 1024
	// maxConfirms bounds the anchored confirmations per signature and response; past it, the
	// signature's pattern runs once, unanchored, over the rest of the body. A body full of near
	// misses thus costs at most maxConfirms short anchored matches plus one regexp pass.
	maxConfirms = 64
	// maxSignatures bounds the catalogue so per-response state fits in fixed arrays.
	maxSignatures = 128
)

// leakScanner is a compiled catalogue: one anchorSet over every row's anchors, and per row its
// compiled confirm pattern (anchored, and unanchored for the fallback pass).
type leakScanner struct {
	sigs     []Signature
	anchored []*regexp.Regexp // per row: \A(?:Confirm); nil: the anchor is proof
	confirm  []*regexp.Regexp // per row: Confirm, unanchored
	kind     []uint8          // per row: index of its kind (rows of one kind report once)
	anchors  *anchorSet
	litRows  [][]uint8 // per anchor literal: the rows that use it
}

func compileCatalogue(sigs []Signature) (*leakScanner, error) {
	if len(sigs) > maxSignatures {
		return nil, fmt.Errorf("catalogue has %d rows, at most %d", len(sigs), maxSignatures)
	}
	ls := &leakScanner{sigs: sigs, anchored: make([]*regexp.Regexp, len(sigs)),
		confirm: make([]*regexp.Regexp, len(sigs)), kind: make([]uint8, len(sigs))}
	kinds := map[string]uint8{}
	litIdx := map[string]int{}
	var lits []string
	for i := range sigs {
		s := &sigs[i]
		k, ok := kinds[s.Kind]
		if !ok {
			k = uint8(len(kinds))
			kinds[s.Kind] = k
		}
		ls.kind[i] = k
		if s.Confirm != "" {
			re, err := regexp.Compile(s.Confirm)
			if err != nil {
				return nil, fmt.Errorf("catalogue row %d (%s): %v", i, s.ID(), err)
			}
			ls.confirm[i] = re
			ls.anchored[i] = regexp.MustCompile(`\A(?:` + s.Confirm + `)`)
		}
		if len(s.Anchors) == 0 {
			return nil, fmt.Errorf("catalogue row %d (%s) has no anchor", i, s.ID())
		}
		for _, a := range s.Anchors {
			j, ok := litIdx[a]
			if !ok {
				j = len(lits)
				litIdx[a] = j
				lits = append(lits, a)
				ls.litRows = append(ls.litRows, nil)
			}
			ls.litRows[j] = append(ls.litRows[j], uint8(i))
		}
	}
	var err error
	if ls.anchors, err = newAnchorSet(lits); err != nil {
		return nil, err
	}
	return ls, nil
}

var builtinLeaks = func() *leakScanner {
	ls, err := compileCatalogue(Catalogue)
	if err != nil {
		panic("conformance: builtin catalogue: " + err.Error())
	}
	return ls
}()

// scan appends one violation per leak kind found in body (the first confirmed occurrence).
func (ls *leakScanner) scan(body []byte, dst []Violation) []Violation {
	var (
		kindSeen [maxSignatures]bool
		tries    [maxSignatures]uint8
	)
	ls.anchors.scan(body, func(pos, lit int) bool {
		for _, row := range ls.litRows[lit] {
			k := ls.kind[row]
			if kindSeen[k] {
				continue
			}
			off := ls.confirmAt(int(row), body, pos, &tries[row])
			if off < 0 {
				continue
			}
			kindSeen[k] = true
			s := &ls.sigs[row]
			dst = append(dst, Violation{Rule: s.ID(), Severity: s.Severity, Kind: s.Kind, Message: s.Desc, Offset: off})
		}
		return true
	})
	return dst
}

// confirmAt returns the offset of row's match at the anchor found at pos, or -1.
func (ls *leakScanner) confirmAt(row int, body []byte, pos int, tries *uint8) int {
	if ls.sigs[row].WordStart && pos > 0 && isWordByte(body[pos-1]) {
		return -1
	}
	re := ls.anchored[row]
	if re == nil {
		return pos
	}
	switch *tries {
	case maxConfirms:
		return -1 // the fallback pass already searched the rest of the body
	case maxConfirms - 1:
		*tries++
		// Too many near misses: settle the rest of the body with one unanchored pass.
		if loc := ls.confirm[row].FindIndex(body[pos:]); loc != nil {
			return pos + loc[0]
		}
		return -1
	}
	*tries++
	if re.Match(body[pos:min(len(body), pos+confirmAfter)]) {
		return pos
	}
	return -1
}

func isWordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_'
}

// bodyPattern is one user pattern (checks.body.forbid), reported as body.pattern.
//
// Prefiltering: the parsed regexp is searched for a literal that every match must contain
// (regexp/syntax). A literal prefix gives candidates with bytes.Index (SIMD on amd64) and the
// anchored pattern confirms at each; a required literal elsewhere rejects bodies that lack it
// with one bytes.Contains before the regexp runs; a pattern with no case-exact literal (for
// example one under (?i)) runs Go's regexp over the whole body, which costs roughly 10–100 MB/s
// instead of several GB/s.
type bodyPattern struct {
	src      string
	re       *regexp.Regexp
	anchored *regexp.Regexp // \A(?:src), used with a literal prefix
	prefix   []byte         // every match starts with it
	required []byte         // every match contains it
	msg      string
}

func compileBodyPattern(src string) (*bodyPattern, error) {
	re, err := regexp.Compile(src)
	if err != nil {
		return nil, fmt.Errorf("checks.body.forbid %q: %v", src, err)
	}
	p := &bodyPattern{src: src, re: re, msg: "body matches forbidden pattern " + src}
	tree, err := syntax.Parse(src, syntax.Perl)
	if err != nil {
		return nil, err
	}
	tree = tree.Simplify()
	if pre := literalPrefix(tree); len(pre) >= 3 {
		p.prefix = []byte(pre)
		p.anchored = regexp.MustCompile(`\A(?:` + src + `)`)
	} else if req := longestRequiredLiteral(tree); len(req) >= 3 {
		p.required = []byte(req)
	}
	return p, nil
}

// literalPrefix returns the case-exact literal every match of re starts with.
func literalPrefix(re *syntax.Regexp) string {
	switch re.Op {
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase == 0 {
			return string(re.Rune)
		}
	case syntax.OpConcat:
		// Only the first element: an anchor such as ^ or \b in front would not hold at a
		// candidate found mid-body, so such patterns take the required-literal path.
		return literalPrefix(re.Sub[0])
	case syntax.OpCapture:
		return literalPrefix(re.Sub[0])
	}
	return ""
}

// longestRequiredLiteral returns the longest case-exact literal that every match contains.
func longestRequiredLiteral(re *syntax.Regexp) string {
	switch re.Op {
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase == 0 {
			return string(re.Rune)
		}
	case syntax.OpCapture:
		return longestRequiredLiteral(re.Sub[0])
	case syntax.OpPlus:
		return longestRequiredLiteral(re.Sub[0])
	case syntax.OpConcat:
		best := ""
		for _, sub := range re.Sub {
			if l := longestRequiredLiteral(sub); len(l) > len(best) {
				best = l
			}
		}
		return best
	}
	return ""
}

// scan appends a body.pattern violation at the first match.
func (p *bodyPattern) scan(body []byte, dst []Violation) []Violation {
	off := -1
	switch {
	case p.prefix != nil:
		for i := 0; i < len(body); {
			j := bytes.Index(body[i:], p.prefix)
			if j < 0 {
				break
			}
			if p.anchored.Match(body[i+j:]) {
				off = i + j
				break
			}
			i += j + 1
		}
	case p.required != nil && !bytes.Contains(body, p.required):
	default:
		if p.re.Match(body) {
			off = p.re.FindIndex(body)[0]
		}
	}
	if off < 0 {
		return dst
	}
	return append(dst, Violation{Rule: RuleBodyPattern, Severity: SeverityHigh, Kind: p.src, Message: p.msg, Offset: off})
}
