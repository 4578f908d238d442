"""Sources, sinks and sanitizers as data. Names are qualified through the file's imports.

A name starting with "*." matches a method of that name on any receiver; `requires`
then names modules the file must import for the method match to count (`.search` is an
LDAP sink only in files that use ldap).
"""

from __future__ import annotations

from dataclasses import dataclass

ALL_FAMILIES = frozenset(
    {
        "cmd",
        "sql",
        "code",
        "path",
        "xss",
        "ldap",
        "xpath",
        "xxe",
        "deser",
        "redirect",
        "session",
        "ssrf",
    }
)
ALL = ALL_FAMILIES

# family -> rule id in shared/rules/security.toml
RULES = {
    "code": "SEC001",
    "cmd": "SEC002",
    "sql": "SEC003",
    "path": "SEC004",
    "xss": "SEC005",
    "ldap": "SEC006",
    "xpath": "SEC007",
    "xxe": "SEC008",
    "deser": "SEC009",
    "redirect": "SEC010",
    "session": "SEC011",
    "ssrf": "SEC012",
}

# Which origins count for which families. Files and the environment are written by the
# operator far more often than by an attacker, so they only count where even a local
# file is a classic vector (unpickling, eval of a file's text).
STRONG_KINDS = frozenset({"user", "net"})
# The command line and the console are the operator's: a script opening the file it was
# given, or fetching the URL it was given, is doing its job. They count where the data
# becomes code or a query.
OPERATOR_FAMILIES = ALL_FAMILIES - {"path", "ssrf", "redirect", "xss", "session"}
# The environment is the user's own: `$PAGER`, `$EDITOR`, `$MAKE` name the program they
# want run, so a command or code taken from it is configuration, not an injection.
# A file read and then executed or unpickled is a script, a config file or a cache the
# program wrote itself far more often than an attacker's upload, and standard input is
# mostly a pipe from a parent process or a script fed to a shell command: both count,
# with little weight (hidden at default settings unless other evidence joins them).
WEAK_FAMILIES = {
    "cli": OPERATOR_FAMILIES,
    "input": OPERATOR_FAMILIES,
    "stdin": OPERATOR_FAMILIES,
    "reqpath": ALL_FAMILIES - {"redirect"},
    "env": frozenset({"deser"}),
    "file": frozenset({"deser", "code"}),
    # the response of a request to a host fixed in the code (`urlopen("https://pypi.org/
    # pypi/{name}/json")`) is what the service the program chose to trust answered: the
    # URLs and file names in it are as trusted as the service, its data still must not
    # become code or objects
    "service": frozenset({"deser", "code"}),
}
# Origins only the person running the program controls: a finding from these alone is a
# warning (a local vector), not an error.
OPERATOR_KINDS = frozenset({"cli", "input", "stdin", "env", "file"})
# The command line and `input()` are weighed by what they turn out to be on real code
# (bench/realworld): launchers, interactive prompts and build wrappers doing their job as
# often as not, so a finding from them alone is far from a certainty.
KIND_EVIDENCE = {
    "user": 0.92,
    "reqpath": 0.92,
    "input": 0.55,
    "net": 0.88,
    "cli": 0.45,
    "env": 0.5,
    "file": 0.15,
    "stdin": 0.15,
    "service": 0.3,
}
KIND_LABEL = {
    "user": "request data",
    "reqpath": "the request path",
    "input": "user input",
    "net": "network data",
    "cli": "command-line input",
    "stdin": "standard input",
    "env": "an environment variable",
    "file": "file contents",
    "service": "a fixed service's response",
}


def kind_counts(kind: str, family: str) -> bool:
    if kind in STRONG_KINDS:
        return True
    return family in WEAK_FAMILIES.get(kind, frozenset())


# WSGI/CGI environ keys a client chooses: its headers (HTTP_*) and the request line and body
# (PEP 3333). The rest is set by the server or by middleware (REMOTE_USER, CSRF_COOKIE).
CLIENT_ENVIRON = frozenset(
    {"QUERY_STRING", "PATH_INFO", "CONTENT_TYPE", "CONTENT_LENGTH", "REQUEST_METHOD", "REQUEST_URI", "RAW_URI"}
)


def server_set(key: object) -> bool:
    """An environ key (a constant str) whose value the client does not send."""
    return (
        isinstance(key, str) and key.isupper() and not key.startswith(("HTTP_", "wsgi.")) and key not in CLIENT_ENVIRON
    )


@dataclass(frozen=True, slots=True)
class Sink:
    family: str
    names: tuple[str, ...]
    args: tuple[int, ...] = (0,)  # positional arguments checked; -1 is the receiver
    kwargs: tuple[str, ...] = ()
    label: str = ""
    # special handling in the interpreter: "subprocess", "shell", "yaml", "xml", "url",
    # "torch", "numpy"
    mode: str = ""
    requires: tuple[str, ...] = ()


SUBPROCESS = (
    "subprocess.run",
    "subprocess.call",
    "subprocess.check_call",
    "subprocess.check_output",
    "subprocess.Popen",
)
REQUEST_METHODS = ("get", "post", "put", "patch", "delete", "head", "options")

SINKS: tuple[Sink, ...] = (
    # CWE-78 command injection
    Sink("cmd", SUBPROCESS, (0,), ("args",), "a subprocess command", "subprocess"),
    Sink(
        "cmd",
        (
            "os.system",
            "os.popen",
            "subprocess.getoutput",
            "subprocess.getstatusoutput",
            "commands.getoutput",
            "commands.getstatusoutput",
            "os.popen2",
            "os.popen3",
            "asyncio.create_subprocess_shell",
            "popen2.popen2",
        ),
        (0,),
        ("cmd", "command"),
        "a shell command",
        "shell",
    ),
    Sink(
        "cmd",
        (
            "os.execl",
            "os.execlp",
            "os.execv",
            "os.execvp",
            "os.execle",
            "os.execve",
            "os.execvpe",
            "os.execlpe",
            "asyncio.create_subprocess_exec",
        ),
        (0,),
        (),
        "the program to execute",
    ),
    Sink(
        "cmd",
        ("os.spawnl", "os.spawnlp", "os.spawnv", "os.spawnvp", "os.spawnle", "os.spawnve"),
        (1,),
        (),
        "the program to execute",
    ),
    Sink("cmd", ("*.exec_command",), (0,), ("command",), "a remote shell command", requires=("paramiko", "fabric")),
    # CWE-89 SQL injection: only the SQL text; parameters passed separately are safe
    Sink(
        "sql",
        ("*.execute", "*.executemany", "*.executescript", "*.mogrify"),
        (0,),
        ("sql", "query", "operation", "statement"),
        "an SQL statement",
    ),
    Sink("sql", ("*.raw",), (0,), ("raw_query",), "a raw SQL query", requires=("django",)),
    Sink("sql", ("*.extra",), (), ("where", "select", "tables"), "a raw SQL fragment", requires=("django",)),
    Sink(
        "sql",
        (
            "sqlalchemy.text",
            "sqlalchemy.sql.text",
            "sqlalchemy.sql.expression.text",
            "pandas.read_sql",
            "pandas.read_sql_query",
            "*.read_sql",
            "*.read_sql_query",
            "django.db.models.expressions.RawSQL",
            "django.db.models.RawSQL",
        ),
        (0,),
        ("sql",),
        "an SQL statement",
    ),
    # CWE-94/95 code injection, including server-side template injection
    # `compile` only builds a code object (a syntax check, a cache of bytecode); its
    # result carries the taint on to the `eval`/`exec` that runs it
    Sink("code", ("eval", "exec", "builtins.eval", "builtins.exec"), (0,), ("source",), "code to evaluate"),
    Sink(
        "code",
        (
            "flask.render_template_string",
            "jinja2.Template",
            "*.from_string",
            "django.template.Template",
            "mako.template.Template",
        ),
        (0,),
        ("source",),
        "a template source",
    ),
    # CWE-22 path traversal
    Sink(
        "path",
        (
            "open",
            "io.open",
            "codecs.open",
            "os.open",
            "os.remove",
            "os.unlink",
            "os.rmdir",
            "os.removedirs",
            "os.listdir",
            "os.rename",
            "os.replace",
            "os.makedirs",
            "os.mkdir",
            "os.chmod",
            "os.scandir",
            "shutil.rmtree",
            "shutil.copy",
            "shutil.copyfile",
            "shutil.copy2",
            "shutil.move",
            "shutil.copytree",
            "flask.send_file",
            "fastapi.responses.FileResponse",
            "starlette.responses.FileResponse",
            "django.http.FileResponse",
            "tarfile.open",
            "zipfile.ZipFile",
            "aiofiles.open",
        ),
        (0,),
        ("file", "path", "name", "path_or_file", "filename"),
        "a file path",
    ),
    Sink("path", ("*.save",), (0,), ("dst",), "a file path", requires=("flask", "werkzeug")),
    Sink(
        "path",
        ("*.read_text", "*.read_bytes", "*.write_text", "*.write_bytes", "*.unlink", "*.rmdir", "*.mkdir", "*.touch"),
        (-1,),
        (),
        "a file path",
    ),
    # CWE-79 cross-site scripting
    Sink(
        "xss",
        (
            "flask.make_response",
            "flask.Response",
            "werkzeug.wrappers.Response",
            "werkzeug.Response",
            "django.http.HttpResponse",
            "django.utils.safestring.mark_safe",
            "markupsafe.Markup",
            "flask.Markup",
            "jinja2.Markup",
            "fastapi.responses.HTMLResponse",
            "starlette.responses.HTMLResponse",
            "django.utils.safestring.SafeString",
        ),
        (0,),
        ("response", "content", "body"),
        "an HTML response",
    ),
    # CWE-90 LDAP injection
    Sink(
        "ldap",
        ("*.search_s", "*.search_st", "*.search_ext", "*.search_ext_s"),
        (2,),
        ("filterstr",),
        "an LDAP filter",
        requires=("ldap",),
    ),
    Sink("ldap", ("*.search",), (0, 1), ("search_filter", "search_base"), "an LDAP filter", requires=("ldap3",)),
    # CWE-643 XPath injection
    Sink(
        "xpath",
        ("*.xpath", "lxml.etree.XPath", "lxml.etree.ETXPath"),
        (0,),
        ("_path", "path"),
        "an XPath expression",
        requires=("lxml", "elementpath"),
    ),
    # CWE-611 XML external entities (lxml resolves entities unless told not to)
    Sink(
        "xxe",
        (
            "lxml.etree.fromstring",
            "lxml.etree.parse",
            "lxml.etree.XML",
            "lxml.etree.iterparse",
            "lxml.objectify.fromstring",
            "lxml.objectify.parse",
            "xml.dom.pulldom.parseString",
            "xml.dom.pulldom.parse",
            "xml.sax.parseString",
            "xml.sax.parse",
        ),
        (0,),
        ("source", "text"),
        "an XML document",
        "xml",
    ),
    # CWE-502 unsafe deserialization
    Sink(
        "deser",
        (
            "pickle.loads",
            "pickle.load",
            "cPickle.loads",
            "cPickle.load",
            "_pickle.loads",
            "_pickle.load",
            "dill.loads",
            "dill.load",
            "marshal.loads",
            "marshal.load",
            "jsonpickle.decode",
            "jsonpickle.loads",
            "shelve.open",
            "pandas.read_pickle",
            "joblib.load",
            "cloudpickle.loads",
            "cloudpickle.load",
            "yaml.unsafe_load",
            "yaml.unsafe_load_all",
            "pickle.Unpickler",
        ),
        (0,),
        ("data", "file", "s", "filename", "filepath_or_buffer"),
        "deserialized data",
    ),
    Sink("deser", ("yaml.load", "yaml.load_all"), (0,), ("stream",), "YAML with an unsafe loader", "yaml"),
    Sink("deser", ("torch.load",), (0,), ("f",), "a pickled model", "torch"),
    Sink("deser", ("numpy.load",), (0,), ("file",), "a pickled array", "numpy"),
    # CWE-601 open redirect
    Sink(
        "redirect",
        (
            "flask.redirect",
            "django.shortcuts.redirect",
            "django.http.HttpResponseRedirect",
            "django.http.HttpResponsePermanentRedirect",
            "fastapi.responses.RedirectResponse",
            "starlette.responses.RedirectResponse",
            "werkzeug.utils.redirect",
            "quart.redirect",
        ),
        (0,),
        ("location", "url", "to", "redirect_to"),
        "a redirect target",
        "url",
    ),
    # CWE-918 SSRF
    Sink(
        "ssrf",
        tuple(f"requests.{m}" for m in REQUEST_METHODS)
        + tuple(f"httpx.{m}" for m in REQUEST_METHODS)
        + tuple(f"requests.Session.{m}" for m in REQUEST_METHODS)
        + tuple(f"httpx.Client.{m}" for m in REQUEST_METHODS)
        + tuple(f"httpx.AsyncClient.{m}" for m in REQUEST_METHODS)
        + tuple(f"aiohttp.ClientSession.{m}" for m in REQUEST_METHODS)
        + (
            "urllib.request.urlopen",
            "urllib.request.Request",
            "urllib.urlopen",
            "urllib2.urlopen",
            "http.client.HTTPConnection",
            "http.client.HTTPSConnection",
            "socket.create_connection",
            "httpx.stream",
        ),
        (0,),
        ("url", "host", "address"),
        "an outgoing request's URL",
        "url",
    ),
    Sink(
        "ssrf",
        (
            "requests.request",
            "httpx.request",
            "requests.Session.request",
            "httpx.Client.request",
            "urllib3.PoolManager.request",
            "aiohttp.ClientSession.request",
        ),
        (1,),
        ("url",),
        "an outgoing request's URL",
        "url",
    ),
)

# Exact names and "*.method" names -> sinks; built once.
SINKS_BY_NAME: dict[str, list[Sink]] = {}
for _sink in SINKS:
    for _name in _sink.names:
        SINKS_BY_NAME.setdefault(_name, []).append(_sink)

# A file needs taint analysis only if it mentions one of these (cheap pre-filter).
SINK_TOKENS = sorted({n.rsplit(".", 1)[-1] for s in SINKS for n in s.names} | {"session"})

# ---------------------------------------------------------------------------------- sources
# Attributes of a web request object that carry client data (Flask, Django, DRF,
# Starlette/FastAPI, aiohttp, Tornado).
REQUEST_ATTRS = frozenset(
    {
        "args",
        "form",
        "values",
        "json",
        "cookies",
        "headers",
        "files",
        "data",
        "view_args",
        "query_string",
        "get_json",
        "get_data",
        "stream",
        "path",
        "full_path",
        "url",
        "base_url",
        "host",
        "referrer",
        "user_agent",
        "GET",
        "POST",
        "COOKIES",
        "META",
        "FILES",
        "body",
        "query_params",
        "path_params",
        "query",
        "match_info",
        "content",
        "text",
        "post",
        "arguments",
        "body_arguments",
        "query_arguments",
        "get_argument",
        "get_arguments",
        "get_query_argument",
        "get_body_argument",
        "environ",
        "url_params",
        "params",
    }
)
# The path of the current request is a path on this very site: a redirect to it cannot
# send the user elsewhere, so these attributes are request data for every family but that.
REQUEST_PATH_ATTRS = frozenset({"path", "path_info", "full_path", "script_root"})
# `request.url` is a web request's only in code that uses a web framework (a crawler's or an
# HTTP client's `request` is the program's own outgoing request).
WEB_MODULES = (
    "flask",
    "quart",
    "bottle",
    "django",
    "rest_framework",
    "fastapi",
    "starlette",
    "aiohttp",
    "tornado",
    "pyramid",
    "falcon",
    "sanic",
    "werkzeug",
    "cherrypy",
    "litestar",
    "webob",
    "bottle",
    "responder",
    "connexion",
)
REQUEST_NAMES = frozenset({"request", "req", "flask.request", "quart.request", "bottle.request"})

SOURCE_CALLS: dict[str, str] = {
    "input": "input",
    "raw_input": "input",
    "builtins.input": "input",
    "os.getenv": "env",
    "os.getenvb": "env",
    "getpass.getuser": "env",
    "click.prompt": "input",
    "typer.prompt": "input",
    "getpass.getpass": "input",
    "open": "file",
    "io.open": "file",
    "codecs.open": "file",
    "urllib.request.urlopen": "net",
}
SOURCE_ATTRS: dict[str, str] = {
    "sys.argv": "cli",
    "os.environ": "env",
    "os.environb": "env",
    "sys.stdin": "stdin",
}
SOURCE_METHODS: dict[str, str] = {
    "recv": "net",
    "recvfrom": "net",
    "recv_into": "net",
    "recvmsg": "net",
    "parse_args": "cli",
    "parse_known_args": "cli",
    "read_text": "file",
    "read_bytes": "file",
    # Tornado handlers
    "get_argument": "user",
    "get_arguments": "user",
    "get_query_argument": "user",
    "get_body_argument": "user",
    "get_cookie": "user",
    "get_secure_cookie": "user",
}

# -------------------------------------------------------------------------------- sanitizers
# name -> families the result is clean for. ALL: the result carries no taint at all.
SANITIZERS: dict[str, frozenset[str]] = {
    **{
        n: ALL
        for n in (
            "int",
            "float",
            "bool",
            "len",
            "abs",
            "round",
            "complex",
            "hash",
            "id",
            "ord",
            "isinstance",
            "issubclass",
            "callable",
            "hasattr",
            "type",
            "uuid.UUID",
            "decimal.Decimal",
            "fractions.Fraction",
            "ipaddress.ip_address",
            "ipaddress.ip_network",
            "ipaddress.IPv4Address",
            "ipaddress.IPv6Address",
            "datetime.datetime.strptime",
            "datetime.date.fromisoformat",
            "datetime.datetime.fromisoformat",
            "flask.url_for",
            "django.urls.reverse",
            "flask.abort",
            "time.time",
            "os.urandom",
            # an ORM lookup returns the stored object, not the key it was looked up by
            "django.shortcuts.get_object_or_404",
            "django.shortcuts.get_list_or_404",
            "*.get_object_for_this_type",  # ContentType's lookup by primary key
        )
    },
    **{n: frozenset({"cmd"}) for n in ("shlex.quote", "pipes.quote", "shlex.join")},
    **{
        n: frozenset({"xss"})
        for n in (
            "html.escape",
            "markupsafe.escape",
            "flask.escape",
            "jinja2.escape",
            "cgi.escape",
            "django.utils.html.escape",
            "django.utils.html.conditional_escape",
            "django.utils.html.strip_tags",
            "bleach.clean",
            "bleach.linkify",
            "xml.sax.saxutils.escape",
            "flask.jsonify",
            "flask.render_template",
            "django.shortcuts.render",
            "django.http.JsonResponse",
            "json.dumps",
            "django.template.loader.render_to_string",
            # a Django template escapes what it interpolates (autoescape is on unless the
            # template turns it off); `t = loader.get_template(name)` types `t`
            "django.template.loader.get_template.render",
            "django.template.loader.select_template.render",
            "django.template.Template.render",
            "django.template.base.Template.render",
            "django.template.response.TemplateResponse",
            "django.template.response.SimpleTemplateResponse",
            "fastapi.responses.JSONResponse",
            "django.utils.html.format_html",
            "nh3.clean",
            "markupsafe.Markup.escape",
            "flask.Markup.escape",
            "markupsafe.escape_silent",
        )
    },
    **{
        n: frozenset({"sql"})
        for n in (
            "psycopg2.sql.Identifier",
            "psycopg2.sql.Literal",
            "psycopg.sql.Identifier",
            "psycopg.sql.Literal",
            "pymysql.converters.escape_string",
            "MySQLdb.escape_string",
            "sqlalchemy.bindparam",
            "*.escape_string",
            "*.quote_identifier",
            "*.bindparams",
        )
    },
    **{
        n: frozenset({"path", "cmd"})
        for n in (
            "os.path.basename",
            "werkzeug.utils.secure_filename",
            "werkzeug.secure_filename",
            "django.utils.text.get_valid_filename",
            "pathvalidate.sanitize_filename",
            "werkzeug.security.safe_join",
            "werkzeug.utils.safe_join",
            "flask.safe_join",
            "django.utils._os.safe_join",
        )
    },
    **{
        n: frozenset({"ldap"})
        for n in (
            "ldap.filter.escape_filter_chars",
            # `filter_format("(uid=%s)", [name])` escapes every value it fills in
            "ldap.filter.filter_format",
            "ldap3.utils.conv.escape_filter_chars",
            "ldap.dn.escape_dn_chars",
            "ldap3.utils.dn.escape_rdn",
            "*.escape_filter_chars",
        )
    },
    **{
        n: frozenset({"xss", "redirect", "ssrf", "cmd", "sql", "ldap", "xpath"})
        for n in (
            "urllib.parse.quote",
            "urllib.parse.quote_plus",
            "urllib.parse.urlencode",
            # percent-encoded `k=v&...` pairs: no scheme, no `//host` (Django's wrapper, and
            # QueryDict.urlencode(), whose default quotes `/` too)
            "django.utils.http.urlencode",
            "*.urlencode",
        )
    },
}
# Every function of these modules returns clean data (digests, clocks, randomness).
CLEAN_MODULES = (
    "hashlib.",
    "hmac.",
    "uuid.",
    "secrets.",
    "time.",
    "math.",
    "random.",
    "base64.b16encode",
    "binascii.hexlify",
    "string.",
)
# Path normalisation: still tainted, but a later containment check now means something.
NORMALIZERS = frozenset(
    {"os.path.realpath", "os.path.normpath", "os.path.abspath", "*.resolve", "*.absolute", "posixpath.normpath"}
)
# Methods that return booleans or numbers, never the receiver's text.
CLEAN_METHODS = frozenset(
    {
        "startswith",
        "endswith",
        "isdigit",
        "isnumeric",
        "isdecimal",
        "isalnum",
        "isalpha",
        "isidentifier",
        "count",
        "find",
        "rfind",
        "index",
        "rindex",
        "exists",
        "is_file",
        "is_dir",
        "isfile",
        "isdir",
        "fetchone_count",
        "__len__",
        "hexdigest",
        "digest",
    }
)
# A call that never returns: the branch it ends is an early exit.
NO_RETURN = frozenset(
    {"flask.abort", "abort", "sys.exit", "exit", "quit", "os._exit", "django.http.Http404", "fastapi.HTTPException"}
)
# Guard predicates: `if not is_safe_url(x): abort()` cleans x for these families.
GUARD_CALLS: dict[str, frozenset[str]] = {
    "django.utils.http.url_has_allowed_host_and_scheme": ALL,
    "django.utils.http.is_safe_url": ALL,
    # True only for a well-formed language code Django has a translation for
    "django.utils.translation.check_for_language": ALL,
    "isinstance": ALL,
    "re.fullmatch": ALL,
    "re.match": ALL,
    "*.fullmatch": ALL,
    "*.match": ALL,
    "os.path.isabs": frozenset(),
}
GUARD_METHODS = frozenset({"isdigit", "isnumeric", "isdecimal", "isalnum", "isalpha", "isidentifier"})
SHELLS = frozenset(
    {
        "sh",
        "bash",
        "zsh",
        "dash",
        "ksh",
        "/bin/sh",
        "/bin/bash",
        "/usr/bin/bash",
        "cmd",
        "cmd.exe",
        "powershell",
        "pwsh",
    }
)
SAFE_YAML_LOADERS = ("SafeLoader", "CSafeLoader", "BaseLoader", "CBaseLoader")
# The parts of a PyYAML loader class: the constructor decides what objects it may build
SAFE_YAML_PARTS = frozenset({*SAFE_YAML_LOADERS, "SafeConstructor", "BaseConstructor"})
UNSAFE_YAML_PARTS = frozenset(
    {"Loader", "CLoader", "FullLoader", "CFullLoader", "UnsafeLoader", "CUnsafeLoader"}
    | {"Constructor", "FullConstructor", "UnsafeConstructor"}
)
