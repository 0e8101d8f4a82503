package cli

import (
	"context"
	"errors"

	"github.com/spf13/cobra"

	"github.com/seccheck/seccheck/attack"
	"github.com/seccheck/seccheck/internal/iostreams"
	"github.com/seccheck/seccheck/internal/pipeline"
)

// CheckOptions are the inputs of `seccheck check`.
type CheckOptions struct {
	IO          *iostreams.IOStreams
	LookupEnv   func(string) (string, bool)
	SpecPath    string
	Outs        []string
	Requests    int
	Concurrency int
}

func NewCmdCheck(f *Factory, runF func(*CheckOptions) error) *cobra.Command {
	opts := &CheckOptions{IO: f.IO, LookupEnv: f.LookupEnv}
	cmd := &cobra.Command{
		Use:   "check SPEC",
		Short: "Smoke check: each endpoint a few times, every conformance check, no load",
		Long: `Send each endpoint of SPEC a few times (--requests, default 3) at low concurrency, ignoring
the load phases, and run every conformance check and expectation on the responses. For every
endpoint that has credentials, one more request goes without them: if it succeeds (2xx),
auth.not_enforced is reported; the 401/403 is checked like any other response.

Meant for staging smoke checks and CI: it finishes in seconds. Exit 0 pass, 1 findings or a
failed threshold, 2 bad spec or flags, 3 target unreachable.`,
		Example: `  seccheck check specs/examples/smoke.yaml
  TARGET_URL=https://staging.example.com seccheck check smoke.yaml --out junit=junit.xml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.SpecPath = args[0]
			if runF != nil {
				return runF(opts)
			}
			return checkRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringArrayVar(&opts.Outs, "out", nil, "write a report: FORMAT=PATH, repeatable; formats json, junit, markdown, html")
	cmd.Flags().IntVar(&opts.Requests, "requests", 3, "requests per endpoint")
	cmd.Flags().IntVar(&opts.Concurrency, "concurrency", 4, "requests in flight at once")
	return cmd
}

func checkRun(ctx context.Context, opts *CheckOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	outs, err := parseOutputs(opts.Outs, false)
	if err != nil {
		return err
	}
	if opts.Requests < 1 {
		return usageErr("--requests must be >= 1, got %d", opts.Requests)
	}
	if opts.Concurrency < 1 {
		return usageErr("--concurrency must be >= 1, got %d", opts.Concurrency)
	}
	spec, err := loadSpec(opts.IO, opts.SpecPath, opts.LookupEnv)
	if err != nil {
		return err
	}
	ctx, interrupted, stop := interruptible(ctx, opts.IO.ErrOut, nil)
	defer stop()

	// The same preflight as run: an unreachable target is exit 3, not a page of transport errors.
	run, err := pipeline.New(pipeline.Options{Spec: spec, Command: "check"})
	if err != nil {
		var se *attack.SetupError
		if errors.As(err, &se) {
			return withCode(ExitCannotRun, err)
		}
		return usageErr("%v", err)
	}
	if err := run.Preflight(ctx); err != nil {
		if interrupted() {
			return &ExitError{Code: ExitInterrupted, Err: errors.New("interrupted before the check started; nothing to report")}
		}
		return withCode(ExitCannotRun, err)
	}
	out, err := pipeline.Check(ctx, spec, pipeline.CheckOptions{Requests: opts.Requests, Concurrency: opts.Concurrency})
	if err != nil {
		return withCode(ExitCannotRun, err)
	}
	rep := out.Report
	if err := publish(opts.IO, opts.LookupEnv, outs, rep); err != nil {
		return err
	}
	switch {
	case interrupted():
		return &ExitError{Code: ExitInterrupted}
	case rep.Verdict != "pass":
		return &ExitError{Code: ExitFail}
	}
	return nil
}
