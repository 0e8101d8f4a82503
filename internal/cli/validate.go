package cli

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/seccheck/seccheck/internal/iostreams"
	"github.com/seccheck/seccheck/specs"
)

// ValidateOptions are the inputs of `seccheck validate`.
type ValidateOptions struct {
	IO        *iostreams.IOStreams
	LookupEnv func(string) (string, bool)
	SpecPath  string
}

func NewCmdValidate(f *Factory, runF func(*ValidateOptions) error) *cobra.Command {
	opts := &ValidateOptions{IO: f.IO, LookupEnv: f.LookupEnv}
	return &cobra.Command{
		Use:   "validate SPEC",
		Short: "Check a spec and print its plan; send nothing",
		Long: `Decode SPEC strictly, print every error with its FILE:LINE:COL, or print "SPEC: ok" and a
one-line plan (endpoints, phases, expected requests and duration). Nothing is sent.
Exit 0 when the spec is valid, 2 when it is not.`,
		Example: `  seccheck validate specs/examples/release.yaml`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.SpecPath = args[0]
			if runF != nil {
				return runF(opts)
			}
			return validateRun(opts)
		},
	}
}

func validateRun(opts *ValidateOptions) error {
	spec, err := loadSpec(opts.IO, opts.SpecPath, opts.LookupEnv)
	if err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.Out, "%s: ok\n%s\n", opts.SpecPath, spec.Plan())
	return nil
}

// loadSpec loads a spec, taking ${VAR} values from lookupEnv (the Factory's, so tests need not
// touch the process environment; nil: os.LookupEnv). On error it prints every error on its own
// line to stderr and returns an exit-2 error that prints nothing more.
func loadSpec(io *iostreams.IOStreams, path string, lookupEnv func(string) (string, bool)) (*specs.Spec, error) {
	if lookupEnv == nil {
		lookupEnv = os.LookupEnv
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, usageErr("%v", unwrapPathErrWithPath(path, err))
	}
	spec, err := specs.Parse(path, data, lookupEnv)
	if err == nil {
		return spec, nil
	}
	var list specs.ErrorList
	if errors.As(err, &list) {
		for _, e := range list {
			fmt.Fprintln(io.ErrOut, e.Error())
		}
		n := len(list)
		plural := "s"
		if n == 1 {
			plural = ""
		}
		fmt.Fprintf(io.ErrOut, "%s: %d error%s; nothing was sent\n", path, n, plural)
		return nil, &ExitError{Code: ExitUsage}
	}
	return nil, usageErr("%v", err)
}

// SchemaOptions are the inputs of `seccheck schema`.
type SchemaOptions struct {
	IO *iostreams.IOStreams
}

func NewCmdSchema(f *Factory, runF func(*SchemaOptions) error) *cobra.Command {
	opts := &SchemaOptions{IO: f.IO}
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema (draft 2020-12) of spec v1",
		Long: `Print the JSON Schema of spec v1. Editors that speak the YAML language server use it for
completion and validation; the example specs point at the copy in specs/schema.json with
  # yaml-language-server: $schema=../schema.json`,
		Example: `  seccheck schema > seccheck.schema.json`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			_, err := opts.IO.Out.Write(specs.SchemaJSON())
			return err
		},
	}
}
