package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/seccheck/seccheck/internal/iostreams"
	"github.com/seccheck/seccheck/results"
	"github.com/seccheck/seccheck/results/compare"
	"github.com/seccheck/seccheck/results/render"
)

// ReportOptions are the inputs of `seccheck report`.
type ReportOptions struct {
	IO     *iostreams.IOStreams
	Path   string
	Format string
	Output string
}

func NewCmdReport(f *Factory, runF func(*ReportOptions) error) *cobra.Command {
	opts := &ReportOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "report REPORT.json",
		Short: "Re-render a saved JSON report as a table, JUnit, Markdown or HTML",
		Long: `Read a JSON report written by 'seccheck run|check|demo|merge --out json=PATH' and render it
again: as the table (default) on standard output, or with --format as json, junit, markdown or
html, to standard output or, with -o, to a file written atomically. Nothing is sent.
Exit 0, or 2 when the file is not a seccheck report or the format is unknown.`,
		Example: `  seccheck report report.json                       # the table
  seccheck report report.json --format html -o report.html
  seccheck report report.json --format markdown >> "$GITHUB_STEP_SUMMARY"`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Path = args[0]
			if runF != nil {
				return runF(opts)
			}
			return reportRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Format, "format", "table", "output format: table, json, junit, markdown, html")
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "", "write to this file (atomically) instead of standard output")
	return cmd
}

func reportRun(opts *ReportOptions) error {
	r, err := render.For(opts.Format)
	if err != nil {
		return usageErr("--format: %v", err)
	}
	if opts.Output != "" {
		if err := checkWritable(opts.Output); err != nil {
			return usageErr("-o %s: %v", opts.Output, err)
		}
	}
	rep, err := readReport(opts.Path)
	if err != nil {
		return err
	}
	if opts.Output == "" {
		return r.Render(opts.IO.Out, rep)
	}
	return results.WriteFileAtomic(opts.Output, func(w io.Writer) error { return r.Render(w, rep) })
}

// readReport reads a JSON report v1.
func readReport(path string) (*results.Report, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, usageErr("%v", unwrapPathErrWithPath(path, err))
	}
	var rep results.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		return nil, usageErr("%s: not a JSON report: %v", path, err)
	}
	if rep.Schema != results.SchemaV1 {
		return nil, usageErr("%s: schema %q, want %q (a report written by seccheck run --out json=PATH)", path, rep.Schema, results.SchemaV1)
	}
	return &rep, nil
}

func unwrapPathErrWithPath(path string, err error) error {
	return fmt.Errorf("%s: %v", path, unwrapPathErr(err))
}

// CompareOptions are the inputs of `seccheck compare`.
type CompareOptions struct {
	IO               *iostreams.IOStreams
	Base, New        string
	LatencyTolerance float64
}

func NewCmdCompare(f *Factory, runF func(*CompareOptions) error) *cobra.Command {
	opts := &CompareOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "compare BASE.json NEW.json",
		Short: "Show what got worse between two reports; exit 1 when something did",
		Long: `Compare two JSON reports (for example the last release's and this build's) and list what got
worse: new findings, a higher 5xx or error rate, p99 latency up by more than
--latency-tolerance, a verdict that went from pass to fail. Exit 0 when nothing got worse, 1
when something did: a CI gate against the last release.`,
		Example: `  seccheck compare release-1.4.json report.json --latency-tolerance 0.2`,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Base, opts.New = args[0], args[1]
			if runF != nil {
				return runF(opts)
			}
			return compareRun(opts)
		},
	}
	cmd.Flags().Float64Var(&opts.LatencyTolerance, "latency-tolerance", 0.10, "allowed relative rise of p99 latency (0.10 = 10%)")
	return cmd
}

func compareRun(opts *CompareOptions) error {
	if opts.LatencyTolerance < 0 {
		return usageErr("--latency-tolerance must be >= 0, got %v", opts.LatencyTolerance)
	}
	base, err := readReport(opts.Base)
	if err != nil {
		return err
	}
	next, err := readReport(opts.New)
	if err != nil {
		return err
	}
	res := compare.Reports(base, next, compare.Options{LatencyTolerance: opts.LatencyTolerance})
	if err := res.Render(opts.IO.Out); err != nil {
		return err
	}
	if res.Worse() {
		return &ExitError{Code: ExitFail}
	}
	return nil
}
