package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBadInputSendsNothing: every bad spec or flag gives a clear error naming what is wrong and
// exit 2, and the target receives no request at all.
func TestBadInputSendsNothing(t *testing.T) {
	srv, hits := countingServer(t)
	dir := t.TempDir()
	good := writeFile(t, dir, "good.yaml", `version: 1
name: good
target: {url: "`+srv.URL+`"}
endpoints: [{path: /}]
load: {phases: [{duration: 1s, rate: 5}]}
`)
	broken := writeFile(t, dir, "broken.yaml", `version: 1
name: broken
target: {url: "`+srv.URL+`"}
endpoints:
  - path: nope
load: {phases: [{duration: 1s, rate: 5}]}
`)
	unknownField := writeFile(t, dir, "unknown.yaml", `version: 1
target: {url: "`+srv.URL+`", colour: blue}
endpoints: [{path: /}]
`)
	readOnly := filepath.Join(dir, "ro")
	if err := os.Mkdir(readOnly, 0o555); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		want string // in stderr
	}{
		{"spec error with position", []string{"run", broken}, "broken.yaml:5:11:"},
		{"unknown field", []string{"run", unknownField}, "unknown.yaml:2:"},
		{"missing spec file", []string{"run", filepath.Join(dir, "nope.yaml")}, "nope.yaml"},
		{"no spec argument", []string{"run"}, "accepts 1 arg"},
		{"unknown command", []string{"rnu", good}, "unknown command"},
		{"unknown flag", []string{"run", good, "--colour"}, "unknown flag: --colour"},
		{"unknown --out format", []string{"run", good, "--out", "pdf=r.pdf"}, `unknown format "pdf"`},
		{"--out without path", []string{"run", good, "--out", "json"}, "want FORMAT=PATH"},
		{"--out into missing dir", []string{"run", good, "--out", "json=" + filepath.Join(dir, "no", "r.json")}, "does not exist"},
		{"--out unwritable", []string{"run", good, "--out", "json=" + filepath.Join(readOnly, "r.json")}, "cannot write"},
		{"--seed not a number", []string{"run", good, "--seed", "abc"}, `invalid argument "abc" for "--seed"`},
		{"--duration-scale zero", []string{"run", good, "--duration-scale", "0"}, "--duration-scale must be > 0"},
		{"--shard malformed", []string{"run", good, "--shard", "3/2"}, "want I/N"},
		{"--shards without index", []string{"run", good, "--shards", "3"}, "JOB_COMPLETION_INDEX"},
		{"--start-at malformed", []string{"run", good, "--start-at", "tomorrow"}, "RFC 3339"},
		{"check --requests 0", []string{"check", good, "--requests", "0"}, "--requests must be >= 1"},
		{"check broken spec", []string{"check", broken}, "broken.yaml:5:11:"},
		{"report unknown format", []string{"report", good, "--format", "pdf"}, "pdf"},
		{"demo unknown --out format", []string{"demo", "--out", "xml=r.xml"}, `unknown format "xml"`},
	}
	if os.Geteuid() == 0 {
		// root writes into a 0555 directory; that case cannot fail for root.
		cases = append(cases[:9], cases[10:]...)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := seccheck(t, 30*time.Second, nil, tc.args...)
			if r.code != 2 {
				t.Errorf("exit %d, want 2\nstderr: %s", r.code, r.stderr)
			}
			if !strings.Contains(r.stderr, tc.want) {
				t.Errorf("stderr does not say %q:\n%s", tc.want, r.stderr)
			}
			if strings.Contains(r.stderr, "panic") || strings.Contains(r.stderr, "goroutine ") {
				t.Errorf("stderr shows a panic:\n%s", r.stderr)
			}
		})
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the target received %d requests from invalid invocations, want 0", n)
	}
}
