package demotarget

import (
	"context"
	crand "crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"
)

// route is one path of the API.
type route struct {
	method string
	fn     endpoint
}

// routes returns the router: dispatch on path then method, 404 and 405 raised as *httpError so
// they pass through the security middleware like any handled response.
func (t *Target) routes() endpoint {
	table := map[string]route{
		"/api/items":  {http.MethodGet, t.listItems},
		"/api/health": {http.MethodGet, t.health},
		"/api/secure": {http.MethodGet, t.secure},
		"/api/login":  {http.MethodPost, t.login},
	}
	return func(r *http.Request) (*response, error) {
		rt, ok := table[r.URL.Path]
		if !ok {
			return nil, &httpError{status: http.StatusNotFound, detail: "Not Found"}
		}
		if r.Method != rt.method {
			return nil, &httpError{
				status: http.StatusMethodNotAllowed, detail: "Method Not Allowed",
				header: http.Header{"Allow": {rt.method}},
			}
		}
		return rt.fn(r)
	}
}

// pool is the database connection pool behind /api/items. In the broken variant an exhausted
// pool sends the handler down the incident's fallback path (errSessionMisuse); in the fixed
// variant a request waits for a connection.
type pool struct {
	slots chan struct{}
	wait  bool
}

func newPool(size int, wait bool) *pool {
	return &pool{slots: make(chan struct{}, size), wait: wait}
}

// acquire takes a connection. The broken variant never blocks: with every slot taken it reports
// exhausted = true.
func (p *pool) acquire(ctx context.Context) (exhausted bool, err error) {
	if p.wait {
		select {
		case p.slots <- struct{}{}:
			return false, nil
		case <-ctx.Done():
			return false, ctx.Err()
		}
	}
	select {
	case p.slots <- struct{}{}:
		return false, nil
	default:
		return true, nil
	}
}

func (p *pool) release() { <-p.slots }

// queryTime is how long a list query holds its connection: 2 ms plus an exponential tail with a
// 6 ms mean (8 ms on average). By Little's law a steady λ list requests per second keep λ·8ms
// connections busy on average. seccheck paces arrivals evenly rather than at random, so the busy
// count varies less than a Poisson count would; simulated with that pacing and the demo spec's
// weights (6 of 9 requests are list requests), a pool of 4 overflows on about 0.04% of list
// requests at 200/s of total traffic, 4% at 400/s and 15% at 600/s (the ramp's peak). The demo's
// ramp thus fails a few percent of /api/items overall, some tens of requests even when squeezed
// into a few seconds with --duration, so the incident shows on every run; and one request at a
// time never overflows. (A 1 ms + 4 ms calibration overflowed only ~1% near the peak: a handful
// of 500s in a short run, too few to show the incident reliably.)
func queryTime() time.Duration {
	return 2*time.Millisecond + time.Duration(rand.ExpFloat64()*float64(6*time.Millisecond))
}

type item struct {
	ID    int     `json:"id"`
	Name  string  `json:"name"`
	Price float64 `json:"price"`
}

var items = []item{
	{1, "widget", 9.99},
	{2, "gadget", 24.5},
	{3, "sprocket", 3.75},
}

// listItems is GET /api/items: the endpoint of the incident. The connection is released before
// the response travels back out, so a client sending one request at a time always finds a free
// connection.
func (t *Target) listItems(r *http.Request) (*response, error) {
	exhausted, err := t.pool.acquire(r.Context())
	if err != nil {
		return nil, err
	}
	if exhausted {
		t.overflows.Add(1)
		return nil, errSessionMisuse
	}
	time.Sleep(queryTime())
	t.pool.release()

	resp := jsonResponse(http.StatusOK, items)
	resp.header.Add("Set-Cookie", t.sessionCookie())
	return resp, nil
}

// health is GET /api/health.
func (t *Target) health(*http.Request) (*response, error) {
	return jsonResponse(http.StatusOK, map[string]string{"status": "ok"}), nil
}

// secure is GET /api/secure: 401 without "Authorization: Bearer <token>".
func (t *Target) secure(r *http.Request) (*response, error) {
	unauthorized := &httpError{
		status: http.StatusUnauthorized, detail: "Not authenticated",
		header: http.Header{"Www-Authenticate": {"Bearer"}},
	}
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return nil, unauthorized
	}
	if subtle.ConstantTimeCompare([]byte(strings.TrimSpace(token)), []byte(t.opts.Token)) != 1 {
		unauthorized.detail = "Invalid token"
		return nil, unauthorized
	}
	return jsonResponse(http.StatusOK, map[string]any{"user": "demo", "scopes": []string{"items:read"}}), nil
}

// maxLoginBody caps what /api/login reads.
const maxLoginBody = 64 << 10

// login is POST /api/login with {"user": ..., "password": ...}: 422 with FastAPI's validation
// detail on malformed JSON or missing fields, 200 and a session cookie otherwise (any password
// is accepted: this is a demo).
func (t *Target) login(r *http.Request) (*response, error) {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxLoginBody))
	if err != nil {
		return nil, validationError(validationDetail{Type: "json_invalid", Loc: []any{"body", 0}, Msg: "JSON decode error", Input: map[string]any{}})
	}
	var in struct {
		User     *string `json:"user"`
		Password *string `json:"password"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		var pos int64
		var se *json.SyntaxError
		if errors.As(err, &se) {
			pos = se.Offset
		}
		return nil, validationError(validationDetail{Type: "json_invalid", Loc: []any{"body", pos}, Msg: "JSON decode error", Input: map[string]any{}})
	}
	var missing []validationDetail
	if in.User == nil {
		missing = append(missing, validationDetail{Type: "missing", Loc: []any{"body", "user"}, Msg: "Field required", Input: nil})
	}
	if in.Password == nil {
		missing = append(missing, validationDetail{Type: "missing", Loc: []any{"body", "password"}, Msg: "Field required", Input: nil})
	}
	if len(missing) > 0 {
		return nil, validationError(missing...)
	}
	resp := jsonResponse(http.StatusOK, map[string]string{"user": *in.User, "status": "logged in"})
	resp.header.Add("Set-Cookie", t.sessionCookie())
	return resp, nil
}

// validationDetail is one entry of FastAPI's 422 body.
type validationDetail struct {
	Type  string `json:"type"`
	Loc   []any  `json:"loc"`
	Msg   string `json:"msg"`
	Input any    `json:"input"`
}

func validationError(details ...validationDetail) error {
	return &httpError{status: http.StatusUnprocessableEntity, detail: details}
}

// sessionCookie is a fresh session. The broken variant forgets HttpOnly, as the incident's
// service did; the recommended preset flags it.
func (t *Target) sessionCookie() string {
	var b [16]byte
	crand.Read(b[:])
	c := "session=" + hex.EncodeToString(b[:]) + "; Path=/; Secure; SameSite=Lax"
	if t.opts.Fixed {
		c += "; HttpOnly"
	}
	return c
}
