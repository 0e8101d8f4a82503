// Command seccheck load-tests and conformance-tests secured HTTP endpoints. See README.md.
package main

import (
	"os"

	"github.com/seccheck/seccheck/internal/cli"
	"github.com/seccheck/seccheck/internal/iostreams"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], iostreams.System()))
}
