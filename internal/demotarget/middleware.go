package demotarget

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
)

// endpoint is one layer of the application: it answers a request with a response, or "raises"
// by returning an error that the layers around it may handle or let through.
type endpoint func(r *http.Request) (*response, error)

// response is a complete response held in memory until the outermost layer writes it, like a
// Starlette Response object travelling back out through the middleware stack.
type response struct {
	status int
	header http.Header
	body   []byte
}

func jsonResponse(status int, v any) *response {
	b, err := json.Marshal(v)
	if err != nil { // the values are ours; this is a programming error
		panic(err)
	}
	return &response{
		status: status,
		header: http.Header{"Content-Type": {"application/json"}},
		body:   b,
	}
}

func textResponse(status int, body string) *response {
	return &response{
		status: status,
		header: http.Header{"Content-Type": {"text/plain; charset=utf-8"}},
		body:   []byte(body),
	}
}

func (resp *response) write(w http.ResponseWriter) {
	w.Header().Set("Content-Length", strconv.Itoa(len(resp.body)))
	w.WriteHeader(resp.status)
	w.Write(resp.body) //nolint:errcheck // the client may have gone; nothing to do about it
}

// httpError is FastAPI's HTTPException (and RequestValidationError): an error with a response of
// its own, converted by exceptionMiddleware inside the security middleware — so in both variants
// a 401, 404, 405 or 422 goes out through the success path and carries the security headers.
type httpError struct {
	status int
	detail any
	header http.Header
}

func (e *httpError) Error() string { return fmt.Sprintf("HTTP %d: %v", e.status, e.detail) }

// exceptionMiddleware is Starlette's ExceptionMiddleware: it handles *httpError and lets every
// other error through.
func exceptionMiddleware(next endpoint) endpoint {
	return func(r *http.Request) (*response, error) {
		resp, err := next(r)
		var he *httpError
		if errors.As(err, &he) {
			resp = jsonResponse(he.status, map[string]any{"detail": he.detail})
			for k, v := range he.header {
				resp.header[k] = v
			}
			return resp, nil
		}
		return resp, err
	}
}

// securityHeaders are the headers the incident's SecurityResponseMiddleware added. They satisfy
// the recommended preset.
var securityHeaders = [...][2]string{
	{"Strict-Transport-Security", "max-age=63072000; includeSubDomains"},
	{"Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; object-src 'none'; base-uri 'self'"},
	{"X-Content-Type-Options", "nosniff"},
	{"X-Frame-Options", "DENY"},
	{"Referrer-Policy", "no-referrer"},
}

// SecurityHeaders returns the names and values the target sets (on every response in the fixed
// variant, on every response but the last-resort 500 in the broken one).
func SecurityHeaders() http.Header {
	h := make(http.Header, len(securityHeaders))
	for _, kv := range securityHeaders {
		h.Set(kv[0], kv[1])
	}
	return h
}

// securityMiddleware is the incident's SecurityResponseMiddleware:
//
//	async def dispatch(self, request, call_next):
//	    try:
//	        response = await call_next(request)
//	    except Exception:
//	        logger.exception("unhandled error in %s %s", request.method, request.url.path)
//	        raise
//	    response.headers.update(SECURITY_HEADERS)
//	    return response
//
// The headers are added only when call_next returns; an exception (here: an error or a panic)
// is logged and re-raised, and the 500 that ServerErrorMiddleware then writes has none of them.
// The fixed variant answers the error itself with a sanitized, decorated 500.
func (t *Target) securityMiddleware(next endpoint) endpoint {
	return func(r *http.Request) (resp *response, err error) {
		defer func() {
			if v := recover(); v != nil {
				t.log.Printf("ERROR app.middleware.security: unhandled error in %s %s: panic: %v", r.Method, r.URL.Path, v)
				if !t.opts.Fixed {
					panic(v) // re-raise
				}
				resp, err = internalError(), nil
				decorate(resp.header)
			}
		}()
		resp, err = next(r)
		if err != nil {
			t.log.Printf("ERROR app.middleware.security: unhandled error in %s %s: %v", r.Method, r.URL.Path, err)
			if !t.opts.Fixed {
				return nil, err // re-raise
			}
			resp, err = internalError(), nil
		}
		decorate(resp.header)
		return resp, nil
	}
}

func decorate(h http.Header) {
	for _, kv := range securityHeaders {
		h.Set(kv[0], kv[1])
	}
}

func internalError() *response {
	return jsonResponse(http.StatusInternalServerError, map[string]string{"detail": "Internal Server Error"})
}

// serverErrorMiddleware is Starlette's ServerErrorMiddleware, the outermost middleware: whatever
// error or panic reaches it becomes a 500 written without any other middleware's headers. The
// incident's service ran with debug=True, so the body is the traceback as plain text; the fixed
// variant runs with debug off.
func (t *Target) serverErrorMiddleware(next endpoint) endpoint {
	return func(r *http.Request) (resp *response, err error) {
		defer func() {
			if v := recover(); v != nil {
				resp, err = t.lastResort(&pyException{typ: "RuntimeError", msg: fmt.Sprint(v), frames: panicFrames}), nil
			}
		}()
		resp, err = next(r)
		if err != nil {
			var exc *pyException
			if !errors.As(err, &exc) {
				exc = &pyException{typ: "RuntimeError", msg: err.Error(), frames: panicFrames}
			}
			return t.lastResort(exc), nil
		}
		return resp, nil
	}
}

func (t *Target) lastResort(exc *pyException) *response {
	if t.opts.Fixed {
		return textResponse(http.StatusInternalServerError, "Internal Server Error")
	}
	return textResponse(http.StatusInternalServerError, exc.Traceback())
}
