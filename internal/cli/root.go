package cli

import (
	"errors"
	"fmt"
	"os"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/seccheck/seccheck/internal/iostreams"
)

// Factory is what every command gets: its streams and how it reads the environment.
type Factory struct {
	IO        *iostreams.IOStreams
	LookupEnv func(string) (string, bool)
}

// version is set at build time with -ldflags "-X github.com/seccheck/seccheck/internal/cli.version=v1.2.3".
var version = ""

// Version returns the build's version: the ldflags value, else the module version, else "devel".
func Version() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

// NewRootCmd builds the seccheck command tree.
func NewRootCmd(f *Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "seccheck",
		Short: "Load-test and conformance-test secured HTTP endpoints",
		Long: `seccheck drives concurrent traffic at an HTTP service from a YAML spec and checks every
response for required security headers, sanitized error bodies and expected statuses, then judges
the run against thresholds such as an acceptable 5xx rate under load.

Start with the demo (an embedded replica of a real incident, nothing leaves the machine):
  seccheck demo

Then write a spec (see specs/examples/ and 'seccheck schema') and:
  seccheck validate spec.yaml     # check the spec, print the plan, send nothing
  seccheck check spec.yaml        # smoke: each endpoint a few times, conformance only
  seccheck run spec.yaml          # load phases + conformance on every response

Reports: add --out json=report.json (or junit, markdown, html) to run or check; re-render a
saved report with 'seccheck report', gate on regressions with 'seccheck compare', combine
sharded runs with 'seccheck merge'. In GitHub Actions a Markdown summary is appended to
$GITHUB_STEP_SUMMARY.

Exit codes: 0 pass, 1 a check or threshold failed, 2 usage or spec error (nothing sent),
3 could not run (target unreachable, bad TLS material), 130 interrupted (partial report written).`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageErr("%v (see '%s --help')", err, c.CommandPath())
	})
	root.AddCommand(
		NewCmdValidate(f, nil),
		NewCmdSchema(f, nil),
		NewCmdVersion(f),
		NewCmdRun(f, nil),
		NewCmdCheck(f, nil),
		NewCmdDemo(f, nil),
		NewCmdReport(f, nil),
		NewCmdCompare(f, nil),
		NewCmdMerge(f, nil),
	)
	for _, c := range root.Commands() {
		withUsageHint(c)
	}
	return root
}

// withUsageHint makes a wrong number of arguments a usage error (exit 2) that shows the
// command's usage line: cobra's own "accepts 1 arg(s), received 0" does not say what to pass.
func withUsageHint(c *cobra.Command) {
	args := c.Args
	if args == nil {
		return
	}
	c.Args = func(cmd *cobra.Command, a []string) error {
		if err := args(cmd, a); err != nil {
			return usageErr("%v (usage: %s)", err, cmd.UseLine())
		}
		return nil
	}
}

// Main runs seccheck with args and returns the process exit code.
func Main(args []string, io *iostreams.IOStreams) int {
	f := &Factory{IO: io, LookupEnv: os.LookupEnv}
	root := NewRootCmd(f)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return ExitOK
	}
	var ee *ExitError
	if !errors.As(err, &ee) || ee.Err != nil {
		fmt.Fprintln(io.ErrOut, "seccheck: "+err.Error())
	}
	return CodeOf(err)
}

func NewCmdVersion(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print seccheck's version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := fmt.Fprintf(f.IO.Out, "seccheck %s\n", Version())
			return err
		},
	}
}
