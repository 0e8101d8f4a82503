package results

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func leftovers(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var tmp []string
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp") {
			tmp = append(tmp, e.Name())
		}
	}
	return tmp
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "report.json")
	write := func(s string) func(io.Writer) error {
		return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
	}

	if err := WriteFileAtomic(path, write("first")); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileAtomic(path, write("second")); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); string(got) != "second" {
		t.Errorf("content = %q, want second", got)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode = %v, want 0644", fi.Mode().Perm())
	}

	boom := errors.New("renderer failed")
	err := WriteFileAtomic(path, func(w io.Writer) error {
		io.WriteString(w, "half a rep")
		return boom
	})
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), path) {
		t.Errorf("error = %v, want the write error naming the path", err)
	}
	if got, _ := os.ReadFile(path); string(got) != "second" {
		t.Errorf("a failed write changed the file: %q", got)
	}

	func() {
		defer func() {
			if recover() == nil {
				t.Error("panic in write was swallowed")
			}
		}()
		WriteFileAtomic(path, func(w io.Writer) error {
			io.WriteString(w, "partial")
			panic("renderer bug")
		})
	}()
	if got, _ := os.ReadFile(path); string(got) != "second" {
		t.Errorf("a panicking write changed the file: %q", got)
	}

	if err := WriteFileAtomic(filepath.Join(dir, "missing", "r.json"), write("x")); err == nil {
		t.Error("writing into a missing directory succeeded")
	}
	if tmp := leftovers(t, dir); len(tmp) > 0 {
		t.Errorf("temporary files left behind: %v", tmp)
	}
}

// A file name without a directory is written in the working directory.
func TestWriteFileAtomicRelative(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if err := WriteFileAtomic("out.md", func(w io.Writer) error { _, err := io.WriteString(w, "# ok"); return err }); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "out.md")); string(got) != "# ok" {
		t.Errorf("content = %q", got)
	}
	if tmp := leftovers(t, dir); len(tmp) > 0 {
		t.Errorf("temporary files left behind: %v", tmp)
	}
}

// RemovePendingTemps removes the temporary file of a write still in progress (second Ctrl-C).
func TestRemovePendingTemps(t *testing.T) {
	dir := t.TempDir()
	started, release := make(chan struct{}), make(chan struct{})
	errc := make(chan error, 1)
	go func() {
		errc <- WriteFileAtomic(filepath.Join(dir, "report.html"), func(w io.Writer) error {
			io.WriteString(w, "<html>")
			close(started)
			<-release
			return nil
		})
	}()
	<-started
	if tmp := leftovers(t, dir); len(tmp) != 1 {
		t.Fatalf("temporary files during the write: %v, want one", tmp)
	}
	RemovePendingTemps()
	if tmp := leftovers(t, dir); len(tmp) > 0 {
		t.Errorf("temporary files after RemovePendingTemps: %v", tmp)
	}
	close(release)
	if err := <-errc; err == nil {
		t.Error("the interrupted write reported success")
	}
}
