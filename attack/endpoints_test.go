package attack

import (
	"encoding/base64"
	"math"
	"slices"
	"testing"

	"github.com/seccheck/seccheck/specs"
)

func TestJoinURL(t *testing.T) {
	tests := []struct{ base, path, want string }{
		{"http://h:1", "/a", "http://h:1/a"},
		{"http://h:1/", "/a?limit=10", "http://h:1/a?limit=10"},
		{"https://h/api/", "/orders?x=1&y=2", "https://h/api/orders?x=1&y=2"},
		{"https://h/api?k=v", "/orders?x=1", "https://h/api/orders?k=v&x=1"},
		{"https://h#frag", "/a#b", "https://h/a"},
		{"http://h", "a%2Fb", "http://h/a%2Fb"},
	}
	for _, tc := range tests {
		if got := joinURL(tc.base, tc.path); got != tc.want {
			t.Errorf("joinURL(%q, %q) = %q, want %q", tc.base, tc.path, got, tc.want)
		}
	}
}

func TestEndpointTag(t *testing.T) {
	for _, i := range []int{0, 7, 12, 65535} {
		spec := testSpec("http://127.0.0.1:9/base?q=1")
		spec.Endpoints = make([]specs.Endpoint, i+1)
		for j := range spec.Endpoints {
			spec.Endpoints[j] = specs.Endpoint{Method: "GET", Path: "/x?y=#z", Weight: 1}
		}
		plans, err := planEndpoints(spec)
		if err != nil {
			t.Fatal(err)
		}
		if got := endpointOf(plans[i].taggedURL); got != i {
			t.Errorf("endpointOf(%q) = %d, want %d", plans[i].taggedURL, got, i)
		}
	}
}

func TestPlanEndpointsHeadersAndAuth(t *testing.T) {
	spec := testSpec("http://127.0.0.1:9")
	spec.Target.Headers = map[string]string{"user-agent": "seccheck", "Accept": "*/*"}
	spec.Auth = &specs.Auth{Bearer: "tok-123"}
	spec.Endpoints = []specs.Endpoint{
		{Name: "bearer", Method: "GET", Path: "/a", Weight: 1, Headers: map[string]string{"accept": "application/json"}},
		{Name: "basic", Method: "POST", Path: "/b", Weight: 1, Body: `{"a":1}`,
			Auth: &specs.Auth{Basic: &specs.BasicAuth{User: "svc", Password: "pw"}}},
		{Name: "key", Path: "/c", Weight: 1, Auth: &specs.Auth{Header: &specs.HeaderAuth{Name: "x-api-key", Value: "k"}}},
		{Name: "none", Method: "GET", Path: "/d", Weight: 1, Auth: &specs.Auth{None: true}},
	}
	plans, err := planEndpoints(spec)
	if err != nil {
		t.Fatal(err)
	}
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("svc:pw"))
	tests := []struct {
		i              int
		header, want   string
		credentialed   bool
		method, anonOf string
	}{
		{0, "Authorization", "Bearer tok-123", true, "GET", ""},
		{0, "Accept", "application/json", true, "GET", "application/json"},
		{0, "User-Agent", "seccheck", true, "GET", "seccheck"},
		{1, "Authorization", basic, true, "POST", ""},
		{2, "X-Api-Key", "k", true, "GET", ""},
		{3, "Authorization", "", false, "GET", ""},
	}
	for _, tc := range tests {
		p := plans[tc.i]
		if got := p.header.Get(tc.header); got != tc.want {
			t.Errorf("endpoint %d %s = %q, want %q", tc.i, tc.header, got, tc.want)
		}
		if got := p.anonHeader.Get(tc.header); got != tc.anonOf {
			t.Errorf("endpoint %d without credentials: %s = %q, want %q", tc.i, tc.header, got, tc.anonOf)
		}
		if p.credentialed != tc.credentialed || p.method != tc.method {
			t.Errorf("endpoint %d: credentialed %v method %s, want %v %s", tc.i, p.credentialed, p.method, tc.credentialed, tc.method)
		}
	}
	if string(plans[1].body) != `{"a":1}` {
		t.Errorf("body = %q", plans[1].body)
	}
}

// TestPickerShares: over 10,000 picks each endpoint's share is within 2% of its weight, the
// order is fixed by the seed, and another seed gives another order.
func TestPickerShares(t *testing.T) {
	tests := []struct {
		name    string
		weights []int
	}{
		{"5:3:2", []int{5, 3, 2}},
		{"1:1", []int{1, 1}},
		{"97:2:1", []int{97, 2, 1}},
		{"zero weight", []int{3, 0, 1}},
		{"over the table", []int{100000, 30000, 7}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := newPicker(tc.weights, 42)
			if err != nil {
				t.Fatal(err)
			}
			const n = 10000
			counts := make([]int, len(tc.weights))
			seq := make([]int, n)
			for i := range uint64(n) {
				seq[i] = p.at(i)
				counts[seq[i]]++
			}
			total := 0
			for _, w := range tc.weights {
				total += w
			}
			for e, w := range tc.weights {
				// Within 2% of the expected count, or 2 picks where that is less than 2 (a weight
				// of 7 in 130007 expects 0.5 picks in 10,000).
				want := float64(n*w) / float64(total)
				if d := math.Abs(float64(counts[e]) - want); d > max(0.02*want, 2) {
					t.Errorf("endpoint %d: %d picks, want %.1f ± 2%%", e, counts[e], want)
				}
			}
			same, _ := newPicker(tc.weights, 42)
			other, _ := newPicker(tc.weights, 43)
			var sameSeq, otherSeq []int
			for i := range uint64(n) {
				sameSeq = append(sameSeq, same.at(i))
				otherSeq = append(otherSeq, other.at(i))
			}
			if !slices.Equal(seq, sameSeq) {
				t.Error("the same seed gave another order")
			}
			if len(p.table) > 2 && slices.Equal(seq, otherSeq) && tc.weights[1] != 0 {
				t.Error("another seed gave the same order")
			}
		})
	}
	if _, err := newPicker([]int{0, 0}, 1); err == nil {
		t.Error("all weights 0: want an error")
	}
}
