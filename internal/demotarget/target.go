// Package demotarget is an embedded replica of the incident that seccheck was built for (see
// DESIGN.md, "Why it exists"): a small JSON API whose security-headers middleware decorates only
// successful responses, and whose /api/items handler fails with a Python traceback once more
// requests are in flight than its database pool has connections. One request at a time it never
// fails, which is why the original unit tests never saw it.
//
// The handler chain is layered the way Starlette/FastAPI layers it, outermost first:
//
//	serve                  uvicorn: Server header on every response, counters, writes the bytes
//	serverErrorMiddleware  the last resort: an error or panic that reaches it becomes a 500
//	securityMiddleware     adds the five security headers on the success path only
//	exceptionMiddleware    turns *httpError (401, 404, 405, 422) into JSON responses
//	router                 path and method dispatch to the endpoint functions
//
// Layers are functions from request to (*response, error): an endpoint "raises" by returning an
// error, and a layer decides whether to handle it or let it propagate. In the broken variant the
// security middleware logs and re-raises, so the 500 is written by serverErrorMiddleware without
// security headers and with the traceback in the body. The fixed variant (Options.Fixed) decorates
// every response, waits for a pool slot instead of failing, hides the server version and marks
// the session cookie HttpOnly.
//
// It serves `seccheck demo` and the tests of other packages. Use Start for a server on
// 127.0.0.1 with a random port, or Handler to mount it elsewhere.
package demotarget

import (
	"io"
	"log"
	"net/http"
	"sync/atomic"
)

// Options configure a Target. The zero value is the broken variant with the defaults below.
type Options struct {
	// Fixed selects the repaired service: headers on every response, no pool overflow, no server
	// version, HttpOnly session cookie, no traceback in a 500.
	Fixed bool
	// Pool is the number of database connections /api/items may hold at once (default 4 for the
	// broken variant; the fixed one sizes its pool for the load, default 64, and waits for a free
	// connection instead of failing).
	Pool int
	// Token is the bearer token /api/secure accepts (default "demo-token").
	Token string
	// Log receives one line per unhandled error, as the incident's middleware logged it
	// (nil discards).
	Log io.Writer
}

// Defaults applied by New.
const (
	DefaultPool      = 4
	DefaultFixedPool = 64
	DefaultToken     = "demo-token"
)

// Stats are the target's counters since New.
type Stats struct {
	Requests      uint64 // requests answered
	Status5xx     uint64 // responses with a status >= 500
	PoolOverflows uint64 // /api/items requests that found the pool exhausted (broken variant only)
	MaxInFlight   int64  // most requests inside the handler at one instant
}

// Target is the demo API. It is safe for concurrent use.
type Target struct {
	opts    Options
	log     *log.Logger
	pool    *pool
	handler http.Handler

	requests  atomic.Uint64
	status5xx atomic.Uint64
	overflows atomic.Uint64
	inFlight  atomic.Int64
	maxFlight atomic.Int64
}

// New builds a Target with opts, defaults filled in.
func New(opts Options) *Target {
	if opts.Pool <= 0 {
		opts.Pool = DefaultPool
		if opts.Fixed {
			opts.Pool = DefaultFixedPool
		}
	}
	if opts.Token == "" {
		opts.Token = DefaultToken
	}
	w := opts.Log
	if w == nil {
		w = io.Discard
	}
	t := &Target{
		opts: opts,
		log:  log.New(w, "", log.LstdFlags),
		pool: newPool(opts.Pool, opts.Fixed),
	}
	t.handler = t.stack(t.routes())
	return t
}

// stack wraps the application in the middleware, innermost last in the list above.
func (t *Target) stack(app endpoint) http.Handler {
	app = exceptionMiddleware(app)
	app = t.securityMiddleware(app)
	app = t.serverErrorMiddleware(app)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { t.serve(w, r, app) })
}

// Handler returns the target's http.Handler.
func (t *Target) Handler() http.Handler { return t.handler }

// Fixed reports whether this is the repaired variant.
func (t *Target) Fixed() bool { return t.opts.Fixed }

// Token returns the bearer token /api/secure accepts.
func (t *Target) Token() string { return t.opts.Token }

// Stats returns a snapshot of the counters.
func (t *Target) Stats() Stats {
	return Stats{
		Requests:      t.requests.Load(),
		Status5xx:     t.status5xx.Load(),
		PoolOverflows: t.overflows.Load(),
		MaxInFlight:   t.maxFlight.Load(),
	}
}

// serverHeader is what uvicorn's `server_header` would send: with a version in the broken
// variant (the recommended preset forbids a digit in Server), without in the fixed one.
func (t *Target) serverHeader() string {
	if t.opts.Fixed {
		return "demo-api"
	}
	return "demo-api/1.4.2"
}

// serve is the ASGI server's part: it runs the application and writes whatever response comes
// out. The Server header is set here, below every middleware, so even the last-resort 500 has it.
func (t *Target) serve(w http.ResponseWriter, r *http.Request, app endpoint) {
	n := t.inFlight.Add(1)
	for {
		m := t.maxFlight.Load()
		if n <= m || t.maxFlight.CompareAndSwap(m, n) {
			break
		}
	}
	resp, _ := app(r) // serverErrorMiddleware never returns an error
	t.inFlight.Add(-1)

	t.requests.Add(1)
	if resp.status >= 500 {
		t.status5xx.Add(1)
	}
	h := w.Header()
	for k, v := range resp.header {
		h[k] = v
	}
	h.Set("Server", t.serverHeader())
	resp.write(w)
}
