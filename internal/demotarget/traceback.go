package demotarget

import (
	"strconv"
	"strings"
)

// pyException is a Python exception as the incident's service raised it: an error whose
// traceback ServerErrorMiddleware prints in debug mode.
type pyException struct {
	typ, msg string
	frames   []pyFrame // outermost first, as Python prints them
}

// pyFrame is one "File ..., line N, in fn" entry with its source line.
type pyFrame struct {
	file string
	line int
	fn   string
	src  string
}

func (e *pyException) Error() string { return e.typ + ": " + e.msg }

// Traceback renders the exception the way traceback.format_exception does.
func (e *pyException) Traceback() string {
	var b strings.Builder
	b.WriteString("Traceback (most recent call last):\n")
	for _, f := range e.frames {
		b.WriteString(`  File "`)
		b.WriteString(f.file)
		b.WriteString(`", line `)
		b.WriteString(strconv.Itoa(f.line))
		b.WriteString(", in ")
		b.WriteString(f.fn)
		b.WriteString("\n    ")
		b.WriteString(f.src)
		b.WriteString("\n")
	}
	b.WriteString(e.typ)
	b.WriteString(": ")
	b.WriteString(e.msg)
	b.WriteString("\n")
	return b.String()
}

const sitePackages = "/usr/local/lib/python3.12/site-packages/"

// middlewareFrames are the frames between ServerErrorMiddleware, where the exception is caught,
// and the endpoint function: Starlette's middleware plumbing with the incident's security
// middleware re-raising in the middle.
var middlewareFrames = []pyFrame{
	{sitePackages + "starlette/middleware/errors.py", 165, "__call__", "await self.app(scope, receive, _send)"},
	{sitePackages + "starlette/middleware/base.py", 189, "__call__", "with collapse_excgroups():"},
	{"/usr/local/lib/python3.12/contextlib.py", 158, "__exit__", "self.gen.throw(value)"},
	{sitePackages + "starlette/_utils.py", 93, "collapse_excgroups", "raise exc"},
	{sitePackages + "starlette/middleware/base.py", 191, "__call__", "response = await self.dispatch_func(request, call_next)"},
	{"/app/app/middleware/security.py", 28, "dispatch", "response = await call_next(request)"},
	{sitePackages + "starlette/middleware/base.py", 165, "call_next", "raise app_exc"},
	{sitePackages + "starlette/middleware/base.py", 151, "coro", "await self.app(scope, receive_or_disconnect, send_no_error)"},
	{sitePackages + "starlette/middleware/exceptions.py", 62, "__call__", "await wrap_app_handling_exceptions(self.app, conn)(scope, receive, send)"},
	{sitePackages + "starlette/_exception_handler.py", 53, "wrapped_app", "raise exc"},
	{sitePackages + "starlette/routing.py", 715, "__call__", "await self.middleware_stack(scope, receive, send)"},
	{sitePackages + "starlette/routing.py", 735, "app", "await route.handle(scope, receive, send)"},
	{sitePackages + "starlette/routing.py", 288, "handle", "await self.app(scope, receive, send)"},
	{sitePackages + "starlette/routing.py", 76, "app", "await wrap_app_handling_exceptions(app, request)(scope, receive, send)"},
	{sitePackages + "starlette/routing.py", 73, "app", "response = await f(request)"},
	{sitePackages + "fastapi/routing.py", 301, "app", "raw_response = await run_endpoint_function("},
	{sitePackages + "fastapi/routing.py", 212, "run_endpoint_function", "return await dependant.call(**values)"},
}

func withFrames(frames ...pyFrame) []pyFrame {
	out := make([]pyFrame, 0, len(middlewareFrames)+len(frames))
	out = append(out, middlewareFrames...)
	return append(out, frames...)
}

// errSessionMisuse is the incident's exception. When the pool was exhausted, get_session() fell
// back to `async with get_db()` on an async generator, which hands the handler the generator's
// context manager instead of a session; the first query then fails. One request at a time the
// pool is never exhausted, so the fallback never runs.
var errSessionMisuse = &pyException{
	typ: "AttributeError",
	msg: "'_AsyncGeneratorContextManager' object has no attribute 'execute'",
	frames: withFrames(pyFrame{
		"/app/app/routers/items.py", 42, "list_items",
		"result = await session.execute(select(Item).offset(skip).limit(limit))",
	}),
}

// panicFrames stand in for an unexpected failure anywhere in the application.
var panicFrames = withFrames(pyFrame{"/app/app/main.py", 17, "app", "return await handler(request)"})
