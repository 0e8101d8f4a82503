package results

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
)

// WriteFileAtomic writes a file through write so that path holds either its previous content or
// the complete new one, never a torn file (invariant 5): write fills a temporary file
// ".<base>.tmp-*" in the same directory, which is synced, closed and renamed over path. When
// write fails or panics, or any step fails, the temporary file is removed (a panic is then
// re-raised). The file is created with mode 0644.
func WriteFileAtomic(path string, write func(io.Writer) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	pendingTemps.Store(tmp, struct{}{})
	done := false
	defer func() {
		if !done {
			f.Close()
			os.Remove(tmp)
		}
		pendingTemps.Delete(tmp)
	}()
	if err := write(f); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Chmod(0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	done = true
	// Make the rename itself durable; a failure here leaves a complete file, so it is ignored.
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// pendingTemps holds the temporary files of writes in progress, so a process that must exit at
// once (a second Ctrl-C) can remove them first.
var pendingTemps sync.Map

// RemovePendingTemps removes the temporary files of every WriteFileAtomic still in progress.
// Call it only on the way out of the process: those writes then fail.
func RemovePendingTemps() {
	pendingTemps.Range(func(k, _ any) bool {
		os.Remove(k.(string))
		return true
	})
}
