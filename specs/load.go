package specs

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"

	"gopkg.in/yaml.v3"
)

// Load reads the spec at path and parses it with Parse, taking ${VAR} values from the process
// environment.
func Load(path string) (*Spec, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data, os.LookupEnv)
}

// Parse decodes, interpolates, defaults and validates a spec v1. file names the spec in error
// messages; relative paths in the spec (ca_file, client_cert, client_key, body_file) resolve
// against its directory and become absolute. lookupEnv supplies ${VAR} values (nil: no variable
// is set).
//
// Every problem is reported, as an ErrorList of *PosError (FILE:LINE:COL: message), sorted by
// position and capped at MaxErrors. No error message holds a secret.
//
// On success every endpoint has a Name, Method, Weight and its Effective checks; load has at
// least one phase (DefaultPhase when the spec gives none); Secrets holds every value to redact.
func Parse(file string, data []byte, lookupEnv func(string) (string, bool)) (*Spec, error) {
	name := file
	if name == "" {
		name = "spec"
	}
	if lookupEnv == nil {
		lookupEnv = func(string) (string, bool) { return "", false }
	}
	d := newDecoder(name, lookupEnv)
	root := d.parseYAML(data)
	if root == nil {
		return nil, d.errs.finish(nil)
	}
	d.root = root
	sum := sha256.Sum256(data)
	s := &Spec{File: file, Hash: hex.EncodeToString(sum[:])}
	dir := "."
	if file != "" {
		dir = filepath.Dir(file)
	}
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	s.Dir = dir
	d.decode(root, reflect.ValueOf(s).Elem(), "", fieldOpts{})
	if d.budget >= 0 {
		d.validate(s)
	}
	s.Secrets = uniqueSecrets(d.secrets)
	red := NewRedactor(s.Secrets...)
	if len(d.errs) > 0 {
		return nil, d.errs.finish(red)
	}
	s.redactor = red
	return s, nil
}

// Redactor returns the redactor for the spec's Secrets. Parse builds it once; a Spec built by
// hand gets a new one on each call (change Secrets after Parse and use NewRedactor instead).
func (s *Spec) Redactor() *Redactor {
	if s.redactor != nil {
		return s.redactor
	}
	return NewRedactor(s.Secrets...)
}

func uniqueSecrets(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

var yamlLineErr = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parseYAML returns the root mapping of the single document in data, or nil after recording an
// error.
func (d *decoder) parseYAML(data []byte) *yaml.Node {
	if len(bytes.TrimSpace(data)) == 0 {
		d.errorf(nil, "empty spec: start with `version: 1` (see specs/examples/smoke.yaml)")
		return nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			d.errorf(nil, "empty spec: start with `version: 1` (see specs/examples/smoke.yaml)")
		} else {
			d.syntaxError(err)
		}
		return nil
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == nil:
		d.errorf(&next, "a spec file holds one YAML document; remove this second one (after ---)")
		return nil
	case !errors.Is(err, io.EOF):
		d.syntaxError(err)
		return nil
	}
	root := &doc
	if doc.Kind == yaml.DocumentNode {
		if len(doc.Content) == 0 {
			d.errorf(nil, "empty spec: start with `version: 1` (see specs/examples/smoke.yaml)")
			return nil
		}
		root = doc.Content[0]
	}
	if root.Kind == yaml.AliasNode && root.Alias != nil {
		root = root.Alias
	}
	if isNull(root) {
		d.errorf(root, "empty spec: start with `version: 1` (see specs/examples/smoke.yaml)")
		return nil
	}
	if root.Kind != yaml.MappingNode {
		d.errorf(root, "a spec is a YAML mapping (version: 1, target: …, endpoints: …), got %s", describe(root))
		return nil
	}
	return root
}

func (d *decoder) syntaxError(err error) {
	msg := err.Error()
	line := 1
	if m := yamlLineErr.FindStringSubmatch(msg); m != nil {
		if l, convErr := strconv.Atoi(m[1]); convErr == nil && l > 0 {
			line = l
		}
		msg = m[2]
	} else if len(msg) > 6 && msg[:6] == "yaml: " {
		msg = msg[6:]
	}
	d.errs = append(d.errs, &PosError{File: d.file, Line: line, Col: 1, Msg: "invalid YAML: " + msg})
}
