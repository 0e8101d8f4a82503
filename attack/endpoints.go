package attack

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/seccheck/seccheck/specs"
)

// endpointPlan is one endpoint turned into what is sent, computed once.
type endpointPlan struct {
	method string
	url    string // as sent and reported
	// taggedURL is url + "#<index>". A fragment is never sent (not in HTTP/1 request lines, not
	// in HTTP/2 :path), but vegeta copies the target's URL into Result.URL, so the drain loop
	// learns which endpoint a result belongs to from the result itself: no shared state, no
	// per-hit map, right for transport errors too.
	taggedURL    string
	header       http.Header // target headers, endpoint headers, credentials
	anonHeader   http.Header // the same without credentials (Probe without credentials)
	body         []byte
	credentialed bool
	origin       string // the Origin header sent ("" if none), reported in Hit.Origin
}

// planEndpoints builds the request of every endpoint: URL = target.url joined with the path
// (queries of both kept), target headers, endpoint headers over them, the CORS probe Origin
// over those, then credentials.
func planEndpoints(spec *specs.Spec) ([]endpointPlan, error) {
	if len(spec.Endpoints) == 0 {
		return nil, errors.New("attack: the spec has no endpoints")
	}
	base, err := url.Parse(spec.Target.URL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("attack: target.url %q is not an absolute http(s) URL", spec.Target.URL)
	}
	plans := make([]endpointPlan, len(spec.Endpoints))
	for i := range spec.Endpoints {
		ep := &spec.Endpoints[i]
		p := &plans[i]
		p.method = ep.Method
		if p.method == "" {
			p.method = specs.DefaultMethod
		}
		p.url = joinURL(spec.Target.URL, ep.Path)
		if _, err := url.Parse(p.url); err != nil {
			return nil, fmt.Errorf("attack: endpoint %q: bad URL %q", ep.Name, p.url)
		}
		p.taggedURL = p.url + "#" + strconv.Itoa(i)
		if ep.Body != "" {
			p.body = []byte(ep.Body)
		}
		p.anonHeader = make(http.Header, len(spec.Target.Headers)+len(ep.Headers))
		for k, v := range spec.Target.Headers {
			p.anonHeader.Set(k, v)
		}
		for k, v := range ep.Headers {
			p.anonHeader.Set(k, v)
		}
		// A CORS probe: every request of the endpoint carries the foreign origin, so that a
		// response reflecting it can be caught (conformance's cors.origin_reflected). It is
		// in the prebuilt header: nothing is allocated per request.
		if c := ep.Effective.Headers.CORS; c != nil && c.ProbeOrigin != "" {
			p.anonHeader.Set("Origin", c.ProbeOrigin)
		}
		p.origin = p.anonHeader.Get("Origin")
		p.header = p.anonHeader.Clone()
		if a := ep.Credentials(spec.Auth); a != nil {
			p.credentialed = true
			switch {
			case a.Bearer != "":
				p.header.Set("Authorization", "Bearer "+a.Bearer)
			case a.Basic != nil:
				p.header.Set("Authorization", "Basic "+
					base64.StdEncoding.EncodeToString([]byte(a.Basic.User+":"+a.Basic.Password)))
			case a.Header != nil && a.Header.Name != "":
				p.header.Set(a.Header.Name, a.Header.Value)
			default:
				p.credentialed = false
			}
		}
	}
	return plans, nil
}

// joinURL appends path (which may carry a query) to base, keeping both queries and dropping
// fragments. It works on strings so the path reaches the wire exactly as the spec wrote it.
func joinURL(base, path string) string {
	base, _, _ = strings.Cut(base, "#")
	path, _, _ = strings.Cut(path, "#")
	base, bq, _ := strings.Cut(base, "?")
	path, pq, _ := strings.Cut(path, "?")
	u := strings.TrimRight(base, "/")
	if path == "" || path[0] != '/' {
		u += "/"
	}
	u += path
	switch {
	case bq != "" && pq != "":
		u += "?" + bq + "&" + pq
	case bq != "":
		u += "?" + bq
	case pq != "":
		u += "?" + pq
	}
	return u
}

// endpointOf reads the endpoint index back from a tagged URL (see endpointPlan.taggedURL).
func endpointOf(taggedURL string) int {
	i := strings.LastIndexByte(taggedURL, '#')
	n := 0
	for _, c := range []byte(taggedURL[i+1:]) {
		n = n*10 + int(c-'0')
	}
	return n
}

// picker chooses endpoints in proportion to their weights. It cycles through a table of length
// L that holds endpoint e about L·w_e/W times (exactly w_e times when W = Σw ≤ maxPickTable,
// otherwise the largest-remainder apportionment of L), shuffled by the seed. Over any c
// consecutive picks, endpoint e's count is within ±L·w_e/W of c·w_e/W; the order is the same
// for the same seed and weights. Weight 0 (or less) never picks the endpoint.
type picker struct{ table []uint16 }

const maxPickTable = 1 << 16

func newPicker(weights []int, seed int64) (*picker, error) {
	if len(weights) > 1<<16 {
		return nil, errors.New("attack: more than 65536 endpoints")
	}
	var total int64
	for _, w := range weights {
		if w > 0 {
			total += int64(w)
		}
	}
	if total == 0 {
		return nil, errors.New("attack: every endpoint has weight 0")
	}
	counts := make([]int64, len(weights))
	size := total
	if total <= maxPickTable {
		for i, w := range weights {
			counts[i] = int64(max(w, 0))
		}
	} else {
		size = maxPickTable
		type rem struct {
			i int
			r int64
		}
		var rems []rem
		var used int64
		for i, w := range weights {
			if w <= 0 {
				continue
			}
			counts[i] = int64(w) * size / total
			used += counts[i]
			rems = append(rems, rem{i, int64(w) * size % total})
		}
		for ; used < size; used++ { // hand out the rest by largest remainder, ties to the lower index
			best := 0
			for j := range rems {
				if rems[j].r > rems[best].r {
					best = j
				}
			}
			counts[rems[best].i]++
			rems[best].r = -1
		}
	}
	table := make([]uint16, 0, size)
	for i, c := range counts {
		for ; c > 0; c-- {
			table = append(table, uint16(i))
		}
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0x5ecc4ec))
	rng.Shuffle(len(table), func(i, j int) { table[i], table[j] = table[j], table[i] })
	return &picker{table: table}, nil
}

// at returns the endpoint of pick number n.
func (p *picker) at(n uint64) int { return int(p.table[n%uint64(len(p.table))]) }
