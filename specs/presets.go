package specs

import (
	_ "embed"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"sync"

	"gopkg.in/yaml.v3"
)

//go:embed presets.yaml
var presetsYAML []byte

var presets = sync.OnceValue(func() map[string]Checks {
	d := newDecoder("specs/presets.yaml", func(string) (string, bool) { return "", false })
	var doc yaml.Node
	if err := yaml.Unmarshal(presetsYAML, &doc); err != nil {
		panic("specs: presets.yaml: " + err.Error())
	}
	m := map[string]Checks{}
	d.root = doc.Content[0]
	d.decode(d.root, reflect.ValueOf(&m).Elem(), "", fieldOpts{})
	if len(d.errs) > 0 {
		panic("specs: " + d.errs.Error())
	}
	for name, c := range m {
		c.Preset = name
		c.Headers.Require = canonicalRules(c.Headers.Require)
		for i := range c.Headers.Forbid {
			c.Headers.Forbid[i].Name = http.CanonicalHeaderKey(c.Headers.Forbid[i].Name)
		}
		m[name] = c
	}
	return m
})

// Preset returns a copy of the named built-in preset (recommended, strict or none).
func Preset(name string) (Checks, bool) {
	c, ok := presets()[name]
	if !ok {
		return Checks{}, false
	}
	return cloneChecks(c), true
}

// EffectiveChecks is what applies to one endpoint: the preset (the endpoint's if it names one,
// else the global one, else recommended) ⊕ the global checks ⊕ the endpoint's checks, with
// apply_to and leaks defaulted.
func EffectiveChecks(global Checks, endpoint *Checks) Checks {
	name := global.Preset
	if endpoint != nil && endpoint.Preset != "" {
		name = endpoint.Preset
	}
	if name == "" {
		name = DefaultPreset
	}
	base, ok := Preset(name)
	if !ok {
		base, _ = Preset(DefaultPreset)
	}
	c := MergeChecks(base, global)
	if endpoint != nil {
		c = MergeChecks(c, *endpoint)
	}
	c.Preset = name
	if c.ApplyTo == "" {
		c.ApplyTo = DefaultApplyTo
	}
	if c.Body.Leaks == "" {
		c.Body.Leaks = DefaultLeaks
	}
	return c
}

// MergeChecks returns base with over laid on top; neither argument is modified.
//   - preset, apply_to, body.leaks: over's wins when set (choosing the preset is the caller's
//     job: see EffectiveChecks).
//   - headers.require: per header (names compared canonically), the set fields of over's rule
//     win over base's; a rule with `present: false` removes the header's requirement.
//   - headers.forbid and body.forbid: the union, without duplicates.
//   - headers.cors and cookies: field by field, over's set fields win.
func MergeChecks(base, over Checks) Checks {
	c := cloneChecks(base)
	if over.Preset != "" {
		c.Preset = over.Preset
	}
	if over.ApplyTo != "" {
		c.ApplyTo = over.ApplyTo
	}
	if over.Body.Leaks != "" {
		c.Body.Leaks = over.Body.Leaks
	}
	for name, r := range over.Headers.Require {
		name = http.CanonicalHeaderKey(name)
		if r.Present != nil && !*r.Present {
			delete(c.Headers.Require, name)
			continue
		}
		if c.Headers.Require == nil {
			c.Headers.Require = map[string]HeaderRule{}
		}
		c.Headers.Require[name] = mergeRule(c.Headers.Require[name], cloneRule(r))
	}
	for _, f := range over.Headers.Forbid {
		f.Name = http.CanonicalHeaderKey(f.Name)
		if !slices.Contains(c.Headers.Forbid, f) {
			c.Headers.Forbid = append(c.Headers.Forbid, f)
		}
	}
	for _, p := range over.Body.Forbid {
		if !slices.Contains(c.Body.Forbid, p) {
			c.Body.Forbid = append(c.Body.Forbid, p)
		}
	}
	if o := over.Headers.CORS; o != nil {
		if c.Headers.CORS == nil {
			c.Headers.CORS = &CORSChecks{}
		}
		if o.ForbidWildcardCredentials != nil {
			c.Headers.CORS.ForbidWildcardCredentials = ptr(*o.ForbidWildcardCredentials)
		}
		if o.ProbeOrigin != "" {
			c.Headers.CORS.ProbeOrigin = o.ProbeOrigin
		}
	}
	if o := over.Cookies; o != nil {
		if c.Cookies == nil {
			c.Cookies = &CookieChecks{}
		}
		if o.Secure != nil {
			c.Cookies.Secure = ptr(*o.Secure)
		}
		if o.HTTPOnly != nil {
			c.Cookies.HTTPOnly = ptr(*o.HTTPOnly)
		}
		if o.SameSite != nil {
			c.Cookies.SameSite = slices.Clone(o.SameSite)
		}
	}
	return c
}

// mergeRule lays the set fields of over on base.
func mergeRule(base, over HeaderRule) HeaderRule {
	r := base
	set := func(dst **bool, src *bool) {
		if src != nil {
			*dst = src
		}
	}
	set(&r.Present, over.Present)
	set(&r.Single, over.Single)
	set(&r.IncludeSubdomains, over.IncludeSubdomains)
	set(&r.Preload, over.Preload)
	set(&r.AllowInlineScript, over.AllowInlineScript)
	set(&r.StrictSources, over.StrictSources)
	if over.Equals != "" {
		r.Equals = over.Equals
	}
	if over.OneOf != nil {
		r.OneOf = over.OneOf
	}
	if over.Contains != "" {
		r.Contains = over.Contains
	}
	if over.Matches != "" {
		r.Matches = over.Matches
	}
	if over.MinMaxAge != nil {
		r.MinMaxAge = over.MinMaxAge
	}
	if over.ForbidTokens != nil {
		r.ForbidTokens = over.ForbidTokens
	}
	if over.RequireDirectives != nil {
		r.RequireDirectives = over.RequireDirectives
	}
	if over.OnlyWithCredentials {
		r.OnlyWithCredentials = true
	}
	return r
}

func ptr[T any](v T) *T { return &v }

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	return ptr(*p)
}

func cloneRule(r HeaderRule) HeaderRule {
	r.Present = clonePtr(r.Present)
	r.Single = clonePtr(r.Single)
	r.MinMaxAge = clonePtr(r.MinMaxAge)
	r.IncludeSubdomains = clonePtr(r.IncludeSubdomains)
	r.Preload = clonePtr(r.Preload)
	r.AllowInlineScript = clonePtr(r.AllowInlineScript)
	r.StrictSources = clonePtr(r.StrictSources)
	r.OneOf = slices.Clone(r.OneOf)
	r.RequireDirectives = slices.Clone(r.RequireDirectives)
	if r.ForbidTokens != nil {
		ft := make(ForbidTokens, len(r.ForbidTokens))
		for k, v := range r.ForbidTokens {
			ft[k] = slices.Clone(v)
		}
		r.ForbidTokens = ft
	}
	return r
}

// cloneChecks returns a deep copy, so that a merge never writes into a preset or a spec.
func cloneChecks(c Checks) Checks {
	out := c
	if c.Headers.Require != nil {
		out.Headers.Require = make(map[string]HeaderRule, len(c.Headers.Require))
		for k, r := range c.Headers.Require {
			out.Headers.Require[k] = cloneRule(r)
		}
	}
	out.Headers.Forbid = slices.Clone(c.Headers.Forbid)
	out.Body.Forbid = slices.Clone(c.Body.Forbid)
	if c.Headers.CORS != nil {
		out.Headers.CORS = &CORSChecks{
			ForbidWildcardCredentials: clonePtr(c.Headers.CORS.ForbidWildcardCredentials),
			ProbeOrigin:               c.Headers.CORS.ProbeOrigin,
		}
	}
	if c.Cookies != nil {
		out.Cookies = &CookieChecks{
			Secure:   clonePtr(c.Cookies.Secure),
			HTTPOnly: clonePtr(c.Cookies.HTTPOnly),
			SameSite: slices.Clone(c.Cookies.SameSite),
		}
	}
	return out
}

// canonicalRules returns rules keyed by http.CanonicalHeaderKey names.
func canonicalRules(rules map[string]HeaderRule) map[string]HeaderRule {
	if rules == nil {
		return nil
	}
	out := make(map[string]HeaderRule, len(rules))
	for _, k := range slices.Sorted(maps.Keys(rules)) {
		out[http.CanonicalHeaderKey(k)] = rules[k]
	}
	return out
}
