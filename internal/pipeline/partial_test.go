package pipeline

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/seccheck/seccheck/results"
	"github.com/seccheck/seccheck/specs"
)

func loadSpec(url string, rate int) string {
	return fmt.Sprintf(`version: 1
name: sharded
target: {url: %q}
auth: {bearer: "${TOKEN}"}
endpoints:
  - {name: private, path: /private, weight: 3}
  - {name: public, path: /public, auth: none}
load:
  phases:
    - {duration: 500ms, rate: %d}
    - {duration: 250ms, rate: %d, ramp_to: %d}
thresholds:
  rate_5xx: "== 0"
`, url, rate, rate, 2*rate)
}

// runPart runs spec as shard i of n (n 0: unsharded) and writes its partial file.
func runPart(t *testing.T, spec *specs.Spec, i, n int) (string, *Outcome) {
	t.Helper()
	opts := Options{Spec: spec, Seed: 7, Shard: i, Shards: n, Command: "run"}
	run, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := run.Preflight(t.Context()); err != nil {
		t.Fatal(err)
	}
	out, err := run.Execute(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	part, err := NewPartial(out, opts, spec)
	if err != nil {
		t.Fatal(err)
	}
	path := writeTemp(t, fmt.Sprintf("part-%d.bin", i), "")
	if err := results.WriteFileAtomic(path, part.Write); err != nil {
		t.Fatal(err)
	}
	return path, out
}

func readParts(t *testing.T, paths ...string) []*Partial {
	t.Helper()
	var parts []*Partial
	for _, p := range paths {
		part, err := ReadPartial(p)
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, part)
	}
	return parts
}

func TestMergeEqualsSingleRun(t *testing.T) {
	srv, _ := server(t, true)
	spec := parse(t, loadSpec(srv.URL, 40))
	_, single := runPart(t, spec, 0, 0)
	p0, _ := runPart(t, spec, 0, 2)
	p1, _ := runPart(t, spec, 1, 2)

	out, err := Merge([]string{p0, p1}, readParts(t, p0, p1))
	if err != nil {
		t.Fatal(err)
	}
	got, want := out.Report, single.Report
	// 40/s for 0.5s, then 40→80/s over 0.25s: 20 + 15 = 35 requests, sent exactly once.
	if want.Totals.Requests != 35 {
		t.Errorf("single run sent %d requests, want 35", want.Totals.Requests)
	}
	if got.Totals.Requests != want.Totals.Requests {
		t.Errorf("merged %d requests, single run %d", got.Totals.Requests, want.Totals.Requests)
	}
	if fmt.Sprint(got.Totals.Status) != fmt.Sprint(want.Totals.Status) {
		t.Errorf("merged status %v, single %v", got.Totals.Status, want.Totals.Status)
	}
	if got.Partial || got.Command != "merge" || got.Shards != 2 || got.Verdict != want.Verdict {
		t.Errorf("merged: partial %v (%s) command %q shards %d verdict %q; single verdict %q",
			got.Partial, got.PartialWhy, got.Command, got.Shards, got.Verdict, want.Verdict)
	}
	var sum uint64
	for _, ep := range got.Endpoints {
		sum += ep.Requests
	}
	if sum != got.Totals.Requests {
		t.Errorf("merged endpoints add up to %d of %d", sum, got.Totals.Requests)
	}
	if len(got.Phases) != len(want.Phases) {
		t.Fatalf("merged %d phases, single %d", len(got.Phases), len(want.Phases))
	}
	for i := range got.Phases {
		g, w := got.Phases[i], want.Phases[i]
		if g.Sent != w.Sent || g.Requested != w.Requested || g.Rate != w.Rate || g.RampTo != w.RampTo {
			t.Errorf("phase %d merged sent %d requested %d rate %v→%v; single sent %d requested %d rate %v→%v",
				i, g.Sent, g.Requested, g.Rate, g.RampTo, w.Sent, w.Requested, w.Rate, w.RampTo)
		}
	}
	if len(got.Thresholds) != len(want.Thresholds) {
		t.Errorf("merged thresholds %+v, single %+v", got.Thresholds, want.Thresholds)
	}
}

func TestMergeRefuses(t *testing.T) {
	srv, _ := server(t, true)
	spec := parse(t, loadSpec(srv.URL, 20))
	other := parse(t, loadSpec(srv.URL, 21))
	p0, _ := runPart(t, spec, 0, 2)
	p1, _ := runPart(t, spec, 1, 2)
	q1, _ := runPart(t, other, 1, 2)
	single, _ := runPart(t, spec, 0, 0)

	tests := []struct {
		name    string
		paths   []string
		wantErr string
	}{
		{"different specs", []string{p0, q1}, "come from different specs"},
		{"the same shard twice", []string{p0, p0}, "are both shard 0 of 2"},
		{"different shard counts", []string{p1, single}, "says 2 shards"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Merge(tt.paths, readParts(t, tt.paths...))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Merge = %v, %v; want an error containing %q", out, err, tt.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), tt.paths[1]) {
				t.Errorf("error %q does not name %s", err, tt.paths[1])
			}
		})
	}
	t.Run("nothing", func(t *testing.T) {
		if _, err := Merge(nil, nil); err == nil {
			t.Error("Merge of nothing succeeded")
		}
	})
	t.Run("a missing shard makes a partial report", func(t *testing.T) {
		out, err := Merge([]string{p1}, readParts(t, p1))
		if err != nil {
			t.Fatal(err)
		}
		if !out.Report.Partial || !strings.Contains(out.Report.PartialWhy, "1 of 2 shards") {
			t.Errorf("partial %v %q, want marked partial, 1 of 2 shards", out.Report.Partial, out.Report.PartialWhy)
		}
	})
}

func TestReadPartialRejects(t *testing.T) {
	tests := []struct {
		name, content, wantErr string
	}{
		{"a JSON report", `{"schema":"seccheck.report/v1"}`, "not a seccheck partial (written with --out partial=PATH)"},
		{"an empty file", "", "not a seccheck partial"},
		{"the magic line cut short", "seccheck.partial", "not a seccheck partial"},
		{"a newer envelope", "seccheck.partial/v2\n", "not a seccheck partial"},
		{"the magic line and garbage", partialMagic + "garbage", "corrupt partial"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeTemp(t, "part.bin", tt.content)
			p, err := ReadPartial(path)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), path+": ") {
				t.Errorf("ReadPartial = %v, %v; want %s: …%s", p, err, path, tt.wantErr)
			}
		})
	}
	t.Run("missing file", func(t *testing.T) {
		if _, err := ReadPartial(writeTemp(t, "x", "") + ".nope"); !os.IsNotExist(err) {
			t.Errorf("got %v, want a not-exist error", err)
		}
	})
}

// TestMergeRefusesPartsOfDifferentRuns: a leftover part of an earlier run of the same spec
// (another --start-at, seed or scale) is refused, not merged silently.
func TestMergeRefusesPartsOfDifferentRuns(t *testing.T) {
	at := time.Date(2026, 12, 3, 18, 0, 0, 0, time.UTC)
	base := Partial{SpecHash: "h", Shards: 2, Seed: 7, StartAt: at, Scale: 1}
	cases := []struct {
		name   string
		change func(p *Partial)
	}{
		{"other start", func(p *Partial) { p.StartAt = at.Add(time.Hour) }},
		{"no start", func(p *Partial) { p.StartAt = time.Time{} }},
		{"other seed", func(p *Partial) { p.Seed = 8 }},
		{"other scale", func(p *Partial) { p.Scale = 0.5 }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, b := base, base
			b.Shard = 1
			tc.change(&b)
			_, err := Merge([]string{"part-0.bin", "part-1.bin"}, []*Partial{&a, &b})
			if err == nil || !strings.Contains(err.Error(), "different runs") || !strings.Contains(err.Error(), "part-1.bin") {
				t.Fatalf("got %v, want a refusal naming part-1.bin and different runs", err)
			}
		})
	}
}
