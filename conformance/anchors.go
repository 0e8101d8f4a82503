package conformance

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// anchorSet finds every occurrence of a fixed set of case-exact literals (anchors) in a body, in
// one pass that looks at only one position in every `step`.
//
// It is a q-gram filter (q = 4). Let m be the length of the shortest anchor and step = m - q + 1.
// Every occurrence of an anchor at position p covers [p, p+m), and exactly one checked position
// i (a multiple of step) lies in [p, p+step); the 4 bytes at i then lie inside the anchor, at
// offset i-p < step. So the filter holds, for every anchor, the 4-grams at offsets 0..step-1, in
// a bitset indexed by a multiplicative hash of the 4 bytes (8 KiB, stays in L1). Only where a bit
// is set does verify look the 4-gram up exactly and compare each candidate anchor in full, which
// reports each occurrence exactly once.
//
// With m = 6 the loop checks a third of the positions with one unaligned 4-byte load, a multiply,
// and one bit test each; that is what makes it several times faster than both a byte-at-a-time
// automaton and one bytes.Contains per anchor (see BenchmarkLeakScan).
type anchorSet struct {
	lits  []string
	step  int
	bits  [1 << (gramHashBits - 6)]uint64
	grams map[uint32][]gramRef
}

type gramRef struct {
	lit int32 // index in lits
	off int32 // offset of the 4-gram inside the anchor
}

const (
	gramLen      = 4
	gramHashBits = 16
	gramHashMul  = 0x9E3779B1 // 2^32 / golden ratio
	// minAnchorLen keeps the stride at 3 or more; anchors must be at least this long.
	minAnchorLen = 6
)

func gramHash(x uint32) uint32 { return (x * gramHashMul) >> (32 - gramHashBits) }

func newAnchorSet(lits []string) (*anchorSet, error) {
	if len(lits) == 0 {
		return nil, fmt.Errorf("no anchors")
	}
	m := len(lits[0])
	for _, l := range lits {
		if len(l) < minAnchorLen {
			return nil, fmt.Errorf("anchor %q shorter than %d bytes", l, minAnchorLen)
		}
		m = min(m, len(l))
	}
	s := &anchorSet{lits: lits, step: m - gramLen + 1, grams: make(map[uint32][]gramRef)}
	for li, l := range lits {
		w := rarestWindow(l, m)
		for off := w; off < w+s.step; off++ {
			g := binary.LittleEndian.Uint32([]byte(l[off : off+gramLen]))
			h := gramHash(g)
			s.bits[h>>6] |= 1 << (h & 63)
			s.grams[g] = append(s.grams[g], gramRef{lit: int32(li), off: int32(off)})
		}
	}
	return s, nil
}

// hitFunc receives an occurrence of anchor lit at byte offset pos; returning false stops the scan.
type hitFunc func(pos, lit int) bool

// scan calls hit for every occurrence of every anchor in b (occurrences are reported in
// increasing order of the checked position, which is within step bytes of pos).
func (s *anchorSet) scan(b []byte, hit hitFunc) {
	step := s.step
	bits := &s.bits
	i := 0
	// Four checks per iteration: the loads and hashes are independent, one branch for the four.
	for ; i+3*step+gramLen <= len(b); i += 4 * step {
		h0 := gramHash(binary.LittleEndian.Uint32(b[i:]))
		h1 := gramHash(binary.LittleEndian.Uint32(b[i+step:]))
		h2 := gramHash(binary.LittleEndian.Uint32(b[i+2*step:]))
		h3 := gramHash(binary.LittleEndian.Uint32(b[i+3*step:]))
		t := bits[h0>>6]>>(h0&63) | bits[h1>>6]>>(h1&63) | bits[h2>>6]>>(h2&63) | bits[h3>>6]>>(h3&63)
		if t&1 == 0 {
			continue
		}
		for k := 0; k < 4; k++ {
			if !s.verify(b, i+k*step, hit) {
				return
			}
		}
	}
	for ; i+gramLen <= len(b); i += step {
		if !s.verify(b, i, hit) {
			return
		}
	}
}

// verify checks position i exactly against the anchors whose 4-grams hash like b[i:i+4].
func (s *anchorSet) verify(b []byte, i int, hit hitFunc) bool {
	g := binary.LittleEndian.Uint32(b[i:])
	h := gramHash(g)
	if s.bits[h>>6]&(1<<(h&63)) == 0 {
		return true
	}
	for _, r := range s.grams[g] {
		p := i - int(r.off)
		l := s.lits[r.lit]
		if p < 0 || p+len(l) > len(b) || string(b[p:p+len(l)]) != l {
			continue
		}
		if !hit(p, int(r.lit)) {
			return false
		}
	}
	return true
}

// rarestWindow picks which m bytes of an anchor the filter indexes: any m-byte window of an
// anchor occurs wherever the anchor does, and the stride argument above holds for it. The
// window whose most common 4-gram is least common in typical bodies wins, so that runs of
// spaces in indented JSON or English letter runs do not send every position to verify.
func rarestWindow(lit string, m int) int {
	best, bestCost := 0, 1<<30
	step := m - gramLen + 1
	for w := 0; w+m <= len(lit); w++ {
		worst := 0
		for off := w; off < w+step; off++ {
			c := 0
			for k := 0; k < gramLen; k++ {
				c += byteCommonness(lit[off+k])
			}
			worst = max(worst, c)
		}
		if worst < bestCost {
			best, bestCost = w, worst
		}
	}
	return best
}

// byteCommonness is a rough rank of how often a byte occurs in JSON, HTML and English text.
func byteCommonness(c byte) int {
	switch {
	case c == ' ':
		return 9
	case c == '\n' || c == '"' || c == '\t':
		return 5
	case strings.IndexByte("etaoinsrhl", c) >= 0:
		return 5
	case 'a' <= c && c <= 'z', c == ',' || c == ':' || c == '.' || c == '/' || c == '<' || c == '>' || c == '=':
		return 3
	case '0' <= c && c <= '9', 'A' <= c && c <= 'Z', c == '-' || c == '_' || c == '{' || c == '}':
		return 2
	}
	return 1
}
