package cli

import (
	"github.com/spf13/cobra"

	"github.com/seccheck/seccheck/internal/iostreams"
	"github.com/seccheck/seccheck/internal/pipeline"
)

// MergeOptions are the inputs of `seccheck merge`.
type MergeOptions struct {
	IO        *iostreams.IOStreams
	LookupEnv func(string) (string, bool)
	Parts     []string
	Outs      []string
}

func NewCmdMerge(f *Factory, runF func(*MergeOptions) error) *cobra.Command {
	opts := &MergeOptions{IO: f.IO, LookupEnv: f.LookupEnv}
	cmd := &cobra.Command{
		Use:   "merge PART...",
		Short: "Merge the partial results of sharded runs into one report and verdict",
		Long: `Merge the raw aggregates written by 'seccheck run --shard I/N --out partial=PATH' into one
report: counters add, latency histograms merge exactly, thresholds are judged again over the
whole. Parts of different specs, or two parts of the same shard, are refused. The exit code is
the merged verdict (0 pass, 1 fail; 2 for bad input).`,
		Example: `  seccheck merge part-0.bin part-1.bin part-2.bin --out json=report.json --out html=report.html`,
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Parts = args
			if runF != nil {
				return runF(opts)
			}
			return mergeRun(opts)
		},
	}
	cmd.Flags().StringArrayVar(&opts.Outs, "out", nil, "write a report: FORMAT=PATH, repeatable; formats json, junit, markdown, html")
	return cmd
}

func mergeRun(opts *MergeOptions) error {
	outs, err := parseOutputs(opts.Outs, false)
	if err != nil {
		return err
	}
	var parts []*pipeline.Partial
	for _, path := range opts.Parts {
		p, err := pipeline.ReadPartial(path)
		if err != nil {
			return usageErr("%v", err)
		}
		parts = append(parts, p)
	}
	out, err := pipeline.Merge(opts.Parts, parts)
	if err != nil {
		return usageErr("%v", err)
	}
	rep := out.Report
	if err := publish(opts.IO, opts.LookupEnv, outs, rep); err != nil {
		return err
	}
	if rep.Verdict != "pass" {
		return &ExitError{Code: ExitFail}
	}
	return nil
}
