"""Guards: conditions that, when they hold, make a value safe inside the guarded code.

`if name in ALLOWED:` (allowlist), `if not path.startswith(base): abort(403)` after a
realpath (containment), `if urlparse(url).hostname not in HOSTS: return` (host check),
`if value.isdigit():`, `if re.fullmatch(PATTERN, value):`, `if not is_safe_url(url):`.
A guard that re-assigns instead of leaving (`if not is_safe_url(url): url = "/"`) needs no
case of its own: the interpreter joins the arm that made the value a constant with the arm
where the check held.
"""

from __future__ import annotations

from collections.abc import Callable

from tree_sitter import Node

from codie.analyzers.security.names import Source, dotted, text
from codie.analyzers.security.specs import ALL, GUARD_CALLS, GUARD_METHODS

# (variable, families made safe, only if the value was normalised first)
Clear = tuple[str, frozenset[str], bool]
PATH_LIKE = frozenset({"path", "redirect", "ssrf"})
LOCAL_URL = frozenset({"redirect", "ssrf"})
URL_HOST_PARTS = frozenset({"netloc", "hostname", "scheme"})
QUOTES = frozenset({"'", '"'})
QUOTED_FAMILIES = frozenset({"sql", "xpath"})
VALIDATOR_WORDS = ("valid", "safe", "allowed", "allowlist", "whitelist", "permitted", "trusted", "is_relative_to")


def mentioned(src: Source, node: Node) -> list[str]:
    """Variables an expression reads (`self.x` counts as one), excluding called names."""
    out: list[str] = []
    stack = [node]
    while stack:
        n = stack.pop()
        kind = n.type
        if kind == "identifier":
            out.append(text(src, n))
        elif kind == "attribute":
            name = dotted(src, n)
            if name is not None:
                out.append(name)
                out.append(name.split(".", 1)[0])
            else:
                obj = n.child_by_field_name("object")
                if obj is not None:
                    stack.append(obj)
        elif kind == "call":
            fn = n.child_by_field_name("function")
            if fn is not None and fn.type == "attribute":
                obj = fn.child_by_field_name("object")
                if obj is not None:
                    stack.append(obj)
            args = n.child_by_field_name("arguments")
            if args is not None:
                stack.append(args)
        elif kind == "keyword_argument":
            value = n.child_by_field_name("value")
            if value is not None:
                stack.append(value)
        elif kind not in ("string", "integer", "float", "lambda"):
            stack.extend(n.named_children)
    return out


def refine(src: Source, cond: Node, positive: bool, qualify: Callable[[str], str]) -> list[Clear]:
    """What holding (positive) or failing (not positive) `cond` proves safe."""
    kind = cond.type
    if kind == "parenthesized_expression" and cond.named_children:
        return refine(src, cond.named_children[0], positive, qualify)
    if kind == "not_operator":
        arg = cond.child_by_field_name("argument")
        return refine(src, arg, not positive, qualify) if arg is not None else []
    if kind == "boolean_operator":
        op = cond.child_by_field_name("operator")
        left, right = cond.child_by_field_name("left"), cond.child_by_field_name("right")
        if op is None or left is None or right is None:
            return []
        # `a and b` holding proves both; `a or b` failing proves both failed
        if (op.type == "and") == positive:
            return refine(src, left, positive, qualify) + refine(src, right, positive, qualify)
        # `a and b` failing (`a or b` holding) proves one of them: what both would prove
        # (`if parts.netloc and parts.netloc != HOST: abort()` leaves a local or own URL)
        return _common(refine(src, left, positive, qualify), refine(src, right, positive, qualify))
    if kind == "comparison_operator":
        return _comparison(src, cond, positive)
    if kind == "call" and positive:
        return _predicate(src, cond, qualify)
    if kind in ("identifier", "attribute") and not positive:
        # `if next_url or ...:` failing: the value is empty or None, it carries no payload
        name = text(src, cond) if kind == "identifier" else dotted(src, cond)
        falsy = [(name, ALL, False)] if name is not None else []
        return falsy + (_no_host(src, cond) if kind == "attribute" else [])
    return []


def _common(first: list[Clear], second: list[Clear]) -> list[Clear]:
    out: list[Clear] = []
    for var, families, normalized in first:
        for other_var, other_families, other_normalized in second:
            if var == other_var and families & other_families:
                out.append((var, families & other_families, normalized or other_normalized))
    return out


def _no_host(src: Source, cond: Node) -> list[Clear]:
    """`if urlparse(url).netloc: return`: past it the URL names no host (a local path)."""
    attr = cond.child_by_field_name("attribute")
    obj = cond.child_by_field_name("object")
    if attr is None or obj is None or text(src, attr) not in URL_HOST_PARTS:
        return []
    if obj.type == "call":
        fn = obj.child_by_field_name("function")
        if fn is None or not text(src, fn).endswith(("urlparse", "urlsplit")):
            return []
    elif obj.type != "identifier":
        return []
    return [(v, LOCAL_URL, False) for v in mentioned(src, obj)]


def _comparison(src: Source, cond: Node, positive: bool) -> list[Clear]:
    operands = [c for c in cond.named_children if c.type != "comment"]
    ops = [c for c in cond.children if not c.is_named or c.type in ("not in", "is not")]
    ops = [o for o in ops if o.type not in ("(", ")")]
    if len(operands) != 2 or len(ops) != 1:
        return []
    op = ops[0].type
    left, right = operands
    holds = op in ("in", "==", "is")
    fails = op in ("not in", "!=", "is not")
    if left.type == "string" and ".." in text(src, left) and op in ("in", "not in") and ((op == "in") != positive):
        # `if ".." in name: abort()`: past the check the name has no parent reference
        return [(v, frozenset({"path"}), False) for v in mentioned(src, right)]
    if op in ("in", "not in") and ((op == "in") != positive) and _quote(src, left):
        # `if "'" in name: return`: past it the value cannot close a quoted literal
        return [(v, QUOTED_FAMILIES, False) for v in mentioned(src, right)]
    if (holds and positive) or (fails and not positive):
        if op in ("in", "not in"):
            return [(v, ALL, False) for v in mentioned(src, left)]
        clears: list[Clear] = []
        for side, other in ((left, right), (right, left)):
            if _is_commonpath(src, side):
                clears += [(v, PATH_LIKE, True) for v in mentioned(src, side)]
            elif other.type in (
                "string",
                "integer",
                "none",
                "true",
                "false",
                "identifier",
                "attribute",
            ) and not _is_commonpath(src, other):
                clears += [(v, ALL, False) for v in mentioned(src, side)]
        return clears
    return []


def _quote(src: Source, node: Node) -> bool:
    """A string literal that is one quote character."""
    if node.type != "string":
        return False
    content = "".join(text(src, c) for c in node.named_children if c.type in ("string_content", "escape_sequence"))
    return content.replace("\\", "") in QUOTES


def _is_commonpath(src: Source, node: Node) -> bool:
    if node.type != "call":
        return False
    fn = node.child_by_field_name("function")
    return fn is not None and text(src, fn).endswith(("commonpath", "commonprefix"))


def _predicate(src: Source, call: Node, qualify: Callable[[str], str]) -> list[Clear]:
    fn = call.child_by_field_name("function")
    args = call.child_by_field_name("arguments")
    if fn is None or args is None:
        return []
    positional = [a for a in args.named_children if a.type not in ("keyword_argument", "comment")]
    # `url_has_allowed_host_and_scheme(url=next_url, ...)`: keyword values are checked too
    keyword_values = [
        v
        for a in args.named_children
        if a.type == "keyword_argument" and (v := a.child_by_field_name("value")) is not None
    ]
    if fn.type == "attribute":
        method_node = fn.child_by_field_name("attribute")
        receiver = fn.child_by_field_name("object")
        method = text(src, method_node) if method_node is not None else ""
        if receiver is not None:
            if method in GUARD_METHODS:
                return [(v, ALL, False) for v in mentioned(src, receiver)]
            if method in ("startswith", "is_relative_to"):
                constant_root = (
                    bool(positional)
                    and positional[0].type == "string"
                    and text(src, positional[0]).strip("'\"rbuf").startswith(("/", "http"))
                )
                # `os.path.realpath(p).startswith(base)` normalises inside the check
                inline = receiver.type == "call" and text(src, receiver).split("(", 1)[0].endswith(
                    ("realpath", "abspath", "normpath", "resolve")
                )
                clears = [(v, PATH_LIKE, not inline) for v in mentioned(src, receiver)]
                if constant_root and not text(src, positional[0]).strip("'\"rbuf").startswith("//"):
                    # `url.startswith("/")`: a local path, not another host
                    clears += [(v, frozenset({"redirect", "ssrf"}), False) for v in mentioned(src, receiver)]
                return clears
    name = dotted(src, fn)
    if name is None:
        return []
    qualified = qualify(name)
    families = GUARD_CALLS.get(qualified)
    if families is None and fn.type == "attribute":
        families = GUARD_CALLS.get("*." + qualified.rsplit(".", 1)[-1])
    if families is None and any(w in qualified.rsplit(".", 1)[-1].lower() for w in VALIDATOR_WORDS):
        families = ALL
    if not families:
        return []
    if qualified in ("re.match", "re.fullmatch") or qualified.endswith(("match", "fullmatch")):
        targets = positional[1:2] if qualified.startswith("re.") else positional[:1]
    elif qualified == "isinstance":
        targets = positional[:1]
        if len(positional) < 2 or not any(t in text(src, positional[1]) for t in ("int", "float", "bool", "UUID")):
            return []
    else:
        targets = positional + keyword_values[:1]
    return [(v, families, False) for t in targets for v in mentioned(src, t)]
