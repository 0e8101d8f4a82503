package specs

import (
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	"gopkg.in/yaml.v3"
)

// The decoder walks the yaml.Node tree beside the Go value, so that every error has a line and a
// column: unknown keys are reported at the key, each leaf is decoded on its own, and the node of
// every field is kept (keyed by the field's address) for the semantic checks that follow.

// maxNodes bounds the work of one decode; aliases can make a small file expand enormously.
const maxNodes = 200_000

// secretMode says which string values under a field are secrets.
type secretMode uint8

const (
	secretNone secretMode = iota
	secretEnv             // values substituted from ${ENV}
	secretAll             // every value
)

// fieldOpts are what a field's tags ask of the decoder.
type fieldOpts struct {
	secret secretMode
	check  string // "re2": a regular expression (or list of them); "headers": map keys are header names
}

type fieldKey struct {
	p unsafe.Pointer
	t reflect.Type
}

type decoder struct {
	file    string
	lookup  func(string) (string, bool)
	errs    ErrorList
	nodes   map[fieldKey]*yaml.Node // the value node decoded into each addressable value
	keys    map[fieldKey]*yaml.Node // the key node of each struct field
	secrets []string
	budget  int
	root    *yaml.Node
	// expandEnv is false when a type is decoded through its UnmarshalYAML method: ${…} is
	// then kept as written.
	expandEnv bool
}

func newDecoder(file string, lookup func(string) (string, bool)) *decoder {
	return &decoder{
		file:      file,
		lookup:    lookup,
		nodes:     map[fieldKey]*yaml.Node{},
		keys:      map[fieldKey]*yaml.Node{},
		budget:    maxNodes,
		expandEnv: true,
	}
}

// nodeDecoder is implemented by the types with a YAML form of their own.
type nodeDecoder interface {
	decodeNode(d *decoder, n *yaml.Node, path string, o fieldOpts)
}

func keyOf(v reflect.Value) fieldKey {
	return fieldKey{v.Addr().UnsafePointer(), v.Type()}
}

func keyOfPtr(p any) (fieldKey, bool) {
	v := reflect.ValueOf(p)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return fieldKey{}, false
	}
	return fieldKey{v.UnsafePointer(), v.Type().Elem()}, true
}

// at returns the value node decoded into the first of ptrs that was present in the file; the
// root mapping when none was.
func (d *decoder) at(ptrs ...any) *yaml.Node {
	for _, p := range ptrs {
		if k, ok := keyOfPtr(p); ok {
			if n := d.nodes[k]; n != nil {
				return n
			}
		}
	}
	return d.root
}

// keyAt is like at but returns the key node of a struct field.
func (d *decoder) keyAt(ptrs ...any) *yaml.Node {
	for _, p := range ptrs {
		if k, ok := keyOfPtr(p); ok {
			if n := d.keys[k]; n != nil {
				return n
			}
			if n := d.nodes[k]; n != nil {
				return n
			}
		}
	}
	return d.root
}

// has reports whether the field p points to was written in the file.
func (d *decoder) has(p any) bool {
	k, ok := keyOfPtr(p)
	return ok && d.nodes[k] != nil
}

func (d *decoder) errorf(n *yaml.Node, format string, args ...any) {
	line, col := 1, 1
	if n != nil && n.Line > 0 {
		line, col = n.Line, max(n.Column, 1)
	}
	d.errs = append(d.errs, &PosError{File: d.file, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)})
}

func (d *decoder) addSecret(s string) {
	if s != "" {
		d.secrets = append(d.secrets, s)
	}
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func where(path string) string {
	if path == "" {
		return "the spec"
	}
	return path
}

// describe names what a node holds, for "expected X, got Y".
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		v := n.Value
		if len(v) > 40 {
			v = v[:40] + "…"
		}
		return strconv.Quote(v)
	}
	return "nothing"
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string, o fieldOpts) {
	d.budget--
	if d.budget < 0 {
		if d.budget == -1 {
			d.errorf(n, "spec too large: more than %d YAML values (after expanding aliases)", maxNodes)
		}
		return
	}
	if n.Kind == yaml.AliasNode {
		if n.Alias == nil {
			return
		}
		n = n.Alias
	}
	if v.CanAddr() {
		d.nodes[keyOf(v)] = n
		if u, ok := v.Addr().Interface().(nodeDecoder); ok {
			u.decodeNode(d, n, path, o)
			return
		}
	}
	if isNull(n) {
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		nv := reflect.New(v.Type().Elem())
		d.decode(n, nv.Elem(), path, o)
		v.Set(nv)
	case reflect.Struct:
		d.decodeStruct(n, v, path, o)
	case reflect.Map:
		d.decodeMap(n, v, path, o)
	case reflect.Slice:
		d.decodeSlice(n, v, path, o)
	case reflect.String:
		if s, ok := d.scalar(n, path, o); ok {
			if o.check == "re2" {
				d.checkRE2(n, path, s)
			}
			v.SetString(s)
		}
	case reflect.Int, reflect.Int64:
		if s, ok := d.scalar(n, path, o); ok {
			var i int64
			m := &yaml.Node{Kind: yaml.ScalarNode, Value: s}
			if m.ShortTag() != "!!int" || m.Decode(&i) != nil {
				d.errorf(n, "%s: expected an integer, got %s", path, describe(m))
				return
			}
			if o.check == "nonneg" && i < 0 {
				d.errorf(n, "%s must not be negative", path)
				return
			}
			v.SetInt(i)
		}
	case reflect.Float64:
		if s, ok := d.scalar(n, path, o); ok {
			var f float64
			m := &yaml.Node{Kind: yaml.ScalarNode, Value: s}
			if t := m.ShortTag(); t != "!!int" && t != "!!float" || m.Decode(&f) != nil {
				d.errorf(n, "%s: expected a number, got %s", path, describe(m))
				return
			}
			v.SetFloat(f)
		}
	case reflect.Bool:
		if s, ok := d.scalar(n, path, o); ok {
			var b bool
			m := &yaml.Node{Kind: yaml.ScalarNode, Value: s}
			if m.ShortTag() != "!!bool" || m.Decode(&b) != nil {
				d.errorf(n, "%s: expected true or false, got %s", path, describe(m))
				return
			}
			v.SetBool(b)
		}
	default:
		panic("specs: no YAML decoding for " + v.Type().String())
	}
}

// scalar returns the interpolated text of a scalar node, recording secrets as o says.
func (d *decoder) scalar(n *yaml.Node, path string, o fieldOpts) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		d.errorf(n, "%s: expected a single value, got %s", path, describe(n))
		return "", false
	}
	var onValue func(string)
	if o.secret == secretEnv {
		onValue = d.addSecret
	}
	s, err := n.Value, error(nil)
	if d.expandEnv {
		s, err = expand(n.Value, d.lookup, onValue)
	}
	if err != nil {
		d.errorf(n, "%s: %v", path, err)
		return "", false
	}
	if o.secret == secretAll {
		d.addSecret(s)
	}
	return s, true
}

func (d *decoder) checkRE2(n *yaml.Node, path, s string) {
	if _, err := regexp.Compile(s); err != nil {
		d.errorf(n, "%s: invalid RE2 pattern: %v", path, err)
	}
}

// structField is one YAML field of a struct type.
type structField struct {
	index int
}

type structInfo struct {
	fields map[string]structField
	names  []string // sorted, for suggestions
}

var structInfos sync.Map // reflect.Type -> *structInfo

func infoOf(t reflect.Type) *structInfo {
	if si, ok := structInfos.Load(t); ok {
		return si.(*structInfo)
	}
	si := &structInfo{fields: map[string]structField{}}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		si.fields[name] = structField{index: i}
		si.names = append(si.names, name)
	}
	sort.Strings(si.names)
	structInfos.Store(t, si)
	return si
}

// fieldOptsFor merges a field's own options with the secret mode inherited from its parents.
func fieldOptsFor(t reflect.Type, index int, parent fieldOpts) fieldOpts {
	f := t.Field(index)
	o := fieldOpts{secret: parent.secret, check: f.Tag.Get("check")}
	switch f.Tag.Get("secret") {
	case "all":
		o.secret = secretAll
	case "env":
		o.secret = max(o.secret, secretEnv)
	case "no":
		o.secret = secretNone
	}
	return o
}

func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, path string, o fieldOpts) {
	if n.Kind != yaml.MappingNode {
		d.errorf(n, "%s: expected a mapping, got %s", where(path), describe(n))
		return
	}
	si := infoOf(v.Type())
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.AliasNode && k.Alias != nil {
			k = k.Alias
		}
		if k.Kind != yaml.ScalarNode {
			d.errorf(k, "%s: expected a field name, got %s", where(path), describe(k))
			continue
		}
		name := k.Value
		if name == "<<" && k.ShortTag() == "!!merge" {
			d.errorf(k, "%s: YAML merge keys (<<) are not supported; repeat the fields", where(path))
			continue
		}
		if prev := seen[name]; prev != nil {
			d.errorf(k, "%s: duplicate field %q (first at line %d)", where(path), name, prev.Line)
			continue
		}
		seen[name] = k
		f, ok := si.fields[name]
		if !ok {
			d.errorf(k, "unknown field %q in %s%s", name, where(path), suggest(name, si.names))
			continue
		}
		fv := v.Field(f.index)
		d.keys[keyOf(fv)] = k
		d.decode(val, fv, joinPath(path, name), fieldOptsFor(v.Type(), f.index, o))
	}
}

func (d *decoder) decodeMap(n *yaml.Node, v reflect.Value, path string, o fieldOpts) {
	if n.Kind != yaml.MappingNode {
		d.errorf(n, "%s: expected a mapping, got %s", where(path), describe(n))
		return
	}
	if v.IsNil() {
		v.Set(reflect.MakeMapWithSize(v.Type(), len(n.Content)/2))
	}
	seen := map[string]*yaml.Node{}
	elemOpts := fieldOpts{secret: o.secret}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.AliasNode && k.Alias != nil {
			k = k.Alias
		}
		if k.Kind != yaml.ScalarNode || isNull(k) {
			d.errorf(k, "%s: expected a name, got %s", where(path), describe(k))
			continue
		}
		name := k.Value
		dupKey := name
		if o.check == "headers" {
			if !validHeaderName(name) {
				d.errorf(k, "%s: %q is not a valid header name", where(path), name)
				continue
			}
			dupKey = strings.ToLower(name) // header names are case-insensitive
		}
		if prev := seen[dupKey]; prev != nil {
			d.errorf(k, "%s: duplicate key %q (first at line %d)", where(path), name, prev.Line)
			continue
		}
		seen[dupKey] = k
		ev := reflect.New(v.Type().Elem()).Elem()
		d.decode(val, ev, joinPath(path, name), elemOpts)
		if o.check == "headers" && ev.Kind() == reflect.String && strings.ContainsAny(ev.String(), "\r\n\x00") {
			// Not quoted: the value may be a secret.
			d.errorf(val, "%s: a header value must not contain a line break or NUL", joinPath(path, name))
		}
		v.SetMapIndex(reflect.ValueOf(name).Convert(v.Type().Key()), ev)
	}
}

func (d *decoder) decodeSlice(n *yaml.Node, v reflect.Value, path string, o fieldOpts) {
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, "%s: expected a list, got %s", where(path), describe(n))
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, e := range n.Content {
		d.decode(e, s.Index(i), path+"["+strconv.Itoa(i)+"]", o)
	}
	v.Set(s)
}

// validHeaderName reports whether s is an RFC 9110 token.
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// suggest returns ` (did you mean "x"?)` for the closest known name, or the list of names.
func suggest(name string, names []string) string {
	best, bestDist := "", 2 // a typo of one edit; two for longer names
	if len(name) >= 6 {
		bestDist = 3
	}
	for _, n := range names {
		if dist := editDistance(strings.ToLower(name), n); dist < bestDist {
			best, bestDist = n, dist
		}
	}
	if best != "" {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	return " (known: " + strings.Join(names, ", ") + ")"
}

func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 64
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
