// Package examples embeds the example specs, so `seccheck demo` carries its spec inside the
// binary and tests can walk every example.
package examples

import "embed"

// FS holds every example spec (*.yaml).
//
//go:embed *.yaml
var FS embed.FS
