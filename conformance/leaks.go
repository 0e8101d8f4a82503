package conformance

// Signature is one row of the builtin leak catalogue: how internals that escaped into a response
// body look. Rules are data: a new signature is a new row plus its example, and
// TestCatalogueExamples walks every row.
//
// Anchors are case-exact literals of at least 6 bytes, chosen from text that real runtimes and
// frameworks print byte for byte; a multi-literal scan finds them in one pass. Where an anchor
// alone is not proof, Confirm (RE2) must match starting exactly at the anchor (it is anchored
// there, so a near miss costs a few steps, not a search), within 1 KiB. WordStart additionally
// requires that no letter, digit or underscore precede the anchor. The anchor's offset is
// reported. Avoid counted repetitions such as {1,300} in Confirm: they inflate the program past
// Go's backtracker and make each confirmation about 10x dearer.
type Signature struct {
	Kind      string   // the rule id is "body.leak." + Kind
	Severity  Severity //
	Anchors   []string // case-exact literals, ≥ 6 bytes
	Confirm   string   // optional RE2 that must match at the anchor
	WordStart bool     // the anchor must not follow a letter, digit or '_'
	Desc      string   // one line, used as the violation message
	Fix       string   // one line
	Example   string   // a real-looking body this row must match (and no other kind)
}

// ID returns the stable rule id, "body.leak.<kind>".
func (s *Signature) ID() string { return "body.leak." + s.Kind }

// Leak kinds of the builtin catalogue.
const (
	KindPythonTraceback = "python_traceback"
	KindPythonException = "python_exception"
	KindSQLError        = "sql_error"
	KindJavaStacktrace  = "java_stacktrace"
	KindGoPanic         = "go_panic"
	KindNodeStacktrace  = "node_stacktrace"
	KindDotnetException = "dotnet_exception"
	KindRubyException   = "ruby_exception"
	KindPHPError        = "php_error"
	KindDebugPage       = "debug_page"
	KindSourcePath      = "source_path"
	KindPrivateKey      = "private_key"
)

// sourceFileTail is the rest of a path up to a source file's extension.
const sourceFileTail = `[^\s"'<>:|*?]*?\.(?:py|rb|php|js|mjs|cjs|ts|go|java|kt|cs|scala|pl|ex|exs)\b`

const (
	fixNoTrace   = "Return a generic error body from a last-resort handler; log the trace server-side only."
	fixNoDebug   = "Turn debug mode off in production and staging builds; serve a static error page."
	fixSQL       = "Catch database errors at the data layer; return a generic 500 and log the driver's text."
	fixPath      = "Strip file paths from error bodies; they map the deployment for an attacker."
	fixSecretKey = "Remove the key from the response and rotate it: treat it as compromised."
)

// Catalogue is the builtin leak catalogue (checks.body.leaks: builtin), in report order.
var Catalogue = []Signature{
	// --- Python ---
	{
		Kind: KindPythonTraceback, Severity: SeverityHigh,
		Anchors: []string{"Traceback (most recent call last)"},
		Desc:    "Python traceback in body",
		Fix:     fixNoTrace,
		Example: "Internal Server Error\n\nTraceback (most recent call last):\n  File \"<string>\", line 3, in handler\n  File \"<string>\", line 8, in load_user\nLookupError: user 42\n",
	},
	{
		Kind: KindPythonTraceback, Severity: SeverityHigh,
		Anchors: []string{"File \"", "File \\\""},
		Confirm: `File \\?"[^"\n]+\\?", line \d+, in [\w<>.]+`,
		Desc:    "Python stack frame (File \"…\", line N, in f) in body",
		Fix:     fixNoTrace,
		Example: `{"error":"internal","trace":["  File \"main.py\", line 12, in get_order","  File \"db.py\", line 40, in fetch"]}`,
	},
	{
		Kind: KindPythonException, Severity: SeverityHigh,
		Anchors: []string{"AttributeError", "KeyError: ", "IndexError: ", "NameError: ", "ImportError: ",
			"ModuleNotFoundError", "ZeroDivisionError", "RecursionError: ", "UnboundLocalError", "ValueError: "},
		Confirm:   `(?:AttributeError|KeyError|IndexError|NameError|ImportError|ModuleNotFoundError|ZeroDivisionError|RecursionError|UnboundLocalError|ValueError): \S`,
		WordStart: true,
		Desc:      "Python exception line (e.g. AttributeError: …) in body",
		Fix:       fixNoTrace,
		Example:   "AttributeError: '_AsyncGeneratorContextManager' object has no attribute 'execute'",
	},
	{
		Kind: KindPythonException, Severity: SeverityHigh,
		Anchors: []string{"' object has no attribute '", "NoneType' object "},
		Confirm: `' object has no attribute '\w+'|NoneType' object (?:has no attribute '\w+'|is not (?:subscriptable|iterable|callable))`,
		Desc:    "Python exception message ('X' object has no attribute …) in body",
		Fix:     fixNoTrace,
		Example: `{"detail":"'NoneType' object is not subscriptable"}`,
	},
	// --- SQL and drivers ---
	{
		Kind: KindSQLError, Severity: SeverityHigh,
		Anchors: []string{"sqlalchemy.exc.", "Background on this error at: https://sqlalche.me"},
		Confirm: `sqlalchemy\.exc\.\w+|Background on this error at: https://sqlalche\.me`,
		Desc:    "SQLAlchemy error in body",
		Fix:     fixSQL,
		Example: "sqlalchemy.exc.OperationalError: (psycopg2.OperationalError) connection to server at \"db\" (10.0.0.5), port 5432 failed: timeout expired",
	},
	{
		Kind: KindSQLError, Severity: SeverityHigh,
		Anchors: []string{"psycopg2.", "psycopg.errors.", "asyncpg.exceptions."},
		Confirm: `psycopg2?\.(?:errors\.)?[A-Z]\w*(?:Error|Violation|Table|Column|Function)\b|asyncpg\.exceptions\.\w+`,
		Desc:    "PostgreSQL driver (psycopg, asyncpg) exception in body",
		Fix:     fixSQL,
		Example: `{"detail":"asyncpg.exceptions.UndefinedTableError: relation \"orders\" does not exist"}`,
	},
	{
		Kind: KindSQLError, Severity: SeverityHigh,
		Anchors: []string{"sqlite3."},
		Confirm: `sqlite3\.(?:Operational|Integrity|Programming|Database|Interface|Data)Error`,
		Desc:    "sqlite3 exception in body",
		Fix:     fixSQL,
		Example: "sqlite3.OperationalError: no such table: users",
	},
	{
		Kind: KindSQLError, Severity: SeverityHigh,
		Anchors: []string{"You have an error in your SQL syntax", "mysqli_sql_exception", "MySQLdb._exceptions.", "pymysql.err.", "com.mysql.cj.jdbc"},
		Desc:    "MySQL / MariaDB error text in body",
		Fix:     fixSQL,
		Example: "You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version for the right syntax to use near ''1'' at line 1",
	},
	{
		Kind: KindSQLError, Severity: SeverityHigh,
		Anchors: []string{"ERROR:  ", "org.postgresql.util.PSQLException", "PG::Undefined", "PG::Syntax", "PG::Unique", "PG::Connection"},
		Confirm: `ERROR:  (?:syntax error at or near|relation "[^"]+" does not exist|column "[^"]+" (?:does not exist|of relation)|duplicate key value violates|null value in column|permission denied for|invalid input syntax for|current transaction is aborted)|org\.postgresql\.util\.PSQLException|PG::[A-Z]\w+`,
		Desc:    "PostgreSQL server error text in body",
		Fix:     fixSQL,
		Example: "ERROR:  syntax error at or near \"FROM\"\nLINE 1: SELECT id, FROM orders\n                  ^",
	},
	{
		Kind: KindSQLError, Severity: SeverityHigh,
		Anchors: []string{"Unclosed quotation mark after the character string", "Microsoft OLE DB Provider for SQL Server",
			"SqlClient.SqlException", "[ODBC SQL Server Driver]", "Incorrect syntax near '"},
		Desc:    "Microsoft SQL Server error text in body",
		Fix:     fixSQL,
		Example: "Unclosed quotation mark after the character string 'abc'.",
	},
	{
		Kind: KindSQLError, Severity: SeverityHigh,
		Anchors: []string{"ORA-00", "ORA-01", "ORA-02", "ORA-03", "ORA-04", "ORA-06", "ORA-08", "ORA-12", "ORA-20", "ORA-28", "OracleException"},
		Confirm: `ORA-\d{5}: |OracleException`,
		Desc:    "Oracle error (ORA-nnnnn) in body",
		Fix:     fixSQL,
		Example: "ORA-00942: table or view does not exist",
	},
	{
		Kind: KindSQLError, Severity: SeverityHigh,
		Anchors: []string{"SQLSTATE["},
		Confirm: `SQLSTATE\[\w{5}\]`,
		Desc:    "SQLSTATE error (PDO, JDBC, ODBC) in body",
		Fix:     fixSQL,
		Example: "SQLSTATE[42S02]: Base table or view not found: 1146 Table 'shop.orderz' doesn't exist",
	},
	// --- JVM ---
	{
		Kind: KindJavaStacktrace, Severity: SeverityHigh,
		Anchors: []string{"\tat java.", "\tat javax.", "\tat jakarta.", "\tat jdk.", "\tat sun.", "\tat org.", "\tat com.",
			"\tat kotlin", "\tat io.", "\\tat java.", "\\tat org.", "\\tat com.", "\\tat kotlin", "\\tat io."},
		Confirm: `(?:\t|\\t)at [\w$.<>/]+\([\w$.<> ]*(?:\.(?:java|kt|scala|groovy):\d+|Native Method|Unknown Source)\)`,
		Desc:    "Java/Kotlin stack frame (\\tat pkg.Class.method(File.java:N)) in body",
		Fix:     fixNoTrace,
		Example: "java.lang.IllegalStateException: Order 42 has no lines\n\tat com.shop.orders.OrderService.total(OrderService.java:88)\n\tat com.shop.orders.OrderController.get(OrderController.java:31)\n",
	},
	{
		Kind: KindJavaStacktrace, Severity: SeverityHigh,
		Anchors: []string{"java.lang.", "java.io.", "java.util.", "java.sql.", "java.net.", "javax.", "jakarta.", "kotlin.",
			"org.springframework.", "org.hibernate.", "com.fasterxml.", "Exception in thread \"", "Caused by: "},
		Confirm:   `(?:java|javax|jakarta|kotlin|org\.springframework|org\.hibernate|com\.fasterxml)\.[\w.$]*(?:Exception|Error)(?:: |\\n|\n|"|$)|Exception in thread "[^"]+" [\w.$]+|Caused by: [\w.$]+(?:Exception|Error)\b`,
		WordStart: true,
		Desc:      "Java/Kotlin exception line (java.lang.…Exception: …) in body",
		Fix:       fixNoTrace,
		Example:   `{"status":500,"message":"kotlin.UninitializedPropertyAccessException: lateinit property repo has not been initialized"}`,
	},
	// --- Go ---
	{
		Kind: KindGoPanic, Severity: SeverityHigh,
		Anchors: []string{"goroutine "},
		Confirm: `goroutine \d+ \[[\w .,]+\]:`,
		Desc:    "Go goroutine dump (goroutine N [running]:) in body",
		Fix:     fixNoTrace,
		Example: "goroutine 1 [running]:\nmain.handler(0xc000112000)\n\t/go/src/app/main.go:42 +0x2c\n",
	},
	{
		Kind: KindGoPanic, Severity: SeverityHigh,
		Anchors: []string{"panic: "},
		Confirm: `panic: (?:runtime error: |assignment to entry in nil map|send on closed channel|close of (?:nil|closed) channel|interface conversion: |all goroutines are asleep|[^\n]*(?:\n|\\n){1,2}(?:\[signal |goroutine \d+ \[)|[^\n]* \[recovered\])`,
		Desc:    "Go panic message in body",
		Fix:     fixNoTrace,
		Example: "panic: runtime error: index out of range [3] with length 3",
	},
	// --- Node.js ---
	{
		Kind: KindNodeStacktrace, Severity: SeverityHigh,
		Anchors: []string{"node_modules/", "node_modules\\", "(node:internal/", "processTicksAndRejections"},
		Confirm: `node_modules(?:/|\\{1,2})[^\s()'"]*?:\d+:\d+|\(node:internal/[^\s()]+:\d+:\d+\)|processTicksAndRejections`,
		Desc:    "Node.js stack frame (…/node_modules/…:L:C) in body",
		Fix:     fixNoTrace,
		Example: "TypeError: Cannot read properties of undefined (reading 'id')\n    at getUser (/app/src/users.js:14:22)\n    at Layer.handle [as handle_request] (/app/node_modules/express/lib/router/layer.js:95:5)",
	},
	// --- .NET ---
	{
		Kind: KindDotnetException, Severity: SeverityHigh,
		Anchors:   []string{"   at System.", "   at Microsoft.", ".cs:line ", "System.", "Microsoft.", "Object reference not set to an instance of an object"},
		Confirm:   `(?:System|Microsoft)\.[\w.]*Exception\b|   at [\w.` + "`" + `<>\[\],]+\([^)\n]*\)(?: in [^\n]+:line \d+)?(?:\r?\n|\\r|\\n|$)|\.cs:line \d+|Object reference not set to an instance of an object`,
		WordStart: true,
		Desc:      ".NET exception or stack frame in body",
		Fix:       fixNoTrace,
		Example:   "System.InvalidOperationException: Sequence contains no elements\r\n   at System.Linq.ThrowHelper.ThrowNoElementsException()\r\n   at Shop.Api.OrdersController.Get(Int32 id) in D:\\build\\Shop.Api\\Controllers\\OrdersController.cs:line 42",
	},
	// --- Ruby ---
	{
		Kind: KindRubyException, Severity: SeverityHigh,
		Anchors: []string{"undefined method `", "undefined method '", "undefined local variable or method", "uninitialized constant "},
		Confirm: "undefined method [`'][^'`\n]+' for|undefined local variable or method [`']\\w+' for|uninitialized constant [A-Z][\\w:]*",
		Desc:    "Ruby NoMethodError/NameError message in body",
		Fix:     fixNoTrace,
		Example: "NoMethodError (undefined method `total' for nil:NilClass)",
	},
	{
		Kind: KindRubyException, Severity: SeverityHigh,
		Anchors: []string{"ActiveRecord::", "ActionController::", "ActionView::", "ActionDispatch::", "ActiveModel::", "ActiveSupport::"},
		Confirm: `(?:ActiveRecord|ActiveModel|ActionController|ActionView|ActionDispatch|ActiveSupport)::(?:\w+::)*\w*(?:Error|Invalid|NotFound|Exception|Missing|Unknown\w*)\b`,
		Desc:    "Rails exception class in body",
		Fix:     fixNoDebug,
		Example: `{"status":500,"error":"ActiveRecord::StatementInvalid"}`,
	},
	{
		Kind: KindRubyException, Severity: SeverityHigh,
		Anchors: []string{"app/controllers/", "app/models/", "app/views/", "app/helpers/", "app/jobs/", "app/services/"},
		Confirm: "app/(?:controllers|models|views|helpers|jobs|services)/[\\w/]+\\.(?:rb|erb|haml|slim):\\d+(?::in [`'])?",
		Desc:    "Ruby backtrace line (app/…/x.rb:N:in `m') in body",
		Fix:     fixNoTrace,
		Example: "app/controllers/orders_controller.rb:12:in `show'\napp/controllers/application_controller.rb:30:in `with_tenant'",
	},
	// --- PHP ---
	{
		Kind: KindPHPError, Severity: SeverityHigh,
		Anchors: []string{".php on line ", ".php</b> on line ", ".inc on line ", "PHP Fatal error:", "PHP Warning:", "PHP Parse error:", "Stack trace:"},
		Confirm: `\.(?:php|inc)(?:</b>)? on line (?:<b>)?\d+|PHP (?:Fatal error|Warning|Parse error):  |Stack trace:\s*(?:<br />)?\s*#0 `,
		Desc:    "PHP error or warning with a script path in body",
		Fix:     "Set display_errors=Off in production; log errors instead.",
		Example: "<br />\n<b>Fatal error</b>:  Uncaught Error: Call to undefined function mysql_connect() in /var/www/html/db.php:3\nStack trace:\n#0 /var/www/html/index.php(2): require()\n#1 {main}\n  thrown in <b>/var/www/html/db.php</b> on line <b>3</b><br />",
	},
	// --- Framework debug pages ---
	{
		Kind: KindDebugPage, Severity: SeverityCritical,
		Anchors: []string{"Werkzeug Debugger", "The debugger caught an exception in your WSGI application"},
		Desc:    "Werkzeug/Flask interactive debugger page (remote code execution)",
		Fix:     fixNoDebug,
		Example: "<!doctype html>\n<html lang=en>\n  <head>\n    <title>LookupError: user 42 // Werkzeug Debugger</title>",
	},
	{
		Kind: KindDebugPage, Severity: SeverityCritical,
		Anchors: []string{"<code>DEBUG = True</code>"},
		Desc:    "Django debug page (DEBUG = True)",
		Fix:     fixNoDebug,
		Example: "<p>You’re seeing this error because you have <code>DEBUG = True</code> in your Django settings file. Change that to <code>False</code>, and Django will display a standard 500 page.</p>",
	},
	{
		Kind: KindDebugPage, Severity: SeverityCritical,
		Anchors: []string{"Starlette Debugger"},
		Desc:    "Starlette/FastAPI debug error page (debug=True)",
		Fix:     fixNoDebug,
		Example: "<html>\n<head>\n<title>Starlette Debugger</title>\n</head>\n<body>\n<h1>500 Server Error</h1>",
	},
	{
		Kind: KindDebugPage, Severity: SeverityCritical,
		Anchors: []string{"Whitelabel Error Page"},
		Desc:    "Spring Boot Whitelabel Error Page",
		Fix:     "Set server.error.whitelabel.enabled=false and server.error.include-stacktrace=never.",
		Example: "<html><body><h1>Whitelabel Error Page</h1><p>This application has no explicit mapping for /error, so you are seeing this as a fallback.</p>",
	},
	{
		Kind: KindDebugPage, Severity: SeverityCritical,
		Anchors: []string{"Server Error in '", "An unhandled exception occurred during the execution of the current web request"},
		Confirm: `Server Error in '[^'\n]*' Application|An unhandled exception occurred during the execution of the current web request`,
		Desc:    "ASP.NET yellow error page",
		Fix:     `Set <customErrors mode="On"/> (or UseExceptionHandler in ASP.NET Core) outside Development.`,
		Example: "<h1>Server Error in '/' Application.<hr width=100% size=1 color=silver></h1>",
	},
	{
		Kind: KindDebugPage, Severity: SeverityCritical,
		Anchors: []string{"Action Controller: Exception caught", "Whoops! There was an error."},
		Desc:    "Rails or Laravel (Whoops) debug error page",
		Fix:     fixNoDebug,
		Example: "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n  <title>Action Controller: Exception caught</title>",
	},
	// --- Paths and secrets ---
	{
		Kind: KindSourcePath, Severity: SeverityMedium,
		Anchors:   []string{"/home/", "/root/", "/Users/", "/usr/src/app/", "/var/task/", "/opt/app/"},
		Confirm:   `/(?:home|root|Users|usr/src/app|var/task|opt/app)/` + sourceFileTail,
		WordStart: true,
		Desc:      "Server-side source file path (/home/…/app.py) in body",
		Fix:       fixPath,
		Example:   `{"error":"failed to load /home/deploy/orders/app.py"}`,
	},
	{
		Kind: KindSourcePath, Severity: SeverityMedium,
		Anchors: []string{"/site-packages/", "/dist-packages/"},
		Confirm: `/(?:site|dist)-packages/` + sourceFileTail,
		Desc:    "Python package path (…/site-packages/…py) in body",
		Fix:     fixPath,
		Example: "error loading module at /usr/local/lib/python3.12/site-packages/orders/plugins.py",
	},
	{
		Kind: KindSourcePath, Severity: SeverityMedium,
		Anchors: []string{":\\Users\\", ":\\\\Users\\\\", ":\\inetpub\\", ":\\\\inetpub\\\\"},
		Confirm: `:\\{1,2}(?:Users|inetpub)\\{1,2}` + sourceFileTail,
		Desc:    "Windows source file path (C:\\Users\\…\\x.cs) in body",
		Fix:     fixPath,
		Example: `{"file":"C:\\Users\\build\\src\\Shop\\Program.cs"}`,
	},
	{
		Kind: KindPrivateKey, Severity: SeverityCritical,
		Anchors: []string{"-----BEGIN "},
		Confirm: `-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----`,
		Desc:    "Private key (PEM) in body",
		Fix:     fixSecretKey,
		Example: "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----\n",
	},
}
