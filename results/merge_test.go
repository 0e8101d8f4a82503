package results

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"strings"
	"testing"
)

func reportJSON(t *testing.T, a *Aggregator) string {
	t.Helper()
	js, err := json.MarshalIndent(a.Report(ReportOptions{Command: "run"}), "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(js)
}

// split deals samples into k parts at random, each keeping the stream's order.
func split(rng *rand.Rand, samples []Sample, k int) [][]Sample {
	parts := make([][]Sample, k)
	for _, s := range samples {
		i := rng.Intn(k)
		parts[i] = append(parts[i], s)
	}
	return parts
}

// firstDiff shows where two reports part, for a readable failure.
func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			return "line " + al[i] + "\n  vs " + bl[i]
		}
	}
	return "lengths differ"
}

// TestMergeEqualsOneStream is invariant 3 as a property: for random streams and many random
// splits into 2..5 parts merged in random order (directly, and through partial encoding), the
// merged report equals the report of one aggregator over the whole stream — counts, percentiles
// (exactly: same HDR geometry), timeline, findings and exemplars.
func TestMergeEqualsOneStream(t *testing.T) {
	for seed := int64(1); seed <= 6; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewSource(seed))
			samples := randomStream(rng, 300+rng.Intn(1500), 1+rng.Intn(30))
			want := reportJSON(t, feed(NewAggregator(testMeta()), samples))
			for trial := range 6 {
				k := 2 + rng.Intn(4)
				parts := split(rng, samples, k)
				aggs := make([]*Aggregator, k)
				for i, p := range parts {
					aggs[i] = feed(NewAggregator(testMeta()), p)
				}
				viaPartial := trial%2 == 1
				if viaPartial {
					for i, a := range aggs {
						data, err := a.MarshalBinary()
						if err != nil {
							t.Fatal(err)
						}
						if aggs[i], err = UnmarshalAggregator(data); err != nil {
							t.Fatal(err)
						}
					}
				}
				rng.Shuffle(k, func(i, j int) { aggs[i], aggs[j] = aggs[j], aggs[i] })
				merged := aggs[0]
				for _, a := range aggs[1:] {
					if err := merged.Merge(a); err != nil {
						t.Fatal(err)
					}
				}
				if got := reportJSON(t, merged); got != want {
					t.Fatalf("seed %d trial %d (%d parts, via partial %v): merged report differs from one stream: %s",
						seed, trial, k, viaPartial, firstDiff(got, want))
				}
			}
		})
	}
}

// Merging must not depend on o afterwards, nor change it.
func TestMergeLeavesSourceAlone(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	s1, s2 := randomStream(rng, 400, 5), randomStream(rng, 400, 5)
	a, b := feed(NewAggregator(testMeta()), s1), feed(NewAggregator(testMeta()), s2)
	before := reportJSON(t, b)
	if err := a.Merge(b); err != nil {
		t.Fatal(err)
	}
	feed(a, randomStream(rng, 400, 8))
	if after := reportJSON(t, b); after != before {
		t.Errorf("merging changed the source: %s", firstDiff(after, before))
	}
}

func TestMergeRefuses(t *testing.T) {
	base := NewAggregator(testMeta())
	tests := []struct {
		name string
		edit func(*Meta)
		want string
	}{
		{"spec hash", func(m *Meta) { m.SpecHash = "ffff" }, "different specs"},
		{"endpoint count", func(m *Meta) { m.Endpoints = m.Endpoints[:2] }, "3 and 2 endpoints"},
		{"endpoint path", func(m *Meta) { m.Endpoints[1].Path = "/other" }, "endpoint 1 differs"},
		{"required headers", func(m *Meta) { m.Endpoints[0].Required = []string{"x-frame-options"} }, "endpoint 0 differs"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := testMeta()
			m.Endpoints = append([]EndpointMeta(nil), m.Endpoints...)
			tc.edit(&m)
			err := base.Merge(NewAggregator(m))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Merge error = %v, want one containing %q", err, tc.want)
			}
		})
	}
	if err := base.Merge(base); err == nil {
		t.Error("merging an aggregator with itself succeeded")
	}
}

func shardMeta(i, n int) Meta {
	m := testMeta()
	m.Shard, m.Shards = i, n
	return m
}

func TestMergeParts(t *testing.T) {
	rng := rand.New(rand.NewSource(9))
	samples := randomStream(rng, 1200, 10)
	whole := reportJSON(t, feed(NewAggregator(testMeta()), samples))
	parts := split(rng, samples, 3)
	shards := make([]*Aggregator, 3)
	for i := range shards {
		shards[i] = feed(NewAggregator(shardMeta(i, 3)), parts[i])
	}

	all, err := MergeParts(shards[2], shards[0], shards[1])
	if err != nil {
		t.Fatal(err)
	}
	r := all.Report(ReportOptions{Command: "run"})
	if r.Partial || r.Shards != 3 {
		t.Errorf("all shards merged: partial %v (%s), shards %d", r.Partial, r.PartialWhy, r.Shards)
	}
	r.Shards = 0
	js, _ := json.MarshalIndent(r, "", " ")
	if string(js) != whole {
		t.Errorf("merged shards differ from one stream: %s", firstDiff(string(js), whole))
	}

	some, err := MergeParts(shards[0], shards[2])
	if err != nil {
		t.Fatal(err)
	}
	if r := some.Report(ReportOptions{}); !r.Partial || !strings.Contains(r.PartialWhy, "merged 2 of 3 shards (missing 1)") {
		t.Errorf("2 of 3 shards: partial %v, why %q", r.Partial, r.PartialWhy)
	}

	other := testMeta()
	other.SpecHash, other.Shard, other.Shards = "feedface", 1, 3
	tests := []struct {
		name  string
		parts []*Aggregator
		want  string
	}{
		{"none", nil, "no partial results"},
		{"duplicate shard", []*Aggregator{shards[0], shards[1], shards[0]}, "parts 1 and 3 both hold shard 0"},
		{"duplicate in a merged part", []*Aggregator{some, shards[2]}, "both hold shard 2"},
		{"different spec", []*Aggregator{shards[0], NewAggregator(other)}, "part 2 has spec hash feedface"},
		{"different shard count", []*Aggregator{shards[0], NewAggregator(shardMeta(1, 4))}, "one of 4 shards, part 1 one of 3"},
		{"two unsharded runs", []*Aggregator{NewAggregator(testMeta()), NewAggregator(testMeta())}, "both hold shard 0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := MergeParts(tc.parts...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("MergeParts error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}
