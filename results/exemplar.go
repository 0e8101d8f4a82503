package results

import (
	"cmp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Caps on what one exemplar holds, so that exemplars stay bounded whatever the target sends.
const (
	maxExemplars       = 3    // per finding
	maxErrSamples      = 3    // per endpoint and transport-error kind
	maxExcerpt         = 512  // bytes of body around the violation
	maxExemplarHeaders = 64   // response headers kept per exemplar (by name order)
	maxHeaderValue     = 1024 // bytes of one (joined) header value
	maxErrText         = 512  // bytes of one transport error text
)

// exemplar is one redacted response kept as evidence. Its fields are exported for gob (partials).
//
// Exemplars of a finding are the maxExemplars smallest responses under exemplar.compare (At first,
// then content). That order is total, so the kept subset depends only on the multiset of samples
// and not on their order or on how the stream was split: merges are reproducible (invariant 3).
type exemplar struct {
	At      time.Duration
	Status  int
	Method  string
	URL     string
	Headers []headerKV // sorted by name
	Body    string
}

type headerKV struct{ Name, Value string }

func (e *exemplar) compare(o *exemplar) int {
	if c := cmp.Compare(e.At, o.At); c != 0 {
		return c
	}
	if c := cmp.Compare(e.Status, o.Status); c != 0 {
		return c
	}
	if c := strings.Compare(e.Method, o.Method); c != 0 {
		return c
	}
	if c := strings.Compare(e.URL, o.URL); c != 0 {
		return c
	}
	if c := strings.Compare(e.Body, o.Body); c != 0 {
		return c
	}
	return slices.CompareFunc(e.Headers, o.Headers, func(a, b headerKV) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return strings.Compare(a.Value, b.Value)
	})
}

func (e *exemplar) report() Exemplar {
	h := make(map[string]string, len(e.Headers))
	for _, kv := range e.Headers {
		h[kv.Name] = kv.Value
	}
	return Exemplar{Status: e.Status, Method: e.Method, URL: e.URL, Headers: h, BodyExcerpt: e.Body, AtS: e.At.Seconds()}
}

// admits reports whether a sample sent at `at` could enter list, kept to n smallest: a cheap test
// that spares building (and redacting) an exemplar that would be dropped at once.
func admits(list []exemplar, n int, at time.Duration) bool {
	return len(list) < n || at <= list[len(list)-1].At
}

// keepSmallest inserts e into the list (sorted by cmp) and keeps its n smallest: the capped,
// deterministic subset of exemplars and error samples that merges reproduce.
func keepSmallest[T any](list []T, n int, e T, cmp func(a, b *T) int) []T {
	i, _ := slices.BinarySearchFunc(list, &e, func(a T, b *T) int { return cmp(&a, b) })
	if i >= n {
		return list
	}
	list = slices.Insert(list, i, e)
	if len(list) > n {
		list = list[:n]
	}
	return list
}

// mergeSmallest returns the n smallest of the union of two lists sorted by cmp, in a new slice.
func mergeSmallest[T any](a, b []T, n int, cmp func(a, b *T) int) []T {
	out := make([]T, 0, min(n, len(a)+len(b)))
	for len(out) < n && (len(a) > 0 || len(b) > 0) {
		if len(b) == 0 || (len(a) > 0 && cmp(&a[0], &b[0]) <= 0) {
			out = append(out, a[0])
			a = a[1:]
		} else {
			out = append(out, b[0])
			b = b[1:]
		}
	}
	return out
}

// errSample is one redacted transport error text.
type errSample struct {
	At   time.Duration
	Text string
}

func (e *errSample) compare(o *errSample) int {
	if c := cmp.Compare(e.At, o.At); c != 0 {
		return c
	}
	return strings.Compare(e.Text, o.Text)
}

// sampleView builds the redacted parts of one sample lazily, at most once per Add, because one
// response can show several findings.
// It never stores the *Sample itself, so that a caller's Sample need not escape to the heap.
type sampleView struct {
	red Redactor

	haveURL, haveHeaders, haveBody bool
	url                            string
	headers                        []headerKV
	body                           []byte // redacted
}

func (v *sampleView) reset(red Redactor) {
	*v = sampleView{red: red}
}

// exemplar builds the exemplar of the sample; offset is the byte offset of the violation in the
// body (-1: none, the excerpt starts at the beginning).
func (v *sampleView) exemplar(s *Sample, offset int) exemplar {
	if !v.haveURL {
		v.url, v.haveURL = v.red.String(s.URL), true
	}
	if !v.haveHeaders {
		v.headers, v.haveHeaders = redactHeaders(s, v.red), true
	}
	if !v.haveBody {
		v.body, v.haveBody = v.red.Bytes(s.Body), true
	}
	if offset > len(s.Body) {
		offset = len(s.Body)
	}
	if offset > 0 && len(v.body) != len(s.Body) {
		// Redaction changed lengths: find where the offset moved to. A secret cut by the prefix
		// is not matched there, which shifts the centre by less than its length; the excerpt
		// itself is cut from the fully redacted body, so nothing unredacted can show.
		offset = len(v.red.Bytes(s.Body[:offset]))
	}
	return exemplar{
		At:      s.At,
		Status:  s.Status,
		Method:  s.Method,
		URL:     v.url,
		Headers: v.headers,
		Body:    excerpt(v.body, offset, maxExcerpt),
	}
}

func redactHeaders(s *Sample, red Redactor) []headerKV {
	names := make([]string, 0, len(s.Header))
	for k := range s.Header {
		names = append(names, k)
	}
	slices.Sort(names)
	if len(names) > maxExemplarHeaders {
		names = names[:maxExemplarHeaders]
	}
	out := make([]headerKV, 0, len(names))
	for _, k := range names {
		// Redact the joined value before truncating it, so a cut can never expose part of a secret.
		v := strings.ToValidUTF8(red.String(strings.Join(s.Header[k], ", ")), "\uFFFD")
		name := strings.ToValidUTF8(red.String(k), "\uFFFD")
		out = append(out, headerKV{Name: name, Value: truncateUTF8(v, maxHeaderValue)})
	}
	return out
}

// excerpt returns at most n bytes of b as valid UTF-8: the first n bytes when offset < 0, else a
// window centred on offset. Edges move inward to rune boundaries; invalid bytes become U+FFFD,
// and when that makes the text longer than n the window narrows until it fits.
func excerpt(b []byte, offset, n int) string {
	for width := n; ; {
		start, end := 0, len(b)
		if len(b) > width {
			if offset < 0 {
				end = width
			} else {
				start = max(0, offset-width/2)
				end = start + width
				if end > len(b) {
					end = len(b)
					start = end - width
				}
			}
		}
		for start > 0 && start < end && !utf8.RuneStart(b[start]) {
			start++
		}
		for end < len(b) && end > start && !utf8.RuneStart(b[end]) {
			end--
		}
		s := strings.ToValidUTF8(string(b[start:end]), "\uFFFD")
		if len(s) <= n {
			return s
		}
		width -= len(s) - n
	}
}

// truncateUTF8 cuts valid UTF-8 s to at most n bytes on a rune boundary.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
