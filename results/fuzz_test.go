package results

import (
	"math/rand"
	"os"
	"testing"
)

// FuzzUnmarshalAggregator: `seccheck merge` reads partial files from shared volumes; a corrupt,
// truncated or hostile file must give an error, never a panic, and whatever decodes must report.
func FuzzUnmarshalAggregator(f *testing.F) {
	if b, err := os.ReadFile("testdata/partial-v1.bin"); err == nil {
		f.Add(b)
	}
	a := NewAggregator(testMeta())
	for _, s := range randomStream(rand.New(rand.NewSource(1)), 200, 5) {
		a.Add(&s)
	}
	if b, err := a.MarshalBinary(); err == nil {
		f.Add(b)
		f.Add(b[:len(b)/2])
	}
	f.Add([]byte("SCKPART\n\x00\x01"))
	f.Fuzz(func(t *testing.T, data []byte) {
		agg, err := UnmarshalAggregator(data)
		if err != nil {
			return
		}
		_ = agg.Report(ReportOptions{})
	})
}
