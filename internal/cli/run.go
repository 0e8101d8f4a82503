package cli

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/seccheck/seccheck/attack"
	"github.com/seccheck/seccheck/internal/iostreams"
	"github.com/seccheck/seccheck/internal/pipeline"
	"github.com/seccheck/seccheck/results"
	"github.com/seccheck/seccheck/results/render"
	"github.com/seccheck/seccheck/specs"
)

// RunOptions are the inputs of `seccheck run`.
type RunOptions struct {
	IO            *iostreams.IOStreams
	LookupEnv     func(string) (string, bool)
	SpecPath      string
	Outs          []string
	Seed          int64
	DurationScale float64
	Shard         string // "I/N"
	Shards        int    // with JOB_COMPLETION_INDEX
	StartAt       string // RFC 3339
	NoProgress    bool
}

func NewCmdRun(f *Factory, runF func(*RunOptions) error) *cobra.Command {
	opts := &RunOptions{IO: f.IO, LookupEnv: f.LookupEnv}
	cmd := &cobra.Command{
		Use:   "run SPEC",
		Short: "Run the spec's load phases and check every response",
		Long: `Drive the load phases of SPEC at its target and check every response against the spec's
checks (security headers, leaks in bodies, cookie flags, expected statuses), then judge the run
against the thresholds. Prints the plan, live progress on stderr (a redrawn line on a terminal,
a plain line every 5s otherwise; --no-progress for none), then the report table on stdout.
--out writes more reports; with $GITHUB_STEP_SUMMARY set, a Markdown summary is appended to it.

Ctrl-C (or SIGTERM) stops sending, waits for in-flight requests, writes the report marked partial
and exits 130; a second Ctrl-C quits at once.

Sharded runs: --shard I/N (or --shards N with JOB_COMPLETION_INDEX set, as in a Kubernetes
Indexed Job) runs shard I of N; each shard sends its share of the rate; write
--out partial=PATH and combine the parts with 'seccheck merge'.

Exit codes: 0 pass, 1 a check or threshold failed (or the run was aborted by load.abort_when),
2 bad spec or flags (nothing sent), 3 target unreachable or bad TLS material, 130 interrupted.`,
		Example: `  seccheck run specs/examples/release.yaml
  seccheck run spec.yaml --out json=report.json --out html=report.html --out junit=junit.xml
  seccheck run spec.yaml --duration-scale 0.1     # a 10x shorter rehearsal
  seccheck run spec.yaml --shard 0/3 --start-at 2026-12-03T18:00:00Z --out partial=part-0.bin`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.SpecPath = args[0]
			if runF != nil {
				return runF(opts)
			}
			return runRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&opts.Outs, "out", nil, "write a report: FORMAT=PATH, repeatable; formats json, junit, markdown, html, partial")
	fl.Int64Var(&opts.Seed, "seed", 1, "seed of the weighted endpoint choice (same seed, same sequence)")
	fl.Float64Var(&opts.DurationScale, "duration-scale", 1, "multiply every phase duration by this factor (e.g. 0.1 for a rehearsal)")
	fl.StringVar(&opts.Shard, "shard", "", "run shard I of N (0-based), e.g. 2/4")
	fl.IntVar(&opts.Shards, "shards", 0, "number of shards; the index comes from $JOB_COMPLETION_INDEX")
	fl.StringVar(&opts.StartAt, "start-at", "", "start the phases at this RFC 3339 instant (shards line up their ramps); an instant already past starts at once, late, and the report's clock still counts from it")
	fl.BoolVar(&opts.NoProgress, "no-progress", false, "do not print live progress")
	return cmd
}

func runRun(ctx context.Context, opts *RunOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	outs, err := parseOutputs(opts.Outs, true)
	if err != nil {
		return err
	}
	if opts.DurationScale <= 0 {
		return usageErr("--duration-scale must be > 0, got %v", opts.DurationScale)
	}
	shard, shards, err := parseShard(opts.Shard, opts.Shards, opts.LookupEnv)
	if err != nil {
		return err
	}
	var startAt time.Time
	if opts.StartAt != "" {
		startAt, err = time.Parse(time.RFC3339, opts.StartAt)
		if err != nil {
			return usageErr("--start-at %q: want an RFC 3339 time such as 2026-12-03T18:00:00Z", opts.StartAt)
		}
	}
	spec, err := loadSpec(opts.IO, opts.SpecPath, opts.LookupEnv)
	if err != nil {
		return err
	}
	if late := time.Since(startAt); !startAt.IsZero() && late > 0 {
		// The phases start at once; timeline and duration still count from --start-at, so
		// that a late shard's seconds line up with the others' when merged.
		fmt.Fprintf(opts.IO.ErrOut, "seccheck: --start-at %s is %s in the past: starting now, late (the report's clock counts from --start-at)\n",
			opts.StartAt, late.Round(time.Millisecond))
	}
	return runLoad(ctx, loadParams{
		io: opts.IO, lookupEnv: opts.LookupEnv, spec: spec, outs: outs,
		opts: pipeline.Options{
			Spec: spec, Seed: opts.Seed, DurationScale: opts.DurationScale,
			Shard: shard, Shards: shards, StartAt: startAt, Command: "run",
		},
		noProgress: opts.NoProgress,
	})
}

// parseShard reads "I/N", or N with the index from $JOB_COMPLETION_INDEX.
func parseShard(s string, shards int, lookupEnv func(string) (string, bool)) (int, int, error) {
	if s != "" && shards != 0 {
		return 0, 0, usageErr("use either --shard I/N or --shards N, not both")
	}
	if s != "" {
		a, b, ok := strings.Cut(s, "/")
		i, err1 := strconv.Atoi(a)
		n, err2 := strconv.Atoi(b)
		if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
			return 0, 0, usageErr("--shard %q: want I/N with 0 <= I < N, e.g. 0/4", s)
		}
		return i, n, nil
	}
	if shards == 0 {
		return 0, 1, nil
	}
	if shards < 1 {
		return 0, 0, usageErr("--shards must be >= 1, got %d", shards)
	}
	v, ok := lookupEnv("JOB_COMPLETION_INDEX")
	if !ok {
		return 0, 0, usageErr("--shards %d needs the shard index in $JOB_COMPLETION_INDEX (or use --shard I/N)", shards)
	}
	i, err := strconv.Atoi(v)
	if err != nil || i < 0 || i >= shards {
		return 0, 0, usageErr("$JOB_COMPLETION_INDEX=%q: want an integer in [0, %d)", v, shards)
	}
	return i, shards, nil
}

type loadParams struct {
	io         *iostreams.IOStreams
	lookupEnv  func(string) (string, bool)
	spec       *specs.Spec
	outs       []Output
	opts       pipeline.Options
	noProgress bool
	// progressEvery is the interval of progress lines (0: the printer's default; tests).
	progressEvery time.Duration
	// explain, when set, prints plain-words findings after the table (demo).
	explain func(rep *results.Report)
	// exitCode, when set, decides the exit code from the report (demo).
	exitCode func(rep *results.Report) int
}

// runLoad is the shared body of run and demo: prepare, preflight, run with progress and
// signals, render the table, write every output, and map the verdict to an exit code.
func runLoad(ctx context.Context, p loadParams) error {
	io := p.io
	run, err := pipeline.New(p.opts)
	if err != nil {
		var se *attack.SetupError
		if errors.As(err, &se) {
			return withCode(ExitCannotRun, err)
		}
		return usageErr("%v", err)
	}
	ctx, interrupted, stop := interruptible(ctx, io.ErrOut, results.RemovePendingTemps)
	defer stop()

	fmt.Fprintf(io.Out, "%s: %s\n", p.spec.Name, p.spec.Plan())
	if err := run.Preflight(ctx); err != nil {
		if interrupted() {
			return &ExitError{Code: ExitInterrupted, Err: errors.New("interrupted before the run started; nothing to report")}
		}
		return withCode(ExitCannotRun, err)
	}

	var prog *progressPrinter
	if !p.noProgress {
		prog = newProgressPrinter(io.ErrOut, io.IsStderrTTY(), p.spec, p.opts.DurationScale, run.Progress)
		prog.startAt = p.opts.StartAt
		prog.every = p.progressEvery
		prog.start()
	}
	outcome, err := run.Execute(ctx)
	if prog != nil {
		prog.finish()
	}
	if err != nil {
		return withCode(ExitCannotRun, err)
	}
	rep := outcome.Report
	if interrupted() && !rep.Partial {
		rep.Partial, rep.PartialWhy = true, "interrupted"
	}

	if err := renderTable(io, rep); err != nil {
		return err
	}
	if p.explain != nil {
		p.explain(rep)
	}
	if err := writeOutputs(p, outcome, rep); err != nil {
		return withCode(ExitFail, err)
	}
	// A signal that arrived while the reports were being written: rewrite them marked partial.
	if interrupted() && !rep.Partial {
		rep.Partial, rep.PartialWhy = true, "interrupted"
		if err := writeOutputs(p, outcome, rep); err != nil {
			return withCode(ExitFail, err)
		}
	}
	if err := appendStepSummary(&Factory{IO: io, LookupEnv: p.lookupEnv}, rep); err != nil {
		fmt.Fprintf(io.ErrOut, "seccheck: %v\n", err)
	}

	switch {
	case interrupted():
		return &ExitError{Code: ExitInterrupted}
	case p.exitCode != nil:
		return &ExitError{Code: p.exitCode(rep)}
	case rep.Verdict != "pass":
		return &ExitError{Code: ExitFail}
	}
	return nil
}

func writeOutputs(p loadParams, outcome *pipeline.Outcome, rep *results.Report) error {
	// SECCHECK_TEST_WRITE_DELAY slows each report write so a test can deliver a signal while
	// reports are being written. It only delays; it changes nothing that is written.
	var delay time.Duration
	if v, ok := p.lookupEnv("SECCHECK_TEST_WRITE_DELAY"); ok {
		delay, _ = time.ParseDuration(v)
	}
	for _, o := range p.outs {
		time.Sleep(delay)
		if o.Format == "partial" {
			part, err := pipeline.NewPartial(outcome, p.opts, p.spec)
			if err != nil {
				return fmt.Errorf("encoding partial: %w", err)
			}
			if err := results.WriteFileAtomic(o.Path, part.Write); err != nil {
				return fmt.Errorf("writing partial %s: %w", o.Path, err)
			}
			continue
		}
		if err := writeReports([]Output{o}, rep); err != nil {
			return err
		}
	}
	return nil
}

func renderTable(io *iostreams.IOStreams, rep *results.Report) error {
	r := render.Table(render.TableOptions{Color: io.ColorEnabled()})
	return r.Render(io.Out, rep)
}
