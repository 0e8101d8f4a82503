package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestShardedRunsMerge: two `run --shard I/2 --out partial=` runs merge into the counts of the
// whole schedule.
func TestShardedRunsMerge(t *testing.T) {
	srv, hits := targetServer(t)
	dir := t.TempDir()
	spec := writeFile(t, dir, "spec.yaml", runSpec(srv.URL))
	var parts []string
	for _, shard := range []string{"0/2", "1/2"} {
		part := filepath.Join(dir, "part-"+shard[:1]+".bin")
		f, _, errOut := testFactory("TOKEN", secretValue)
		err := runRun(t.Context(), &RunOptions{
			IO: f.IO, LookupEnv: f.LookupEnv, SpecPath: spec, Seed: 1, DurationScale: 1,
			Shard: shard, Outs: []string{"partial=" + part}, NoProgress: true,
		})
		if err != nil {
			t.Fatalf("shard %s: %v\n%s", shard, err, errOut)
		}
		parts = append(parts, part)
	}
	report := filepath.Join(dir, "merged.json")
	f, out, _ := testFactory()
	code, err := execute(f, append([]string{"merge", "--out", "json=" + report}, parts...)...)
	if code != ExitOK {
		t.Fatalf("merge: code %d err %v\n%s", code, err, out)
	}
	rep, err := readReport(report)
	if err != nil {
		t.Fatal(err)
	}
	// 20/s for 500ms: 10 requests over both shards; each shard also sent one preflight.
	if rep.Totals.Requests != 10 || hits.Load() != 12 || rep.Shards != 2 || rep.Partial {
		t.Errorf("merged %d requests (server saw %d), shards %d, partial %v; want 10 (12), 2, false",
			rep.Totals.Requests, hits.Load(), rep.Shards, rep.Partial)
	}

	t.Run("the same part twice", func(t *testing.T) {
		f, _, _ := testFactory()
		code, err := execute(f, "merge", parts[0], parts[0])
		if code != ExitUsage || !strings.Contains(err.Error(), "are both shard 0 of 2") {
			t.Errorf("code %d err %v", code, err)
		}
	})
	t.Run("a JSON report as a part", func(t *testing.T) {
		f, _, _ := testFactory()
		code, err := execute(f, "merge", parts[0], report)
		if code != ExitUsage || !strings.Contains(err.Error(), "not a seccheck partial") {
			t.Errorf("code %d err %v", code, err)
		}
	})
	t.Run("partial is not an output of merge", func(t *testing.T) {
		f, _, _ := testFactory()
		code, err := execute(f, "merge", parts[0], "--out", "partial="+filepath.Join(dir, "p.bin"))
		if code != ExitUsage || !strings.Contains(err.Error(), `unknown format "partial"`) {
			t.Errorf("code %d err %v", code, err)
		}
		if _, err := os.Stat(filepath.Join(dir, "p.bin")); !os.IsNotExist(err) {
			t.Errorf("p.bin written")
		}
	})
}
