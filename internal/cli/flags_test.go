package cli

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestRunFlags checks that run's flags land in RunOptions, without running anything.
func TestRunFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want RunOptions
	}{
		{"defaults", []string{"spec.yaml"}, RunOptions{SpecPath: "spec.yaml", Seed: 1, DurationScale: 1}},
		{"everything", []string{
			"s.yaml", "--out", "json=r.json", "--out", "html=r.html", "--out=junit=j.xml",
			"--seed", "42", "--duration-scale", "0.25", "--shard", "2/4",
			"--start-at", "2026-12-03T18:00:00Z", "--no-progress",
		}, RunOptions{
			SpecPath: "s.yaml", Outs: []string{"json=r.json", "html=r.html", "junit=j.xml"},
			Seed: 42, DurationScale: 0.25, Shard: "2/4", StartAt: "2026-12-03T18:00:00Z", NoProgress: true,
		}},
		{"shards", []string{"s.yaml", "--shards", "3", "--seed=-7"}, RunOptions{SpecPath: "s.yaml", Seed: -7, DurationScale: 1, Shards: 3}},
		// A comma in a path must survive: --out is a StringArray, not a StringSlice.
		{"comma in path", []string{"s.yaml", "--out", "json=a,b.json"}, RunOptions{SpecPath: "s.yaml", Seed: 1, DurationScale: 1, Outs: []string{"json=a,b.json"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, _ := testFactory()
			var got *RunOptions
			cmd := NewCmdRun(f, func(o *RunOptions) error { got = o; return nil })
			cmd.SetArgs(tt.args)
			if err := cmd.Execute(); err != nil {
				t.Fatalf("%v: %v", tt.args, err)
			}
			got.IO, got.LookupEnv = nil, nil
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("%v:\n got %+v\nwant %+v", tt.args, *got, tt.want)
			}
		})
	}
}

func TestRunFlagErrors(t *testing.T) {
	tests := []struct {
		name, wantErr string
		args          []string
	}{
		{"no spec", "accepts 1 arg(s), received 0", []string{"run"}},
		{"seed not a number", `invalid argument "x" for "--seed"`, []string{"run", "s.yaml", "--seed", "x"}},
		{"scale not a number", `invalid argument "fast" for "--duration-scale"`, []string{"run", "s.yaml", "--duration-scale", "fast"}},
		{"out without value", "flag needs an argument: --out", []string{"run", "s.yaml", "--out"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, _ := testFactory()
			called := false
			root := NewRootCmd(f)
			for _, c := range root.Commands() {
				if c.Name() == "run" {
					root.RemoveCommand(c)
				}
			}
			root.AddCommand(NewCmdRun(f, func(*RunOptions) error { called = true; return nil }))
			root.SetArgs(tt.args)
			err := root.Execute()
			if called || CodeOf(err) != ExitUsage || err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%v: called=%v code=%d err=%v, want usage error %q", tt.args, called, CodeOf(err), err, tt.wantErr)
			}
		})
	}
}

// TestRunValuesCheckedBeforeSending: bad flag values are usage errors (exit 2) found before the
// spec is even read.
func TestRunValuesCheckedBeforeSending(t *testing.T) {
	tests := []struct {
		name    string
		opts    RunOptions
		wantErr string
	}{
		{"zero scale", RunOptions{DurationScale: 0}, "--duration-scale must be > 0, got 0"},
		{"negative scale", RunOptions{DurationScale: -1}, "--duration-scale must be > 0, got -1"},
		{"bad shard", RunOptions{DurationScale: 1, Shard: "4/4"}, `--shard "4/4": want I/N with 0 <= I < N`},
		{"bad start-at", RunOptions{DurationScale: 1, StartAt: "tomorrow"}, `--start-at "tomorrow": want an RFC 3339 time`},
		{"bad out", RunOptions{DurationScale: 1, Outs: []string{"json"}}, `--out "json": want FORMAT=PATH`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, _ := testFactory()
			o := tt.opts
			o.IO, o.LookupEnv, o.SpecPath = f.IO, f.LookupEnv, "/nonexistent/spec.yaml"
			err := runRun(t.Context(), &o)
			if CodeOf(err) != ExitUsage || err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("got code %d err %v, want 2 and %q", CodeOf(err), err, tt.wantErr)
			}
		})
	}
}

func TestOtherCommandFlags(t *testing.T) {
	t.Run("check", func(t *testing.T) {
		f, _, _ := testFactory()
		var got *CheckOptions
		cmd := NewCmdCheck(f, func(o *CheckOptions) error { got = o; return nil })
		cmd.SetArgs([]string{"s.yaml", "--requests", "5", "--concurrency", "2", "--out", "junit=j.xml"})
		if err := cmd.Execute(); err != nil {
			t.Fatal(err)
		}
		if got.SpecPath != "s.yaml" || got.Requests != 5 || got.Concurrency != 2 || !reflect.DeepEqual(got.Outs, []string{"junit=j.xml"}) {
			t.Errorf("got %+v", *got)
		}
	})
	t.Run("report", func(t *testing.T) {
		f, _, _ := testFactory()
		var got *ReportOptions
		cmd := NewCmdReport(f, func(o *ReportOptions) error { got = o; return nil })
		cmd.SetArgs([]string{"r.json", "--format", "html", "-o", "r.html"})
		if err := cmd.Execute(); err != nil {
			t.Fatal(err)
		}
		if got.Path != "r.json" || got.Format != "html" || got.Output != "r.html" {
			t.Errorf("got %+v", *got)
		}
	})
	t.Run("compare", func(t *testing.T) {
		f, _, _ := testFactory()
		var got *CompareOptions
		cmd := NewCmdCompare(f, func(o *CompareOptions) error { got = o; return nil })
		cmd.SetArgs([]string{"a.json", "b.json", "--latency-tolerance", "0.3"})
		if err := cmd.Execute(); err != nil {
			t.Fatal(err)
		}
		if got.Base != "a.json" || got.New != "b.json" || got.LatencyTolerance != 0.3 {
			t.Errorf("got %+v", *got)
		}
	})
	t.Run("merge", func(t *testing.T) {
		f, _, _ := testFactory()
		var got *MergeOptions
		cmd := NewCmdMerge(f, func(o *MergeOptions) error { got = o; return nil })
		cmd.SetArgs([]string{"p0.bin", "p1.bin", "--out", "json=r.json"})
		if err := cmd.Execute(); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.Parts, []string{"p0.bin", "p1.bin"}) || !reflect.DeepEqual(got.Outs, []string{"json=r.json"}) {
			t.Errorf("got %+v", *got)
		}
	})
	t.Run("demo", func(t *testing.T) {
		f, _, _ := testFactory()
		var got *DemoOptions
		cmd := NewCmdDemo(f, func(o *DemoOptions) error { got = o; return nil })
		cmd.SetArgs([]string{"--fixed", "--duration", "3s", "--seed", "9", "--serve", "127.0.0.1:0"})
		if err := cmd.Execute(); err != nil {
			t.Fatal(err)
		}
		if !got.Fixed || got.Duration != 3*time.Second || got.Seed != 9 || got.Serve != "127.0.0.1:0" {
			t.Errorf("got %+v", *got)
		}
	})
}

func TestParseShard(t *testing.T) {
	tests := []struct {
		name    string
		shard   string
		shards  int
		env     []string
		wantI   int
		wantN   int
		wantErr string
	}{
		{name: "not sharded", wantI: 0, wantN: 1},
		{name: "first of four", shard: "0/4", wantI: 0, wantN: 4},
		{name: "last of four", shard: "3/4", wantI: 3, wantN: 4},
		{name: "one of one", shard: "0/1", wantI: 0, wantN: 1},
		{name: "index = N", shard: "4/4", wantErr: `--shard "4/4": want I/N with 0 <= I < N`},
		{name: "negative index", shard: "-1/4", wantErr: `--shard "-1/4"`},
		{name: "zero shards", shard: "0/0", wantErr: `--shard "0/0"`},
		{name: "no slash", shard: "2", wantErr: `--shard "2"`},
		{name: "words", shard: "a/b", wantErr: `--shard "a/b"`},
		{name: "three parts", shard: "1/2/3", wantErr: `--shard "1/2/3"`},
		{name: "spaces", shard: " 1/2", wantErr: `--shard " 1/2"`},
		{name: "both flags", shard: "0/2", shards: 2, wantErr: "use either --shard I/N or --shards N, not both"},
		{name: "shards from JOB_COMPLETION_INDEX", shards: 3, env: []string{"JOB_COMPLETION_INDEX", "2"}, wantI: 2, wantN: 3},
		{name: "shards 1, index 0", shards: 1, env: []string{"JOB_COMPLETION_INDEX", "0"}, wantI: 0, wantN: 1},
		{name: "shards without index", shards: 3, wantErr: "--shards 3 needs the shard index in $JOB_COMPLETION_INDEX"},
		{name: "index out of range", shards: 3, env: []string{"JOB_COMPLETION_INDEX", "3"}, wantErr: `$JOB_COMPLETION_INDEX="3": want an integer in [0, 3)`},
		{name: "index not a number", shards: 3, env: []string{"JOB_COMPLETION_INDEX", "x"}, wantErr: `$JOB_COMPLETION_INDEX="x"`},
		{name: "index empty", shards: 3, env: []string{"JOB_COMPLETION_INDEX", ""}, wantErr: `$JOB_COMPLETION_INDEX=""`},
		{name: "negative shards", shards: -2, env: []string{"JOB_COMPLETION_INDEX", "0"}, wantErr: "--shards must be >= 1, got -2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			i, n, err := parseShard(tt.shard, tt.shards, env(tt.env...))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || CodeOf(err) != ExitUsage {
					t.Errorf("parseShard(%q, %d) = %d, %d, %v; want usage error %q", tt.shard, tt.shards, i, n, err, tt.wantErr)
				}
				return
			}
			if err != nil || i != tt.wantI || n != tt.wantN {
				t.Errorf("parseShard(%q, %d) = %d, %d, %v; want %d, %d", tt.shard, tt.shards, i, n, err, tt.wantI, tt.wantN)
			}
		})
	}
}
