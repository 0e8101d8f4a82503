package conformance

import "testing"

func TestDebugHits(t *testing.T) {
	body := corpus(t, 64<<10)
	counts := map[string]int{}
	builtinLeaks.anchors.scan(body, func(pos, lit int) bool { counts[builtinLeaks.anchors.lits[lit]]++; return true })
	t.Log(counts)
	n := 0
	for i := 0; i+4 <= len(body); i += builtinLeaks.anchors.step {
		x := uint32(body[i]) | uint32(body[i+1])<<8 | uint32(body[i+2])<<16 | uint32(body[i+3])<<24
		h := gramHash(x)
		if builtinLeaks.anchors.bits[h>>6]&(1<<(h&63)) != 0 {
			n++
		}
	}
	t.Log("filter hits", n, "of", len(body)/builtinLeaks.anchors.step, "step", builtinLeaks.anchors.step)
}

func BenchmarkDebugAnchorsOnly(b *testing.B) {
	body := corpus(b, 64<<10)
	b.SetBytes(int64(len(body)))
	for i := 0; i < b.N; i++ {
		builtinLeaks.anchors.scan(body, func(pos, lit int) bool { return true })
	}
}

func BenchmarkDebugConfirmPerRow(b *testing.B) {
	body := corpus(b, 64<<10)
	type hit struct{ pos, lit int }
	var hits []hit
	builtinLeaks.anchors.scan(body, func(pos, lit int) bool { hits = append(hits, hit{pos, lit}); return true })
	for _, h := range hits {
		for _, row := range builtinLeaks.litRows[h.lit] {
			b.Run(builtinLeaks.anchors.lits[h.lit], func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					var tries uint8
					builtinLeaks.confirmAt(int(row), body, h.pos, &tries)
				}
			})
		}
	}
}

func TestDebugGramHits(t *testing.T) {
	body := corpus(t, 64<<10)
	counts := map[string]int{}
	for i := 0; i+4 <= len(body); i += builtinLeaks.anchors.step {
		x := uint32(body[i]) | uint32(body[i+1])<<8 | uint32(body[i+2])<<16 | uint32(body[i+3])<<24
		h := gramHash(x)
		if builtinLeaks.anchors.bits[h>>6]&(1<<(h&63)) != 0 {
			counts[string(body[i:i+4])]++
		}
	}
	for g, n := range counts {
		if n > 20 {
			t.Logf("%q %d", g, n)
		}
	}
}
