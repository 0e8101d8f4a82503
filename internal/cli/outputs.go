package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/seccheck/seccheck/internal/iostreams"
	"github.com/seccheck/seccheck/results"
	"github.com/seccheck/seccheck/results/render"
)

// Output is one --out FORMAT=PATH request.
type Output struct {
	Format string
	Path   string
}

// reportFormats are the --out formats rendered from the report; "partial" (raw mergeable
// aggregates) is handled by the commands that have an aggregator.
var reportFormats = []string{"html", "json", "junit", "markdown"}

// parseOutputs parses and checks every --out value before anything is sent: a known format, a
// path whose directory exists and is writable, no path given twice.
func parseOutputs(values []string, allowPartial bool) ([]Output, error) {
	known := append([]string(nil), reportFormats...)
	if allowPartial {
		known = append(known, "partial")
	}
	sort.Strings(known)
	var outs []Output
	seen := map[string]bool{}
	for _, v := range values {
		format, path, ok := strings.Cut(v, "=")
		if !ok || format == "" || path == "" {
			return nil, usageErr("--out %q: want FORMAT=PATH, e.g. --out json=report.json (formats: %s)", v, strings.Join(known, ", "))
		}
		format = strings.ToLower(format)
		if !contains(known, format) {
			return nil, usageErr("--out %q: unknown format %q (formats: %s)", v, format, strings.Join(known, ", "))
		}
		abs, _ := filepath.Abs(path)
		if seen[abs] {
			return nil, usageErr("--out %q: %s is already the target of another --out", v, path)
		}
		seen[abs] = true
		if err := checkWritable(path); err != nil {
			return nil, usageErr("--out %q: %v", v, err)
		}
		outs = append(outs, Output{Format: format, Path: path})
	}
	return outs, nil
}

// checkWritable proves that path can be created by creating and removing a probe file beside it.
func checkWritable(path string) error {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return fmt.Errorf("%s is a directory", path)
	}
	dir := filepath.Dir(path)
	st, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("directory %s does not exist", dir)
	}
	if !st.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	f, err := os.CreateTemp(dir, ".seccheck-probe-*")
	if err != nil {
		return fmt.Errorf("cannot write to %s (%v)", dir, unwrapPathErr(err))
	}
	name := f.Name()
	f.Close()
	os.Remove(name)
	return nil
}

func unwrapPathErr(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// writeReports renders rep into every report-format output, atomically.
func writeReports(outs []Output, rep *results.Report) error {
	for _, o := range outs {
		if o.Format == "partial" {
			continue
		}
		r, err := render.For(o.Format)
		if err != nil {
			return err
		}
		if err := results.WriteFileAtomic(o.Path, func(w io.Writer) error { return r.Render(w, rep) }); err != nil {
			return fmt.Errorf("writing %s report %s: %w", o.Format, o.Path, err)
		}
	}
	return nil
}

// appendStepSummary appends the Markdown summary to $GITHUB_STEP_SUMMARY when it is set.
func appendStepSummary(f *Factory, rep *results.Report) error {
	path, ok := f.LookupEnv("GITHUB_STEP_SUMMARY")
	if !ok || path == "" {
		return nil
	}
	r, err := render.For("markdown")
	if err != nil {
		return err
	}
	fh, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("GITHUB_STEP_SUMMARY: %w", err)
	}
	// Earlier steps (or an earlier seccheck) may have written a summary that does not end in a
	// blank line: start ours on a fresh paragraph so its heading is not glued to their last line.
	if st, err := fh.Stat(); err == nil && st.Size() > 0 {
		if _, err := io.WriteString(fh, "\n"); err != nil {
			fh.Close()
			return fmt.Errorf("GITHUB_STEP_SUMMARY: %w", err)
		}
	}
	if err := r.Render(fh, rep); err != nil {
		fh.Close()
		return fmt.Errorf("GITHUB_STEP_SUMMARY: %w", err)
	}
	if err := fh.Close(); err != nil {
		return fmt.Errorf("GITHUB_STEP_SUMMARY: %w", err)
	}
	return nil
}

// publish shows a finished report the way every command does: the table on stdout, each --out
// file, and the Markdown summary appended to $GITHUB_STEP_SUMMARY when it is set (a failure
// there is reported, not fatal: the reports are already written).
func publish(io *iostreams.IOStreams, lookupEnv func(string) (string, bool), outs []Output, rep *results.Report) error {
	if err := renderTable(io, rep); err != nil {
		return err
	}
	if err := writeReports(outs, rep); err != nil {
		return withCode(ExitFail, err)
	}
	if err := appendStepSummary(&Factory{IO: io, LookupEnv: lookupEnv}, rep); err != nil {
		fmt.Fprintf(io.ErrOut, "seccheck: %v\n", err)
	}
	return nil
}
