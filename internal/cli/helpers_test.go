package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seccheck/seccheck/internal/iostreams"
)

// env is a LookupEnv over a fixed map: tests never read or change the process environment.
func env(kv ...string) func(string) (string, bool) {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

// testFactory returns a Factory over test streams and a fixed environment.
func testFactory(kv ...string) (*Factory, *bytes.Buffer, *bytes.Buffer) {
	ios, out, errOut := iostreams.Test()
	return &Factory{IO: ios, LookupEnv: env(kv...)}, out, errOut
}

// writeFile writes content to name in dir and returns its path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// execute runs the command tree with args, as Main does, and returns the exit code.
func execute(f *Factory, args ...string) (int, error) {
	root := NewRootCmd(f)
	root.SetArgs(args)
	err := root.Execute()
	return CodeOf(err), err
}

func lines(s string) []string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}
