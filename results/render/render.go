// Package render turns a *results.Report into the formats its readers need: a table for a
// terminal, JSON (report v1) for machines, JUnit XML for CI test tabs, Markdown for
// $GITHUB_STEP_SUMMARY and one self-contained HTML file with plots for people.
//
// Every renderer treats what came from the target (exemplar headers and bodies, header names,
// URLs) as hostile: it is escaped for the output's syntax, and control characters never reach a
// terminal or an XML file.
package render

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/seccheck/seccheck/results"
)

// Renderer writes a report in one format.
type Renderer interface {
	Render(w io.Writer, r *results.Report) error
}

// RendererFunc adapts a function to Renderer.
type RendererFunc func(w io.Writer, r *results.Report) error

// Render calls f(w, r).
func (f RendererFunc) Render(w io.Writer, r *results.Report) error { return f(w, r) }

var _ Renderer = RendererFunc(nil)

// formats lists the renderers in the order users read about them (DESIGN.md, "Commands").
var formats = []struct {
	name string
	r    Renderer
}{
	{"table", tableRenderer{}},
	{"json", JSON{}},
	{"junit", JUnit{}},
	{"markdown", Markdown{}},
	{"html", HTML{}},
}

// Formats returns the names For accepts.
func Formats() []string {
	names := make([]string, len(formats))
	for i, f := range formats {
		names[i] = f.name
	}
	return names
}

// For returns the renderer of a format by name (case-insensitive). The table renderer it
// returns has no colour and no width limit; use Table(TableOptions{…}) for those.
func For(format string) (Renderer, error) {
	name := strings.ToLower(strings.TrimSpace(format))
	for _, f := range formats {
		if f.name == name {
			return f.r, nil
		}
	}
	return nil, fmt.Errorf("unknown report format %q (known: %s)", format, strings.Join(Formats(), ", "))
}

// errNilReport is returned by every renderer given a nil report.
var errNilReport = errors.New("render: nil report")
