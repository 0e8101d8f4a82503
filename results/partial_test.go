package results

import (
	"bytes"
	"compress/gzip"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPartialRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	m := shardMeta(1, 4)
	a := feed(NewAggregator(m), randomStream(rng, 3000, 60))
	data, err := a.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("partial of 3000 samples over 60 s: %d bytes", len(data))
	b, err := UnmarshalAggregator(data)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := reportJSON(t, b), reportJSON(t, a); got != want {
		t.Fatalf("report after round trip differs: %s", firstDiff(got, want))
	}
	if b.Snapshot() != a.Snapshot() {
		t.Errorf("snapshot after round trip = %+v, want %+v", b.Snapshot(), a.Snapshot())
	}
	got := b.Meta()
	if got.Shard != 1 || got.Shards != 4 || got.SpecHash != m.SpecHash || !got.Start.Equal(m.Start) || got.Name != m.Name || len(got.Endpoints) != 3 {
		t.Errorf("meta after round trip = %+v", got)
	}
	if bytes.Contains(data, []byte(secret)) {
		t.Error("partial holds the secret")
	}
	// A decoded aggregator keeps aggregating.
	more := randomStream(rng, 500, 70)
	b.SetRedactor(testMeta().Redactor)
	feed(a, more)
	feed(b, more)
	if got, want := reportJSON(t, b), reportJSON(t, a); got != want {
		t.Fatalf("decoded aggregator aggregates differently: %s", firstDiff(got, want))
	}
}

func TestPartialRejects(t *testing.T) {
	good, err := NewAggregator(testMeta()).MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	v2 := bytes.Clone(good)
	v2[len(partialMagic)+1] = 2
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("not gob"))
	zw.Close()
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "bad magic"},
		{"json report", []byte(`{"schema":"seccheck.report/v1"}`), "bad magic"},
		{"future version", v2, "version 2 is not supported (this seccheck reads version 1)"},
		{"truncated", good[:len(good)-10], "corrupt"},
		{"garbage payload", append([]byte(partialMagic+"\x00\x01"), gz.Bytes()...), "corrupt"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := UnmarshalAggregator(tc.data)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// testdata/partial-v1.bin is a partial written by format version 1; it must stay readable.
// Regenerate (only when the format version changes) with SECCHECK_UPDATE_PARTIAL=1.
func TestPartialV1Golden(t *testing.T) {
	path := filepath.Join("testdata", "partial-v1.bin")
	rng := rand.New(rand.NewSource(11))
	a := feed(NewAggregator(shardMeta(0, 2)), randomStream(rng, 200, 3))
	if os.Getenv("SECCHECK_UPDATE_PARTIAL") != "" {
		data, err := a.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		if err := WriteFileAtomic(path, func(w io.Writer) error { _, err := w.Write(data); return err }); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := UnmarshalAggregator(data)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := reportJSON(t, b), reportJSON(t, a); got != want {
		t.Fatalf("golden partial decodes differently: %s", firstDiff(got, want))
	}
}
