"""Calls: sinks checked, sources created, sanitizers applied, summaries of local functions."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

from tree_sitter import Node

from codie.analyzers.security import specs
from codie.analyzers.security.exprs import FIXED_HOST
from codie.analyzers.security.model import SinkHit, Taint, join, join_all
from codie.analyzers.security.names import dotted, text

if TYPE_CHECKING:
    from codie.analyzers.security.interp import Flow

BARE_EVIDENCE = 0.12  # a dangerous API with data of unknown origin
# ... a little more where a formatted argument is the classic shape of the bug; still
# hidden at default settings: in real code such calls are code generators, template
# engines and caches far more often than holes (bench/realworld)
BARE_BY_FAMILY = {"code": 0.15, "cmd": 0.15, "deser": 0.15}
# ... but `eval`/`exec` of anything not constant is worth a look wherever it is (Bandit
# B307/B102 flag every call); it is templates whose source is a variable that are APIs
EVAL_BARE_EVIDENCE = 0.45
EVAL_PARAM_EVIDENCE = 0.35
PATTERN_EVIDENCE = 0.6  # dangerous whatever the data (yaml.load with the default loader)
# reached by a parameter of a function nobody in the file calls: in a library that is its
# API doing what it is asked (`Template(source)`, `cursor.execute(sql)`), so it is shown
# only with lower thresholds unless a caller in the file passes real input
PARAM_EVIDENCE = 0.12
# ... but a parameter passed straight through (`open(filename)`, `Popen(args)`) is an API
# that opens/runs what its caller asks for: hidden unless the text is built right here
PASSTHROUGH_EVIDENCE = 0.1
DB_MODULES = (
    "sqlite3",
    "psycopg2",
    "psycopg",
    "pymysql",
    "MySQLdb",
    "mysql",
    "sqlalchemy",
    "django",
    "asyncpg",
    "aiosqlite",
    "aiomysql",
    "cx_Oracle",
    "oracledb",
    "pyodbc",
    "pymssql",
    "duckdb",
    "snowflake",
    "peewee",
    "databases",
    "records",
)
PARAM_QUIET = frozenset({"path", "ssrf", "redirect", "xss", "session"})
CROSS_FUNCTION_PENALTY = 0.03
CONSTANT_NODES = 64
STRONG_OR_OPERATOR = frozenset({"user", "net", "cli", "input"})
XSS_CLEAR = frozenset({"xss"})
MUTATORS = frozenset(
    {"append", "extend", "insert", "add", "update", "appendleft", "extendleft", "setdefault", "write", "writelines"}
)
# `re.sub(r"[^a-z0-9_-]", "", value)`: only harmless characters are left
RENDER_METHODS = frozenset({"render", "render_async", "generate", "generate_async", "stream"})
TEMPLATE_GETTERS = frozenset({"get_template", "from_string", "select_template", "get_or_select_template"})
JINJA_FACTORIES = frozenset(
    {"jinja2.Environment", "jinja2.Template", "jinja2.environment.Environment", "jinja2.environment.Template"}
)
# `sh -c script`, `bash -lc script`, `cmd /c`, `powershell -Command`: the next item is a script
SHELL_SCRIPT_FLAG = re.compile(r"^(?:-[a-zA-Z]*c|/[cC]|-Command)$")
CLEAN_CHARCLASS = re.compile(r"^r?['\"]\[\^[\w\\\-. ]*\][+*]?['\"]$")


class SinkChecker:
    def __init__(self, flow: Flow) -> None:
        self.flow = flow
        self.src = flow.src

    # ---------------------------------------------------------------------------- calls
    def call(self, node: Node) -> Taint | None:
        flow = self.flow
        fn = node.child_by_field_name("function")
        argl = node.child_by_field_name("arguments")
        if fn is None:
            return None
        positional: list[Node] = []
        keywords: dict[str, Node] = {}
        if argl is not None:
            if argl.type == "generator_expression":
                positional.append(argl)
            else:
                for a in argl.named_children:
                    if a.type == "keyword_argument":
                        k = a.child_by_field_name("name")
                        v = a.child_by_field_name("value")
                        if k is not None and v is not None:
                            keywords[text(self.src, k)] = v
                    elif a.type != "comment":
                        positional.append(a)
        receiver: Node | None = None
        method = ""
        if fn.type == "attribute":
            receiver = fn.child_by_field_name("object")
            attr = fn.child_by_field_name("attribute")
            method = text(self.src, attr) if attr is not None else ""
        name = dotted(self.src, fn)
        qualified = flow.qualify(name) if name is not None else ""
        if receiver is not None and receiver.type == "identifier":
            typed = flow.types.get(text(self.src, receiver))
            if typed is not None:
                qualified = f"{typed}.{method}"
        # the callee itself may be a source (`request.get_json()`); else its receiver counts
        recv_t = flow.ev(fn) if fn.type != "identifier" else None
        if recv_t is not None and receiver is not None and method and self._instance(receiver):
            # `reporter = Reporter(request, exc); reporter.get_traceback_html()`: what a method
            # of an object built from the data returns is that class's rendering of it (a
            # form, a report, a widget), escaped or not by that class, not the data itself
            recv_t = recv_t.clear(XSS_CLEAR)
        pos_t = [flow.ev(a) for a in positional]
        kw_t = {k: flow.ev(v) for k, v in keywords.items()}

        if receiver is not None and method:
            handled, result = flow.keyed_call(receiver, method, positional, pos_t)
            if handled:  # one tracked entry read or written (containers.py)
                return result
        if method in MUTATORS and receiver is not None and (pos_t or kw_t):
            # `parts.append(value)`: the container now holds the value
            added = join_all([*pos_t, *kw_t.values()])
            target = dotted(self.src, receiver)
            if added is not None and target is not None:
                flow.env[target] = (
                    join(flow.env.get(target), added.step(flow.step(node, f"added to `{target}`"))) or added
                )
        sinks = list(specs.SINKS_BY_NAME.get(qualified, ()))
        if method:
            for sink in specs.SINKS_BY_NAME.get("*." + method, ()):
                if not sink.requires or self.flow.mod.imports.uses(*sink.requires):
                    sinks.append(sink)
        for sink in sinks:
            self.check(sink, node, qualified or method, receiver, recv_t, positional, pos_t, keywords, kw_t)

        everything = join(recv_t, None)
        # `MAPPING.get(key, default)` returns a value of the mapping, not the key
        lookup = method in ("get", "pop", "setdefault") and receiver is not None
        for t in pos_t[1:] if lookup else pos_t:
            everything = join(everything, t)
        for t in kw_t.values():
            everything = join(everything, t)

        kind = specs.SOURCE_CALLS.get(qualified) or specs.SOURCE_METHODS.get(method)
        if kind == "net" and positional and FIXED_HOST.match(flow.prefix_of(positional[0])):
            kind = "service"  # `urlopen(f"https://pypi.org/pypi/{name}/json")`
        if kind is not None and not (
            kind == "file" and qualified != "open" and method not in ("read_text", "read_bytes") and not qualified
        ):
            named = everything
            if kind == "file" and everything is not None:
                # the contents of a file whose *name* came from the command line or a
                # request are as much that input as the name (`exec(open(argv[1]).read())`);
                # (a parameter's: whatever its callers pass); a constant or an environment
                # variable naming the file says nothing about the contents
                kept = frozenset(k for k in everything.kinds if k in STRONG_OR_OPERATOR or k.startswith("param:"))
                named = replace(everything, kinds=kept) if kept else None
            return join(flow.new_source(kind, node), named)
        # a known sanitizer is one whatever its code looks like (analysing Django itself,
        # `format_html` resolves to its own body, which calls `mark_safe`)
        if method in RENDER_METHODS and receiver is not None and self.autoescaped(receiver):
            # a template of an autoescaping jinja2 environment escapes what it is given
            return everything.clear(XSS_CLEAR) if everything is not None else None
        families = specs.SANITIZERS.get(qualified) or (specs.SANITIZERS.get("*." + method) if method else None)
        if families is not None:
            return everything.clear(families) if everything is not None else None
        if name is not None and (local := flow.mod.resolve(flow.func, name, flow.types)) is not None:
            return flow.mod.apply_summary(flow, local, node, positional, pos_t, keywords, kw_t)
        if everything is None:
            return None
        if (
            method == "get"
            and "type" in keywords
            and text(self.src, keywords["type"]) in ("int", "float", "bool", "uuid.UUID", "UUID")
        ):
            return everything.clear(specs.ALL)  # `request.args.get("n", type=int)`
        if qualified.startswith(specs.CLEAN_MODULES) or method in specs.CLEAN_METHODS:
            return None
        if qualified in specs.NORMALIZERS or ("*." + method) in specs.NORMALIZERS:
            return replace(everything, normalized=True)
        if qualified == "re.sub" and positional and _clean_class(self.src, positional[0]):
            families = specs.ALL if "." not in text(self.src, positional[0]) else specs.ALL - {"path"}
            return everything.clear(families)
        if sinks:
            # the result of a sink call is a response/handle/request object: the finding
            # (if any) is at this call, not again where the object is used
            cleared = frozenset(s.family for s in sinks)
            if any(s.family in ("xss", "redirect") for s in sinks):
                cleared |= XSS_CLEAR
            return everything.clear(cleared)
        if method == "format" and receiver is not None and receiver.type == "string":
            return flow._prefixed(everything, flow.prefix_of(receiver))
        return everything

    # ---------------------------------------------------------------------------- sinks
    def check(
        self,
        sink: specs.Sink,
        call: Node,
        callee: str,
        receiver: Node | None,
        recv_t: Taint | None,
        positional: list[Node],
        pos_t: list[Taint | None],
        keywords: dict[str, Node],
        kw_t: dict[str, Taint | None],
    ) -> None:
        checked: list[tuple[Node, Taint | None]] = []
        for i in sink.args:
            if i == -1 and receiver is not None:
                checked.append((receiver, recv_t))
            elif 0 <= i < len(positional):
                if positional[i].type == "list_splat":
                    break
                checked.append((positional[i], pos_t[i]))
        for k in sink.kwargs:
            if k in keywords:
                checked.append((keywords[k], kw_t[k]))
        if (
            sink.family == "sql"
            and receiver is not None
            and text(self.src, receiver) == "self"
            and not self.flow.mod.imports.uses(*DB_MODULES)
        ):
            return  # `self.execute(func, args)` of a class that talks to no database
        evidence_scale = 1.0
        mode = sink.mode
        # checked is the program to run, with no shell to read it (`os.execv(path, argv)`)
        program = sink.label == "the program to execute"
        if mode == "subprocess":
            shell = keywords.get("shell")
            if shell is None or text(self.src, shell) in ("False", "None", "0"):
                checked = self._argv(checked)
                evidence_scale = 0.9
                program = True
        elif mode == "yaml":
            loader = keywords.get("Loader") or (positional[1] if len(positional) > 1 else None)
            if loader is not None and (
                text(self.src, loader).endswith(specs.SAFE_YAML_LOADERS) or self._safe_loader_class(loader)
            ):
                return
        elif mode == "torch":
            weights = keywords.get("weights_only")
            if weights is not None and text(self.src, weights) == "True":
                return
        elif mode == "numpy":
            allow = keywords.get("allow_pickle")
            if allow is None or text(self.src, allow) != "True":
                return
        elif mode == "xml":
            parser = keywords.get("parser")
            if parser is None and callee.startswith("lxml") and len(positional) > 1:
                parser = positional[1]  # `etree.fromstring(data, PARSER)`
            if parser is not None:
                made = self.made_by(parser)
                if "resolve_entities=True" not in text(self.src, made if made is not None else parser):
                    return
            if not callee.startswith("lxml"):
                evidence_scale = 0.75
        if sink.family == "xss" and self._not_markup(keywords):
            return
        if not checked:
            return
        self.report(sink, call, checked, evidence_scale, program)

    def _built(self, node: Node) -> bool:
        """A string formatted here, or a name holding one."""
        return _builds_string(self.src, node) or (node.type == "identifier" and text(self.src, node) in self.flow.built)

    def _instance(self, receiver: Node) -> bool:
        """Does the name hold an object made by a class (`Reporter(...)`) or by a class a
        factory returned (`reporter_class(request)(...)`), not a string or a container?"""
        if receiver.type != "identifier":
            return False
        made = self.flow.calls.get(text(self.src, receiver))
        fn = made.child_by_field_name("function") if made is not None else None
        if fn is None:
            return False
        if fn.type == "call":
            return True
        name = dotted(self.src, fn)
        if name is None:
            return False
        last = name.rsplit(".", 1)[-1]
        return last[:1].isupper() and not last.isupper() and not specs.SINKS_BY_NAME.get(self.flow.qualify(name))

    def _safe_loader_class(self, loader: Node, depth: int = 0) -> bool:
        """A loader class of this module built on PyYAML's safe constructor
        (`class Loader(CParser, MyConstructor, Resolver)`, `class MyConstructor(SafeConstructor)`):
        it builds only plain data, like SafeLoader."""
        if loader.type != "identifier" or depth > 4:
            return False
        name = text(self.src, loader)
        for node in self.flow.mod.root.named_children:
            if node.type == "decorated_definition":
                node = node.named_children[-1]
            cls_name = node.child_by_field_name("name") if node.type == "class_definition" else None
            if cls_name is None or text(self.src, cls_name) != name:
                continue
            bases = node.child_by_field_name("superclasses")
            parts = [b for b in bases.named_children if b.type in ("identifier", "attribute")] if bases else []
            words = [text(self.src, b).rsplit(".", 1)[-1] for b in parts]
            if any(w in specs.UNSAFE_YAML_PARTS for w in words):
                return False
            return any(w in specs.SAFE_YAML_PARTS for w in words) or any(
                self._safe_loader_class(b, depth + 1) for b in parts
            )
        return False

    def _not_markup(self, keywords: dict[str, Node]) -> bool:
        """`HttpResponse(text, content_type="text/plain")`: a browser does not render the
        body as HTML (nor as SVG/XML, which can run script too)."""
        for name in ("content_type", "mimetype", "media_type"):
            node = keywords.get(name)
            if (
                node is not None
                and node.type == "string"
                and not any(c.type == "interpolation" for c in node.named_children)
            ):
                kind = text(self.src, node).lower()
                return not any(word in kind for word in ("html", "xml", "svg"))
        return False

    def made_by(self, node: Node) -> Node | None:
        """The call that made the object a name holds: assigned in this function, else at
        module level (`PARSER = etree.XMLParser(resolve_entities=False)`)."""
        if node.type == "call":
            return node
        if node.type != "identifier":
            return None
        name = text(self.src, node)
        return self.flow.calls.get(name) or self.flow.mod.global_calls.get(name)

    def autoescaped(self, node: Node, depth: int = 0) -> bool:
        """Is `node` a jinja2 template (or environment) made with autoescaping on?"""
        made = self.made_by(node)
        if made is None or depth > 4:
            return False
        fn = made.child_by_field_name("function")
        if fn is None:
            return False
        name = dotted(self.src, fn)
        if name is not None and self.flow.qualify(name) in JINJA_FACTORIES:
            args = made.child_by_field_name("arguments")
            for arg in args.named_children if args is not None else []:
                key = arg.child_by_field_name("name") if arg.type == "keyword_argument" else None
                value = arg.child_by_field_name("value")
                if key is not None and value is not None and text(self.src, key) == "autoescape":
                    return text(self.src, value) not in ("False", "None", "0")
            return False
        if fn.type == "attribute":
            attr = fn.child_by_field_name("attribute")
            obj = fn.child_by_field_name("object")
            if attr is not None and obj is not None and text(self.src, attr) in TEMPLATE_GETTERS:
                return self.autoescaped(obj, depth + 1)
        return False

    def _argv(self, checked: list[tuple[Node, Taint | None]]) -> list[tuple[Node, Taint | None]]:
        """Without a shell only the program (or an explicit `sh -c` script) matters."""
        if not checked:
            return []
        node, t = checked[0]
        items: list[tuple[Node, Taint | None]] | None = None
        if node.type in ("list", "tuple"):
            items = [(c, None) for c in node.named_children if c.type != "comment"]
            items = [(c, self.flow.ev(c)) for c, _ in items]
        elif node.type == "identifier" and text(self.src, node) in self.flow.lists:
            items = self.flow.lists[text(self.src, node)][1]
        if items is not None:
            if not items:
                return []
            head = text(self.src, items[0][0]).strip("'\"")
            if head in specs.SHELLS or head.rsplit("/", 1)[-1] in specs.SHELLS:
                for i, (item, _) in enumerate(items[:-1]):
                    if SHELL_SCRIPT_FLAG.match(text(self.src, item).strip("'\"")):
                        return [items[i + 1]]
                return []
            return [items[0]]
        if node.type == "binary_operator":
            left = node.child_by_field_name("left")
            if left is not None and left.type in ("list", "tuple", "binary_operator"):
                # `[sys.executable] + argv`: still an argument list, its head is the program
                return self._argv([(left, self.flow.ev(left))])
        if node.type in ("string", "binary_operator", "concatenated_string"):
            return [(node, t)]
        return []

    def report(
        self,
        sink: specs.Sink,
        call: Node,
        checked: list[tuple[Node, Taint | None]],
        scale: float,
        program: bool = False,
    ) -> None:
        flow = self.flow
        family = sink.family
        rule = specs.RULES[family]
        bare: Node | None = None
        for node, t in checked:
            if t is not None:
                t = t.only_live(family)
                if not t.kinds:
                    continue  # every origin is quiet here (only in the query of a URL)
            if t is None or not t.live_for(family):
                if t is None and bare is None and not self.constant(node, family != "code"):
                    bare = node
                continue
            real = [k for k in t.real_kinds if specs.kind_counts(k, family)]
            if program and real and set(real) <= specs.OPERATOR_KINDS and not self._built(node):
                # the person running the program names the program to run, without a shell
                # (a launcher re-executing itself with its own argv): the tool doing its
                # job, as if they had typed it; their data formatted into a command someone
                # else wrote, or a shell's script, is still reported
                real = []
            if not real and not t.params:
                # only origins that do not count here (`$EDITOR` naming the program to run):
                # as good as unknown
                if bare is None and not self.constant(node, family != "code"):
                    bare = node
                continue
            step = flow.step(node, f"reaches {sink.label}")
            if real:
                evidence = max(specs.KIND_EVIDENCE[k] for k in real) * scale
                if sink.mode == "yaml":  # unsafe whatever the data: never below the pattern
                    evidence = max(evidence, PATTERN_EVIDENCE)
                flow.found.append(self.hit(rule, family, call, sink.label, t.step(step), evidence, sink.mode))
                if not t.params:
                    return
                # a parameter joins the weak origin: a caller may pass a strong one
            if t.params:
                # a library function opening (or fetching) what its caller names is an
                # API, not a hole: parameter-only paths and URLs stay hidden
                built = family == "code" or (
                    family not in PARAM_QUIET
                    and (
                        _builds_string(self.src, node)
                        or (node.type == "identifier" and text(self.src, node) in flow.built)
                    )
                )
                evidence = PARAM_EVIDENCE if built else PASSTHROUGH_EVIDENCE
                if family == "code" and sink.label == "code to evaluate" and "file" not in t.real_kinds:
                    # (a file whose name is a parameter is a script or a config file the
                    # caller names: `Config.from_pyfile(filename)`)
                    evidence = EVAL_PARAM_EVIDENCE
                if sink.mode == "yaml":  # unsafe whatever the caller passes
                    evidence = PATTERN_EVIDENCE
                flow.hits.append(self.hit(rule, family, call, sink.label, t.step(step), evidence * scale, sink.mode))
                return
        if bare is not None or sink.mode == "yaml":
            node = bare if bare is not None else checked[0][0]
            evidence = BARE_EVIDENCE
            if sink.mode == "yaml":
                evidence = PATTERN_EVIDENCE
            elif family == "code" and sink.label == "code to evaluate":
                evidence = EVAL_BARE_EVIDENCE
            elif family == "code" or _builds_string(self.src, node):
                # `eval(x)`, or a command/query formatted from values of unknown origin
                evidence = BARE_BY_FAMILY.get(family, BARE_EVIDENCE)
            t = Taint(frozenset(), (flow.step(node, f"reaches {sink.label}"),))
            flow.found.append(self.hit(rule, family, call, sink.label, t, evidence, sink.mode))

    def hit(self, rule: str, family: str, node: Node, label: str, t: Taint, evidence: float, mode: str = "") -> SinkHit:
        base = self.flow.base
        return SinkHit(
            self.flow.func.key,
            rule,
            family,
            node.start_byte - base,
            node.end_byte - base,
            label,
            t,
            round(evidence, 3),
            mode,
        )

    def constant(self, node: Node, formatted: bool = True) -> bool:
        """Iterative, and bounded: an expression of more than CONSTANT_NODES parts counts as
        not constant (called at every level of a long `+` chain, it must stay cheap).
        formatted: an f-string of constants counts as one (not for code run by `eval`/
        `exec`: generated code is worth a look whatever it is built from)."""
        stack = [node]
        seen = 0
        while stack:
            node = stack.pop()
            seen += 1
            if seen > CONSTANT_NODES:
                return False
            kind = node.type
            if kind == "string":
                # `f"{tool} --version"` is as constant as what it interpolates
                for part in node.named_children:
                    if part.type == "interpolation" and part.named_children:
                        if not formatted:
                            return False
                        stack.append(part.named_children[0])
            elif kind in ("concatenated_string", "binary_operator", "parenthesized_expression", "list", "tuple"):
                stack.extend(reversed(node.named_children))
            elif kind == "identifier":
                name = text(self.src, node)
                if not (
                    name in self.flow.consts
                    or name in self.flow.values
                    or name in self.flow.mod.consts
                    or name.isupper()
                ):
                    return False
            elif kind == "attribute":
                chain = dotted(self.src, node)
                if chain is None or not chain.rsplit(".", 1)[-1].isupper():
                    return False
            elif kind == "subscript":
                if not self.flow.constant_entry(node):
                    return False
            elif kind not in ("integer", "float", "true", "false", "none"):
                return False
        return True

    # ------------------------------------------------------------------- special sinks
    def route_return(self, value: Node, t: Taint | None) -> None:
        """A Flask view's returned string is the HTML body."""
        flow = self.flow
        if t is None or not flow.func.html_route or not t.live_for("xss"):
            return
        node = value
        if node.type == "tuple" and node.named_children:
            node = node.named_children[0]
            t = flow.ev(node)
            if t is None or not t.live_for("xss"):
                return
        if node.type in ("dictionary", "list", "call") and not (
            node.type == "call" and (_is_str_method(self.src, node) or self._is_local_call(node))
        ):
            return
        real = [k for k in t.real_kinds if specs.kind_counts(k, "xss")]
        if not real:
            return
        evidence = max(specs.KIND_EVIDENCE[k] for k in real) * 0.95
        step = flow.step(node, "returned as the HTML response body")
        flow.found.append(self.hit("SEC005", "xss", node, "the HTML response body", t.step(step), evidence, "return"))

    def _is_local_call(self, call: Node) -> bool:
        fn = call.child_by_field_name("function")
        name = dotted(self.src, fn) if fn is not None else None
        return name is not None and self.flow.mod.resolve(self.flow.func, name) is not None

    def session_store(self, container: Node, target: Node, t: Taint | None) -> None:
        flow = self.flow
        if t is None or not t.live_for("session"):
            return
        name = dotted(self.src, container)
        if name is None:
            return
        qualified = flow.qualify(name)
        if not (qualified in ("flask.session", "quart.session") or name.endswith("request.session")):
            return
        real = [k for k in t.real_kinds if specs.kind_counts(k, "session")]
        step = flow.step(target, "stored in the session")
        if real:
            evidence = max(specs.KIND_EVIDENCE[k] for k in real) * 0.9
            flow.found.append(self.hit("SEC011", "session", target, "the session", t.step(step), evidence))
        elif t.params:
            flow.hits.append(self.hit("SEC011", "session", target, "the session", t.step(step), PARAM_EVIDENCE))


def _builds_string(src: bytes, node: Node) -> bool:
    kind = node.type
    if kind == "string":
        return any(c.type == "interpolation" for c in node.named_children)
    if kind == "binary_operator":
        return True
    return (
        kind == "call"
        and _is_str_method(src, node)
        and not text(src, node.child_by_field_name("function") or node).endswith("path.join")
    )


def _is_str_method(src: bytes, call: Node) -> bool:
    fn = call.child_by_field_name("function")
    if fn is None or fn.type != "attribute":
        return False
    attr = fn.child_by_field_name("attribute")
    return attr is not None and text(src, attr) in (
        "format",
        "join",
        "replace",
        "strip",
        "upper",
        "lower",
        "title",
        "encode",
    )


def _clean_class(src: bytes, pattern: Node) -> bool:
    return bool(CLEAN_CHARCLASS.match(text(src, pattern)))
