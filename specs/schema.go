package specs

import (
	"encoding/json"
	"sync"

	"github.com/invopop/jsonschema"
)

// SchemaID is the $id of the spec v1 JSON Schema.
const SchemaID = "https://github.com/seccheck/seccheck/specs/schema.json"

// interpolated matches a value that is (or holds) a ${VAR} reference: it is checked after
// interpolation, so the schema lets it through.
const interpolated = `\$\{`

// SchemaJSON returns the JSON Schema (draft 2020-12) of spec v1, generated from the Go types.
// Editors use it through the `# yaml-language-server: $schema=…` comment of a spec.
func SchemaJSON() []byte { return schemaJSON() }

var schemaJSON = sync.OnceValue(func() []byte {
	r := &jsonschema.Reflector{
		FieldNameTag:               "yaml",
		RequiredFromJSONSchemaTags: true,
		AllowAdditionalProperties:  false,
		Anonymous:                  true,
	}
	s := r.Reflect(&Spec{})
	s.ID = SchemaID
	s.Title = "seccheck spec v1"
	s.Description = "A seccheck spec: target, endpoints, load phases, security checks and thresholds."
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		panic("specs: schema: " + err.Error())
	}
	return append(b, '\n')
})

func str(pattern, description string) *jsonschema.Schema {
	return &jsonschema.Schema{Type: "string", Pattern: pattern, Description: description}
}

func anyOf(description string, alts ...*jsonschema.Schema) *jsonschema.Schema {
	return &jsonschema.Schema{AnyOf: alts, Description: description}
}

// JSONSchema describes a Go duration string.
func (Duration) JSONSchema() *jsonschema.Schema {
	return str(`^\s*(0|([0-9]+(\.[0-9]*)?(ns|us|µs|ms|s|m|h))+)\s*$|`+interpolated,
		`A Go duration: "30s", "2m", "1h30m".`)
}

// JSONSchema describes a size: bytes, or a number with a unit.
func (Size) JSONSchema() *jsonschema.Schema {
	return anyOf(`Bytes, or a number with KiB, MiB, GiB (1024) or KB, MB, GB (1000): "512KiB", "1MiB".`,
		&jsonschema.Schema{Type: "integer", Minimum: json.Number("0")},
		str(`(?i)^\s*[0-9]+(\.[0-9]+)?\s*(b|kb|mb|gb|kib|mib|gib)?\s*$|`+interpolated, ""))
}

// JSONSchema describes a threshold expression.
func (Threshold) JSONSchema() *jsonschema.Schema {
	return str(`^\s*(<=|>=|==|!=|<|>)\s*([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?\s*(%|ms|us|µs|s|m)?\s*$|`+interpolated,
		`An operator, a number and an optional unit: "<= 0.1%", "< 800ms", "== 0".`)
}

// JSONSchema describes a status code or class.
func (StatusMatcher) JSONSchema() *jsonschema.Schema {
	return anyOf(`A status code (100–599) or a class ("2xx").`,
		&jsonschema.Schema{Type: "integer", Minimum: json.Number("100"), Maximum: json.Number("599")},
		str(`^[1-5][xX][xX]$|^[1-5][0-9][0-9]$|`+interpolated, ""))
}

func object(props ...any) *jsonschema.Schema {
	s := &jsonschema.Schema{Type: "object", Properties: jsonschema.NewProperties(), AdditionalProperties: jsonschema.FalseSchema}
	for i := 0; i+1 < len(props); i += 2 {
		s.Properties.Set(props[i].(string), props[i+1].(*jsonschema.Schema))
	}
	return s
}

// JSONSchema describes "none" or an auth block with exactly one of bearer, basic, header.
func (Auth) JSONSchema() *jsonschema.Schema {
	plain := &jsonschema.Schema{Type: "string"}
	basic := object("user", plain, "password", plain)
	basic.Required = []string{"user"}
	header := object("name", plain, "value", plain)
	header.Required = []string{"name", "value"}
	block := object("bearer", plain, "basic", basic, "header", header)
	block.MinProperties = ptr(uint64(1))
	block.MaxProperties = ptr(uint64(1))
	return anyOf(`"none" (send no credentials), or exactly one of bearer, basic, header.`,
		&jsonschema.Schema{Type: "string", Enum: []any{"none"}}, block)
}

// JSONSchema describes a header name or {name, matches}.
func (ForbidRule) JSONSchema() *jsonschema.Schema {
	rule := object("name", &jsonschema.Schema{Type: "string"}, "matches", &jsonschema.Schema{Type: "string", Format: "regex"})
	rule.Required = []string{"name"}
	return anyOf("A header name, or {name, matches: RE2} to forbid only matching values.",
		&jsonschema.Schema{Type: "string"}, rule)
}

// JSONSchema describes a token list or directive -> tokens.
func (ForbidTokens) JSONSchema() *jsonschema.Schema {
	list := &jsonschema.Schema{Type: "array", Items: &jsonschema.Schema{Type: "string"}}
	return anyOf("Tokens forbidden in any directive, or a mapping of directive to tokens.",
		list, &jsonschema.Schema{Type: "object", AdditionalProperties: list})
}
