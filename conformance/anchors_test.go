package conformance

import (
	"bytes"
	"math/rand"
	"sort"
	"testing"
)

// TestAnchorSetFindsEveryOccurrence checks the stride argument: on random bodies seeded with
// anchors at every alignment, the filter reports exactly what a brute-force search finds.
func TestAnchorSetFindsEveryOccurrence(t *testing.T) {
	lits := []string{"panic: ", "goroutine ", "Traceback (most recent call last)", "ORA-00", "sqlite3.", "-----BEGIN ", "aaaaaa"}
	s, err := newAnchorSet(lits)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewSource(1))
	alphabet := []byte("ab -:.\n\"ORAgoutinepc")
	for iter := 0; iter < 2000; iter++ {
		body := make([]byte, rng.Intn(300))
		for i := range body {
			body[i] = alphabet[rng.Intn(len(alphabet))]
		}
		for k := rng.Intn(6); k > 0; k-- {
			l := lits[rng.Intn(len(lits))]
			if len(body) >= len(l) {
				copy(body[rng.Intn(len(body)-len(l)+1):], l)
			}
		}
		type hit struct{ pos, lit int }
		var want, got []hit
		for li, l := range lits {
			for i := 0; ; {
				j := bytes.Index(body[i:], []byte(l))
				if j < 0 {
					break
				}
				want = append(want, hit{i + j, li})
				i += j + 1
			}
		}
		s.scan(body, func(pos, lit int) bool { got = append(got, hit{pos, lit}); return true })
		less := func(h []hit) func(i, j int) bool {
			return func(i, j int) bool { return h[i].pos < h[j].pos || h[i].pos == h[j].pos && h[i].lit < h[j].lit }
		}
		sort.Slice(want, less(want))
		sort.Slice(got, less(got))
		if len(want) != len(got) {
			t.Fatalf("body %q: want %v, got %v", body, want, got)
		}
		for i := range want {
			if want[i] != got[i] {
				t.Fatalf("body %q: want %v, got %v", body, want, got)
			}
		}
	}
}

func TestAnchorSetRejectsShortAnchors(t *testing.T) {
	if _, err := newAnchorSet([]string{"ORA-"}); err == nil {
		t.Error("a 4-byte anchor was accepted")
	}
}
