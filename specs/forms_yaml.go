package specs

import (
	"errors"
	"reflect"

	"gopkg.in/yaml.v3"
)

// The YAML forms of the types that are not plain structs. Each decodeNode reports its errors at
// n; each UnmarshalYAML lets the type be decoded by yaml.v3 directly (without positions).

func (x *Duration) decodeNode(d *decoder, n *yaml.Node, path string, o fieldOpts) {
	if isNull(n) {
		return
	}
	s, ok := d.scalar(n, path, o)
	if !ok {
		return
	}
	v, err := ParseDuration(s)
	if err != nil {
		d.errorf(n, "%s: %v", path, err)
		return
	}
	*x = v
}

func (x *Size) decodeNode(d *decoder, n *yaml.Node, path string, o fieldOpts) {
	if isNull(n) {
		return
	}
	s, ok := d.scalar(n, path, o)
	if !ok {
		return
	}
	v, err := ParseSize(s)
	if err != nil {
		d.errorf(n, "%s: %v", path, err)
		return
	}
	*x = v
}

func (x *Threshold) decodeNode(d *decoder, n *yaml.Node, path string, o fieldOpts) {
	if isNull(n) {
		return
	}
	s, ok := d.scalar(n, path, o)
	if !ok {
		return
	}
	v, err := ParseThreshold(s)
	if err != nil {
		d.errorf(n, "%s: %v", path, err)
		return
	}
	*x = v
}

func (x *StatusMatcher) decodeNode(d *decoder, n *yaml.Node, path string, o fieldOpts) {
	s, ok := d.scalar(n, path, o)
	if !ok {
		return
	}
	v, err := ParseStatus(s)
	if err != nil {
		d.errorf(n, "%s: %v", path, err)
		return
	}
	*x = v
}

// authFields, forbidRuleFields: the struct forms, decoded field by field.
type authFields Auth
type forbidRuleFields ForbidRule

func (x *Auth) decodeNode(d *decoder, n *yaml.Node, path string, o fieldOpts) {
	if n.Kind == yaml.ScalarNode && !isNull(n) {
		if n.Value != "none" {
			d.errorf(n, `%s: expected "none" or a block with one of bearer, basic or header`, path)
			return
		}
		*x = Auth{None: true}
		return
	}
	if isNull(n) {
		d.errorf(n, `%s: expected "none" or a block with one of bearer, basic or header`, path)
		return
	}
	d.decodeStruct(n, reflect.ValueOf((*authFields)(x)).Elem(), path, o)
	if n.Kind != yaml.MappingNode {
		return
	}
	set := 0
	if d.has(&x.Bearer) {
		set++
		if x.Bearer == "" {
			d.semanticf(d.at(&x.Bearer), "%s.bearer: the token is empty", path)
		}
	}
	if x.Basic != nil || d.has(&x.Basic) {
		set++
		if x.Basic == nil || x.Basic.User == "" {
			d.semanticf(d.at(&x.Basic), "%s.basic: needs a user", path)
		}
		if x.Basic != nil {
			d.addSecret(basicSecret(x.Basic.User, x.Basic.Password))
		}
	}
	if x.Header != nil || d.has(&x.Header) {
		set++
		switch {
		case x.Header == nil || x.Header.Name == "":
			d.semanticf(d.at(&x.Header), "%s.header: needs a name", path)
		case !validHeaderName(x.Header.Name):
			d.semanticf(d.at(&x.Header.Name), "%s.header.name: %q is not a valid header name", path, x.Header.Name)
		case x.Header.Value == "":
			d.semanticf(d.at(&x.Header.Value, &x.Header), "%s.header: needs a value", path)
		}
	}
	switch {
	case set == 0 && len(n.Content) == 0:
		d.semanticf(n, "%s: an auth block needs one of bearer, basic or header", path)
	case set > 1:
		d.semanticf(n, "%s: an auth block takes only one of bearer, basic or header", path)
	}
}

func (x *ForbidRule) decodeNode(d *decoder, n *yaml.Node, path string, o fieldOpts) {
	switch {
	case n.Kind == yaml.ScalarNode && !isNull(n):
		if s, ok := d.scalar(n, path, o); ok {
			x.Name = s
		}
	case n.Kind == yaml.MappingNode:
		d.decodeStruct(n, reflect.ValueOf((*forbidRuleFields)(x)).Elem(), path, o)
		if x.Name == "" && !d.has(&x.Name) {
			d.errorf(n, "%s: needs a name", path)
			return
		}
	default:
		d.errorf(n, "%s: expected a header name or {name, matches}, got %s", path, describe(n))
		return
	}
	if x.Name == "" {
		d.semanticf(n, "%s: the header name is empty", path)
	} else if !validHeaderName(x.Name) {
		d.semanticf(d.at(&x.Name, x), "%s: %q is not a valid header name", path, x.Name)
	}
}

func (x *ForbidTokens) decodeNode(d *decoder, n *yaml.Node, path string, o fieldOpts) {
	switch n.Kind {
	case yaml.SequenceNode:
		var list []string
		d.decode(n, reflect.ValueOf(&list).Elem(), path, o)
		*x = ForbidTokens{"*": list}
	case yaml.MappingNode:
		m := map[string][]string{}
		d.decodeMap(n, reflect.ValueOf(&m).Elem(), path, o)
		*x = m
	default:
		if !isNull(n) {
			d.errorf(n, "%s: expected a list of tokens or a mapping of directive to tokens, got %s", path, describe(n))
		}
	}
}

// unmarshalWith decodes n into v with a throwaway decoder and returns its first error.
func unmarshalWith(n *yaml.Node, v reflect.Value) error {
	d := newDecoder("spec", func(string) (string, bool) { return "", false })
	d.expandEnv = false
	d.decode(n, v, "value", fieldOpts{})
	if len(d.errs) > 0 {
		return errors.New(d.errs[0].Msg)
	}
	return nil
}

// UnmarshalYAML decodes a Go duration string.
func (x *Duration) UnmarshalYAML(n *yaml.Node) error {
	return unmarshalWith(n, reflect.ValueOf(x).Elem())
}

// UnmarshalYAML decodes a size such as 512KiB or a byte count.
func (x *Size) UnmarshalYAML(n *yaml.Node) error { return unmarshalWith(n, reflect.ValueOf(x).Elem()) }

// UnmarshalYAML decodes a threshold such as "<= 0.1%".
func (x *Threshold) UnmarshalYAML(n *yaml.Node) error {
	return unmarshalWith(n, reflect.ValueOf(x).Elem())
}

// UnmarshalYAML decodes a status code or class.
func (x *StatusMatcher) UnmarshalYAML(n *yaml.Node) error {
	return unmarshalWith(n, reflect.ValueOf(x).Elem())
}

// UnmarshalYAML decodes "none" or an auth block.
func (x *Auth) UnmarshalYAML(n *yaml.Node) error { return unmarshalWith(n, reflect.ValueOf(x).Elem()) }

// UnmarshalYAML decodes a header name or {name, matches}.
func (x *ForbidRule) UnmarshalYAML(n *yaml.Node) error {
	return unmarshalWith(n, reflect.ValueOf(x).Elem())
}

// UnmarshalYAML decodes a token list or a directive -> tokens mapping.
func (x *ForbidTokens) UnmarshalYAML(n *yaml.Node) error {
	return unmarshalWith(n, reflect.ValueOf(x).Elem())
}
