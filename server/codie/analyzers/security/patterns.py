"""Pattern rules: dangerous settings and weak primitives, one top-level statement at a time.

These need no data flow: `verify=False` is wrong whatever flows into the call. Where
intent matters (MD5 for a checksum is fine, for a password it is not) the names around
the call decide, and the evidence says so.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterator, Sequence
from typing import ClassVar

from tree_sitter import Node, Tree

from codie.analyzers.alternation import compile_alternation
from codie.analyzers.security.chunks import ChunkCache
from codie.analyzers.security.names import Imports, Kept, collect_imports, dotted, text
from codie.analyzers.security.pattern_words import (
    ALL_INTERFACES,
    ASSERT_SECURITY,
    CANDIDATES,
    COOKIE_SETTINGS,
    PREFILTER,
    RANDOM_FUNCS,
    REQUESTS_CALLS,
    SETTINGS_FILE,
    TEST_FILE,
    TOKEN_SHAPE,
    WEAK_ATTRS,
    WEAK_CIPHER_NAMES,
    WEAK_HASHES,
    security_words,
)
from codie.analyzers.security.secrets import hits_by_node
from codie.core.analyzer import Analyzer, Context
from codie.core.document import Document
from codie.core.findings import Finding, Fix, TextEdit


class PatternAnalyzer:
    name: ClassVar[str] = "security-patterns"
    languages: ClassVar[frozenset[str]] = frozenset({"python"})
    incremental: ClassVar[bool] = True
    deferred: ClassVar[bool] = False
    # the relevant imports of the last Imports seen (collect_imports keeps the same object
    # while the import lines are unchanged)
    _last_relevant: tuple[Imports, frozenset[tuple[str, str]]] | None
    _last_context: tuple[Tree, bytes, str, Hashable] | None

    def file_context(self, ctx: Context) -> Hashable:
        """What a statement's findings depend on besides its own text: the imports that can
        change a finding (`md5(x)` is a weak hash only under `from hashlib import md5`, see
        relevant_imports), whether `secrets` is imported and where an `import secrets` would
        go (a fix adds it), where the file is, and whether it is a module of default
        settings. The engine analyses every statement again when it changes: typing in an
        import line that changes none of these costs nothing."""
        doc = ctx.doc
        if doc.tree is None:
            return None
        last = self._last_context
        # (asked by the engine once per step and by analyze() once per statement)
        if last is not None and last[0] is doc.tree and last[1] is doc.source and last[2] == doc.uri:
            return last[3]
        imports, _ = self._module(doc.tree, doc.source, doc.kept_from)
        has_secrets = "secrets" in imports.modules
        context = (
            self._relevant(imports),
            has_secrets,
            -1 if has_secrets else self._fix_import_at(doc),
            bool(TEST_FILE.search(doc.uri)),
            bool(SETTINGS_FILE.search(doc.uri)),
            self._defaults_module(doc.tree, doc.source),
        )
        self._last_context = (doc.tree, doc.source, doc.uri, context)
        return context

    def _fix_import_at(self, doc: Document) -> int:
        """Where a fix would add `import secrets` (header_end), in the context only while the
        file has a call whose fix adds it: typing in the imports moves that place with every
        keystroke, and a file without such a call must not be analysed again for it. The file
        is searched for such calls only when the place moved: while it stays, the findings'
        fixes point to it whatever the context says (FIX_ADDS_SECRETS)."""
        at = header_end(doc.tree.root_node) if doc.tree is not None else 0
        last = self._fix_places.get(doc.uri)
        if last is not None and last[0] == at:
            return last[1]
        value = at if FIX_ADDS_SECRETS.search(doc.source) else -1
        if len(self._fix_places) >= MAX_DOCUMENTS:
            self._fix_places.pop(next(iter(self._fix_places)))
        self._fix_places[doc.uri] = (at, value)
        return value

    def _relevant(self, imports: Imports) -> frozenset[tuple[str, str]]:
        last = self._last_relevant
        if last is not None and last[0] is imports:
            return last[1]
        found = relevant_imports(imports)
        self._last_relevant = (imports, found)
        return found

    def analyze(self, ctx: Context, nodes: Sequence[Node]) -> Iterator[Finding]:
        doc = ctx.doc
        if doc.tree is None:
            return
        src = doc.source
        imports, pattern = self._module(doc.tree, src, doc.kept_from)
        defaults = self._defaults_module(doc.tree, src)
        yield from self._cache.run(
            src, nodes, self.file_context(ctx), lambda chunks: self._scan(ctx, chunks, imports, pattern, defaults)
        )

    def _scan(
        self, ctx: Context, nodes: Sequence[Node], imports: Imports, pattern: re.Pattern[bytes], defaults: bool
    ) -> Iterator[Finding]:
        check: _Check | None = None
        for top, matches in hits_by_node(pattern, ctx.doc.source, nodes):
            if check is None:
                check = _Check(ctx, imports, defaults)
            yield from check.visit(top, matches)

    def __init__(self) -> None:
        # imports and the candidate pattern of the last tree seen: the engine calls this
        # analyzer once per dirty statement, and the imports rarely change
        # (the tree is kept, so `is` cannot be fooled by a recycled id)
        self._last: tuple[Tree, bytes, Imports, re.Pattern[bytes]] | None = None
        self._last_defaults: tuple[Tree, bytes, bool] | None = None
        self._last_relevant = None
        self._last_context = None
        # per document: (where its header ended, what the context said of it) when last asked
        self._fix_places: dict[str, tuple[int, int]] = {}
        self._cache = ChunkCache()

    def _module(self, tree: Tree, src: bytes, kept: Kept = None) -> tuple[Imports, re.Pattern[bytes]]:
        last = self._last
        if last is not None and last[0] is tree and last[1] is src:
            return last[2], last[3]
        imports = collect_imports(src, tree.root_node, kept)  # cached while import lines stay
        if last is not None and last[2] is imports:
            self._last = (tree, src, imports, last[3])
            return imports, last[3]
        # `import requests as rq`, `from hashlib import md5 as h`: the statement may name
        # the API only through its alias
        aliases = [a.encode() for a, full in imports.aliases.items() if a != full and PREFILTER.search(full.encode())]
        pattern = (
            PREFILTER
            if not aliases
            else compile_alternation(CANDIDATES + rb"|\b(?:" + b"|".join(map(re.escape, aliases)) + rb")\b")
        )
        self._last = (tree, src, imports, pattern)
        return imports, pattern

    def _defaults_module(self, tree: Tree, src: bytes) -> bool:
        last = self._last_defaults
        if last is not None and last[0] is tree and last[1] is src:
            return last[2]
        verdict = defaults_module(tree.root_node)
        self._last_defaults = (tree, src, verdict)
        return verdict


def header_end(root: Node) -> int:
    """Where the file's header (docstring, comments, imports at the top) ends: 0 if none."""
    offset = 0
    # sibling by sibling: `root.children` would list every statement of the file
    child = root.child(0) if root.child_count else None
    while child is not None:
        if child.type in ("import_statement", "import_from_statement", "comment") or (
            child.type == "expression_statement"
            and offset == 0
            and child.named_children
            and child.named_children[0].type == "string"
        ):
            offset = child.end_byte
            child = child.next_sibling
            continue
        break
    return offset


MAX_DOCUMENTS = 256  # documents whose fix place is remembered (a bound, oldest out)
# The fix of SEC021 on `random.choice(...)` / `random.getrandbits(...)` adds `import secrets`
FIX_ADDS_SECRETS = re.compile(rb"random\.(?:choice|getrandbits)\b")
# Modules and names the rules compare qualified names with (`_Check.call`, `.attribute`,
# `.fresh_random`): exact modules, the words of the cipher/protocol/curve tables, and the
# `rsa`/`dsa` a key generation's name is searched for.
RELEVANT_IMPORT = re.compile(
    r"(?:^|\.)(?:os|secrets|hashlib|Crypto|Cryptodome|cryptography|random|ssl|tempfile|requests|jinja2)(?:\.|$)"
    r"|DES|ARC[24]|Blowfish|CAST|XOR|IDEA|SEED|ECB|PROTOCOL_|_METHOD|SECP192|SECT163|algorithms|modes"
    r"|(?i:rsa|dsa)"
)


def relevant_imports(imports: Imports) -> frozenset[tuple[str, str]]:
    """The import aliases that can change a finding of the pattern rules. A rule reads an
    import only through `Imports.qualify` (and the candidate pattern, built from aliases
    whose target has a candidate word). `import x` (x -> x) qualifies nothing differently.
    `from x import y` (y -> x.y) keeps the last name of every call (`y(...)`, `y.z(...)`),
    so it matters only when `x.y`, or `y` as a name of its own, is one the rules compare
    (RELEVANT_IMPORT, PREFILTER). A renamed import (`as z`) may change that last name: it
    always counts. Conservative: an alias kept here may change nothing."""
    kept = set()
    for alias, full in imports.aliases.items():
        if alias == full:
            continue
        if (
            alias != full.rsplit(".", 1)[-1]
            or RELEVANT_IMPORT.search(alias)
            or RELEVANT_IMPORT.search(full)
            or PREFILTER.search(alias.encode())
            or PREFILTER.search(full.encode())
        ):
            kept.add((alias, full))
    return frozenset(kept)


def _exits(if_stmt: Node) -> bool:
    """`if cond: return ...` / `raise`: the code after it runs only when cond failed."""
    body = if_stmt.child_by_field_name("consequence")
    if body is None or not body.named_children:
        return False
    return body.named_children[-1].type in ("return_statement", "raise_statement")


def defaults_module(root: Node) -> bool:
    """A module of default settings: its top level is (almost) only UPPER_CASE constants,
    many of them left unset (None, "", [], {}). Such a module declares every option of a
    framework or library for a project's own settings to override (Django's
    `global_settings`, a split configuration's base module): a value in it is what a
    deployment starts from, not what it runs with. A project's settings set what they use
    and leave few values empty."""
    settings = unset = other = 0
    remaining = root.named_child_count
    for child in _named_children(root):  # (lazily: an ordinary module is told after a few)
        remaining -= 1
        if child.type in ("comment", "import_statement", "import_from_statement", "future_import_statement"):
            continue
        inner = child.named_children[0] if child.type == "expression_statement" and child.named_children else None
        if inner is not None and inner.type == "string":
            continue  # a docstring
        left = inner.child_by_field_name("left") if inner is not None and inner.type == "assignment" else None
        right = inner.child_by_field_name("right") if inner is not None and inner.type == "assignment" else None
        if left is not None and left.type == "identifier" and UPPER_NAME.match(left.text or b""):
            settings += 1
            if right is not None and (
                right.type == "none"
                or (right.type in ("list", "dictionary", "tuple") and not right.named_children)
                or (right.type == "string" and not any(c.type == "string_content" for c in right.children))
            ):
                unset += 1
        else:
            other += 1
            # the settings can be 80% of the statements only if they are 4x the others: once
            # the statements left cannot get there, the answer is known (an ordinary module
            # is told after a few of its statements, not all of them, on every keystroke)
            if settings + remaining < 4 * other:
                return False
    return settings >= 10 and settings >= 0.8 * (settings + other) and unset >= 0.25 * settings


UPPER_NAME = re.compile(rb"^[A-Z][A-Z0-9_]*$")


def _named_children(node: Node) -> Iterator[Node]:
    """node.named_children one at a time (that property makes every child's Node object
    first: 700 of them on every keystroke of the 6,862-line benchmark file)."""
    cursor = node.walk()
    if not cursor.goto_first_child():
        return
    while True:
        child = cursor.node
        if child is not None and child.is_named:
            yield child
        if not cursor.goto_next_sibling():
            return


class _Check:
    def __init__(self, ctx: Context, imports: Imports, defaults: bool = False) -> None:
        self.ctx = ctx
        self.defaults = defaults
        self.src = ctx.doc.source
        self.imports = imports
        self.in_tests = bool(TEST_FILE.search(ctx.doc.uri))
        self.settings_file = bool(SETTINGS_FILE.search(ctx.doc.uri))

    def visit(self, top: Node, matches: list[tuple[int, int]]) -> Iterator[Finding]:
        """From each candidate word up to the call, assignment or assert around it."""
        seen: set[tuple[int, int, str]] = set()
        for start, end in matches:
            node: Node | None = top.descendant_for_byte_range(start, end)
            found_call = found_assign = False
            while node is not None and not (found_call and found_assign):
                kind = node.type
                key = (node.start_byte, node.end_byte, kind)
                if kind in ("call", "assignment", "assert_statement", "attribute") and key not in seen:
                    seen.add(key)
                    if kind == "call" and not found_call:
                        yield from self.call(node)
                    elif kind == "assignment" and not found_assign:
                        yield from self.assignment(node)
                    elif kind == "assert_statement" and not self.in_tests:
                        yield from self.assertion(node)
                    elif kind == "attribute" and not found_call:
                        yield from self.attribute(node)
                found_call = found_call or kind == "call"
                found_assign = found_assign or kind == "assignment"
                if kind in ("block", "module", "function_definition", "class_definition") or node == top:
                    break
                node = node.parent

    # ------------------------------------------------------------------------ helpers
    def t(self, node: Node) -> str:
        return text(self.src, node)

    def kwargs(self, call: Node) -> tuple[list[Node], dict[str, Node], bool]:
        args = call.child_by_field_name("arguments")
        positional: list[Node] = []
        keywords: dict[str, Node] = {}
        splat = False
        for a in args.named_children if args is not None else []:
            if a.type == "keyword_argument":
                k, v = a.child_by_field_name("name"), a.child_by_field_name("value")
                if k is not None and v is not None:
                    keywords[self.t(k)] = v
            elif a.type == "dictionary_splat":
                splat = True
            elif a.type != "comment":
                positional.append(a)
        return positional, keywords, splat

    def context_text(self, node: Node) -> str:
        """The statement around a call and the name of its function: what the value is for."""
        stmt = node
        while stmt.parent is not None and stmt.parent.type not in ("block", "module"):
            stmt = stmt.parent
        parts = [self.t(stmt)[:300]]
        func = stmt.parent
        while func is not None and func.type != "function_definition":
            func = func.parent
        if func is not None:
            name = func.child_by_field_name("name")
            if name is not None:
                parts.append(self.t(name))
        return " ".join(parts)

    def weak_use(self, call: Node, shape: bool) -> tuple[float, list[str]]:
        """Evidence that a weak hash or random value protects something. Every use is
        reported; what the code around it does (and says) only moves the confidence:
        the statement, the data later fed to the same hash object (`h.update(secret)`),
        the enclosing function's name, and (for random) a token-shaped result."""
        context = self.context_text(call) + " " + self.fed_to(call)
        words = security_words(context)
        if words:
            evidence, notes = 0.75, [f"the code around it names {', '.join(sorted(set(words)))}"]
        elif shape and TOKEN_SHAPE.search(self.t(self.statement(call))):
            evidence, notes = 0.6, ["it builds a random string or identifier"]
        else:
            evidence, notes = 0.1, ["nothing around the call says the value protects anything"]
        if self.in_tests:
            evidence = min(evidence, 0.1)
            notes.append("in a test file")
        return evidence, notes

    def verifies_with(self, node: Node) -> bool:
        """`public_key.verify(signature, data, hashes.SHA1())`: the hash is an argument of a
        signature check (cryptography's `verify`), not of a signing or digest call."""
        args = node.parent
        call = args.parent if args is not None and args.type == "argument_list" else None
        fn = call.child_by_field_name("function") if call is not None and call.type == "call" else None
        attr = fn.child_by_field_name("attribute") if fn is not None and fn.type == "attribute" else None
        return attr is not None and self.t(attr) == "verify"

    def fresh_random(self, node: Node) -> bool:
        """`os.urandom(64)`, `secrets.token_bytes()`: bytes from the OS's CSPRNG, nothing else."""
        if node.type != "call":
            return False
        fn = node.child_by_field_name("function")
        name = dotted(self.src, fn) if fn is not None else None
        return name is not None and self.imports.qualify(name) in CSPRNG_BYTES

    def algorithm(self, node: Node, call: Node) -> str:
        """The algorithm `hashlib.new` is given: a literal, a parameter's default
        (`def digest(data, algorithm="md5")`: what callers get unless they choose), or a
        module-level constant."""
        if node.type == "string":
            return self.t(node).strip("'\"").lower()
        if node.type != "identifier":
            return ""
        name = self.t(node)
        scope = call.parent
        while scope is not None and scope.type not in ("function_definition", "lambda"):
            scope = scope.parent
        params = scope.child_by_field_name("parameters") if scope is not None else None
        for p in params.named_children if params is not None else []:
            ident = p.child_by_field_name("name")
            if ident is not None and self.t(ident) == name:
                value = p.child_by_field_name("value")
                return self.algorithm(value, call) if value is not None and value.type == "string" else ""
        if scope is not None and self.assigns(scope, name):
            return ""  # a local variable: its value is not known here
        root = call
        while root.parent is not None:
            root = root.parent
        for stmt in root.named_children:
            assign = stmt.named_children[0] if stmt.type == "expression_statement" and stmt.named_children else None
            if assign is None or assign.type != "assignment":
                continue
            left, right = assign.child_by_field_name("left"), assign.child_by_field_name("right")
            if left is not None and right is not None and right.type == "string" and self.t(left) == name:
                return self.t(right).strip("'\"").lower()
        return ""

    def assigns(self, scope: Node, name: str) -> bool:
        body = scope.child_by_field_name("body")
        return body is not None and re.search(rf"\b{re.escape(name)}\s*=[^=]", self.t(body)) is not None

    def statement(self, node: Node) -> Node:
        while node.parent is not None and node.parent.type not in ("block", "module"):
            node = node.parent
        return node

    def fed_to(self, call: Node) -> str:
        """`h = hashlib.md5()` ... `h.update(data)`: the text of what is fed to `h`."""
        stmt = self.statement(call)
        target = None
        if stmt.type == "expression_statement" and stmt.named_children and stmt.named_children[0].type == "assignment":
            left = stmt.named_children[0].child_by_field_name("left")
            if left is not None and left.type == "identifier":
                target = self.t(left)
        if target is None or stmt.parent is None:
            return ""
        fed = []
        for sibling in stmt.parent.named_children:
            if sibling.start_byte > stmt.start_byte:
                line = self.t(sibling)[:300]
                if line.startswith(f"{target}.update("):
                    fed.append(line)
        return " ".join(fed)

    def conditional(self, node: Node) -> bool:
        """Is `node` under a condition or after an early exit in its function? Then a
        weakened TLS setting is an option the caller chose (`if not verify_certs:`)."""
        child, parent = node, node.parent
        while parent is not None and parent.type not in ("function_definition", "module", "class_definition"):
            if parent.type in ("if_statement", "elif_clause", "else_clause", "conditional_expression"):
                return True
            if parent.type == "block":
                for sibling in parent.named_children:
                    if sibling.start_byte >= child.start_byte:
                        break
                    if sibling.type == "if_statement" and _exits(sibling):
                        return True
            child, parent = parent, parent.parent
        return False

    def remove_keyword(self, call: Node, key: str) -> Fix | None:
        args = call.child_by_field_name("arguments")
        if args is None:
            return None
        items = [a for a in args.named_children if a.type != "comment"]
        for i, a in enumerate(items):
            name = a.child_by_field_name("name") if a.type == "keyword_argument" else None
            if name is not None and self.t(name) == key:
                start = items[i - 1].end_byte if i > 0 else a.start_byte
                end = a.end_byte if i > 0 or len(items) == 1 else items[i + 1].start_byte
                return Fix(f"Remove `{self.t(a)}`", (TextEdit(start, end, ""),), safe=False)
        return None

    def add_keywords(self, call: Node, extra: str, title: str) -> Fix | None:
        args = call.child_by_field_name("arguments")
        if args is None or args.type != "argument_list":
            return None
        close = args.end_byte - 1
        items = [a for a in args.named_children if a.type != "comment"]
        if items:
            return Fix(title, (TextEdit(items[-1].end_byte, items[-1].end_byte, ", " + extra),))
        return Fix(title, (TextEdit(close, close, extra),))

    # ------------------------------------------------------------------------ calls
    def call(self, call: Node) -> Iterator[Finding]:
        fn = call.child_by_field_name("function")
        if fn is None:
            return
        name = dotted(self.src, fn)
        if name is None:
            return
        q = self.imports.qualify(name)
        method = q.rsplit(".", 1)[-1]
        positional, keywords, splat = self.kwargs(call)
        ctx = self.ctx
        # SEC020 weak hash
        algo = method.lower() if q.startswith("hashlib.") else ""
        if q == "hashlib.new":
            named = positional[0] if positional else keywords.get("name")
            algo = self.algorithm(named, call) if named is not None else ""
        if q.startswith(("Crypto.Hash.", "Cryptodome.Hash.")) and method == "new":
            algo = q.split(".")[-2].lower()
        if q.startswith("cryptography.hazmat.primitives.hashes.") and method in ("MD5", "SHA1"):
            algo = method.lower()
        parent = call.parent
        size_only = (
            parent is not None
            and parent.type == "attribute"
            and self.t(parent).endswith((".digest_size", ".block_size", ".name"))
        )  # `sha1().digest_size` hashes nothing
        if algo in WEAK_HASHES and not size_only:
            used_for = keywords.get("usedforsecurity")
            if used_for is None or self.t(used_for) != "False":
                evidence, notes = self.weak_use(call, shape=False)
                data = (positional[1:2] if q == "hashlib.new" else positional[:1]) or [
                    keywords[k] for k in ("data", "string") if k in keywords
                ]
                if self.verifies_with(call):
                    # NIST SP 800-131A: SHA-1 (and older) signature *verification* is legacy
                    # use, allowed: the signer chose the hash, the protocol fixes it
                    evidence = min(evidence, 0.1)
                    notes = ["it names the hash a signature is verified with (legacy use, not signing)"]
                elif data and self.fresh_random(data[0]):
                    # collisions and preimages need inputs an attacker knows or chooses:
                    # the digest of fresh random bytes is as unpredictable as they are
                    evidence = min(evidence, 0.05)
                    notes = [f"it hashes fresh random bytes (`{self.t(data[0])[:40]}`) only"]
                message = (
                    (f"`{algo.upper()}` protects a security value; it is broken for that use")
                    if evidence >= 0.5
                    else (
                        f"`{algo.upper()}` is broken for security uses; if this digest protects "
                        "nothing, say so with `usedforsecurity=False`"
                    )
                )
                yield ctx.report("SEC020", call, message=message, evidence=evidence, notes=notes)
        # SEC021 weak random
        if q.startswith("random.") and method in RANDOM_FUNCS:
            evidence, notes = self.weak_use(call, shape=True)
            fix = None
            if name in ("random.choice", "random.getrandbits"):
                new = "secrets.choice" if method == "choice" else "secrets.randbits"
                fix = Fix(
                    f"Use `{new}`",
                    (TextEdit(fn.start_byte, fn.end_byte, new), *self.import_edit("secrets")),
                    safe=False,
                )
            message = (
                f"`random.{method}` makes a security value; it is predictable"
                if evidence >= 0.5
                else f"`random.{method}` is predictable; use `secrets` if the value protects anything"
            )
            yield ctx.report("SEC021", call, message=message, evidence=evidence, fix=fix, notes=notes)
        # SEC022 cookies
        response_cookie = len(positional) >= 2 or bool(
            {"value", "max_age", "expires", "secure", "httponly", "samesite"} & set(keywords)
        )
        deletion = (
            any(k in keywords and self.t(keywords[k]) in ("0", "-1") for k in ("max_age", "expires_days"))
            or method == "delete_cookie"
        )
        if method == "set_cookie" and not splat and response_cookie and not deletion:
            missing = [
                k for k in ("secure", "httponly") if k not in keywords or self.t(keywords[k]) in ("False", "None", "0")
            ]
            if missing:
                absent = [k for k in missing if k not in keywords]
                fix = None
                if len(absent) == len(missing):
                    fix = self.add_keywords(
                        call,
                        ", ".join(f"{k}=True" for k in absent),
                        "Add " + " and ".join(f"`{k}=True`" for k in absent),
                    )
                yield ctx.report(
                    "SEC022",
                    call,
                    message="Cookie set without " + " and ".join(f"`{k}=True`" for k in missing),
                    evidence=0.1 if self.in_tests else 0.65,
                    fix=fix,
                )
        # settings passed as keywords: `app.config.update(SESSION_COOKIE_SECURE=False)`
        if method in ("update", "from_mapping", "configure", "Flask"):
            for key, value in keywords.items():
                if key in COOKIE_SETTINGS and self.t(value) == "False":
                    yield ctx.report(
                        "SEC022",
                        value,
                        message=f"`{key}` is off",
                        evidence=0.7,
                        fix=Fix(
                            f"Set `{key}` to True", (TextEdit(value.start_byte, value.end_byte, "True"),), safe=False
                        ),
                    )
                if key == "DEBUG" and self.t(value) == "True":
                    yield ctx.report("SEC025", value, message="Debug mode is on", evidence=0.7)
        # SEC023 TLS verification off
        verify = keywords.get("verify")
        if verify is not None and self.t(verify) in ("False", "0"):
            yield ctx.report(
                "SEC023",
                verify.parent or call,
                message="TLS certificate verification is turned off (`verify=False`)",
                evidence=self.tls_evidence(call, 0.8),
                fix=self.remove_keyword(call, "verify"),
            )
        if q == "ssl._create_unverified_context":
            yield ctx.report(
                "SEC023",
                call,
                message="An SSL context without certificate verification",
                evidence=0.8,
                fix=Fix(
                    "Use `ssl.create_default_context()`",
                    (
                        TextEdit(
                            fn.start_byte,
                            fn.end_byte,
                            name.replace("_create_unverified_context", "create_default_context"),
                        ),
                    ),
                    safe=False,
                ),
            )
        # SEC025 debug mode
        debug = keywords.get("debug") or keywords.get("use_debugger")
        if method in ("run", "run_simple") and debug is not None and self.t(debug) == "True":
            yield ctx.report(
                "SEC025",
                debug.parent or call,
                message="The app runs with the debugger on",
                evidence=0.8,
                fix=self.remove_keyword(call, "debug" if "debug" in keywords else "use_debugger"),
            )
        # SEC026 temp files
        if q == "tempfile.mktemp":
            yield ctx.report(
                "SEC026",
                call,
                message="`tempfile.mktemp` is racy; another process can create the file first",
                evidence=0.8,
            )
        for arg in positional[:2]:
            if (
                arg.type == "string"
                and re.match(
                    r"^[rbfuRBFU]*['\"]{1,3}/(?:var/)?tmp/|"
                    r"^[rbfuRBFU]*['\"]{1,3}/dev/shm/",
                    self.t(arg),
                )
                and not self.in_tests
            ):
                yield ctx.report("SEC026", arg, message="A fixed path in a shared temporary folder", evidence=0.45)
        # SEC027 weak ciphers and key sizes
        if WEAK_CIPHER_NAMES.search(q):
            yield ctx.report("SEC027", call, message=f"`{name}` is a weak cipher or mode", evidence=0.8)
        if method in ("generate_private_key", "generate") and ("rsa" in q.lower() or "dsa" in q.lower()):
            size = (
                keywords.get("key_size")
                or keywords.get("bits")
                or (
                    positional[0]
                    if method == "generate" and positional
                    else positional[1]
                    if len(positional) > 1
                    else None
                )
            )
            if size is not None and size.type == "integer" and int(self.t(size), 0) < 2048:
                yield ctx.report(
                    "SEC027",
                    size,
                    message=f"A {self.t(size)}-bit key is too short; use at least 2048 bits",
                    evidence=0.85,
                )
        if q in ("ssl.wrap_socket",):
            yield ctx.report(
                "SEC027", call, message="`ssl.wrap_socket` uses weak defaults and no hostname check", evidence=0.6
            )
        # SEC028 bind all interfaces
        host = keywords.get("host")
        if (
            host is not None
            and host.type == "string"
            and self.t(host).strip("'\"") in ALL_INTERFACES - {""}
            and method in ("run", "serve", "run_simple", "Server", "make_server", "start_server", "Config")
        ):
            yield ctx.report(
                "SEC028", host.parent or call, message="The server listens on every network interface", evidence=0.6
            )
        if (
            positional
            and positional[0].type == "tuple"
            and (method == "bind" or method.endswith("Server") or method == "make_server")
        ):
            first = positional[0].named_children[:1]
            if first and first[0].type == "string" and self.t(first[0]).strip("'\"") in ALL_INTERFACES:
                yield ctx.report(
                    "SEC028", positional[0], message="The socket listens on every network interface", evidence=0.55
                )
        # SEC029 requests without timeout
        if q in REQUESTS_CALLS and "timeout" not in keywords and not splat:
            yield ctx.report(
                "SEC029",
                call,
                message=f"`{name}` without a timeout can hang forever",
                evidence=0.7,
                fix=self.add_keywords(call, "timeout=10", "Add `timeout=10`"),
            )
        # SEC005 jinja2 without autoescape
        if q in ("jinja2.Environment", "jinja2.Template") and not splat:
            auto = keywords.get("autoescape")
            if (auto is None and q == "jinja2.Environment") or (
                auto is not None and self.t(auto) in ("False", "None", "0")
            ):
                fix = (
                    self.add_keywords(call, "autoescape=True", "Turn on autoescaping")
                    if auto is None
                    else Fix("Turn on autoescaping", (TextEdit(auto.start_byte, auto.end_byte, "True"),), safe=False)
                )
                # the rule's prior is that of a traced flow (low on real code); a template
                # engine set up without escaping is a pattern of its own, weighed to stay shown
                yield ctx.report(
                    "SEC005", call, message="Jinja2 renders without HTML autoescaping", evidence=0.87, fix=fix
                )
        # SEC008 XML parser that resolves external entities
        resolve = keywords.get("resolve_entities")
        if method == "XMLParser" and resolve is not None and self.t(resolve) == "True":
            yield ctx.report("SEC008", call, message="The XML parser resolves external entities", evidence=0.75)
        if (
            method == "setFeature"
            and len(positional) == 2
            and "external" in self.t(positional[0])
            and self.t(positional[1]) in ("True", "1")
        ):
            yield ctx.report(
                "SEC008", call, message="External entities are turned on for this XML parser", evidence=0.75
            )

    def import_edit(self, module: str) -> tuple[TextEdit, ...]:
        """Add `import module` after the file's header (see file_context: only `secrets`)."""
        if module in self.imports.modules:
            return ()
        offset = header_end(self.ctx.doc.tree.root_node) if self.ctx.doc.tree is not None else 0
        return (TextEdit(offset, offset, f"import {module}\n" if offset == 0 else f"\nimport {module}"),)

    # ------------------------------------------------------------------------ statements
    def assignment(self, node: Node) -> Iterator[Finding]:
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if left is None or right is None:
            return
        target = self.t(left)
        value = self.t(right)
        key = target.rsplit(".", 1)[-1].strip("[]'\" ")
        if left.type == "subscript":
            sub = left.child_by_field_name("subscript")
            key = self.t(sub).strip("'\"") if sub is not None else key
        # a top-level constant of a module of default settings is what projects override
        declared_default = (
            self.defaults
            and node.parent is not None
            and node.parent.parent is not None
            and (node.parent.parent.type == "module")
        )
        default_note = ["a module of default settings declares it, for a project's settings to override"]
        if key in COOKIE_SETTINGS and value == "False":
            yield self.ctx.report(
                "SEC022",
                right,
                message=f"`{key}` is off",
                evidence=0.25 if declared_default else 0.7,
                notes=default_note if declared_default else (),
                fix=Fix(f"Set `{key}` to True", (TextEdit(right.start_byte, right.end_byte, "True"),), safe=False),
            )
        if key == "verify" and value == "False" and left.type == "attribute":
            yield self.ctx.report(
                "SEC023",
                node,
                message="TLS certificate verification is turned off for this session",
                evidence=self.tls_evidence(node, 0.75),
            )
        if key == "check_hostname" and value == "False":
            yield self.ctx.report(
                "SEC023", node, message="Hostname checking is turned off", evidence=self.tls_evidence(node, 0.75)
            )
        if key == "verify_mode" and value.endswith("CERT_NONE"):
            yield self.ctx.report(
                "SEC023",
                node,
                message="Certificate verification is turned off (`CERT_NONE`)",
                evidence=self.tls_evidence(node, 0.8),
            )
        if value == "True" and (
            (key == "debug" and target.endswith(("app.debug", "app.config")))
            or (key == "DEBUG" and (self.settings_file or left.type == "subscript"))
        ):
            yield self.ctx.report(
                "SEC025",
                node,
                message="Debug mode is on",
                evidence=0.25 if declared_default else 0.7,
                notes=default_note if declared_default else (),
                fix=Fix("Turn debug mode off", (TextEdit(right.start_byte, right.end_byte, "False"),), safe=False),
            )

    def tls_evidence(self, node: Node, evidence: float) -> float:
        """A test talking to its own self-signed server, or an opt-out the caller asked for
        (`if not validate_certs:`), is not a hole; an unconditional one is."""
        if self.in_tests or self.conditional(node):
            return 0.05
        return evidence

    def attribute(self, node: Node) -> Iterator[Finding]:
        name = dotted(self.src, node)
        if name is None:
            return
        q = self.imports.qualify(name)
        if WEAK_ATTRS.search(q):
            parent = node.parent
            evidence = 0.8
            if parent is not None and parent.type in ("pair", "list", "tuple", "set", "return_statement"):
                evidence = 0.05  # a table of protocol names, or a lookup: not a choice made here
            elif self.in_tests:
                evidence = 0.05
            yield self.ctx.report(
                "SEC027", node, message=f"`{name}` is a weak protocol, mode or curve", evidence=evidence
            )

    def assertion(self, node: Node) -> Iterator[Finding]:
        cond = node.named_children[0] if node.named_children else None
        if cond is None:
            return
        # an object's own state (`assert not self.is_anonymous`) or a length
        # (`assert len(token) == TOKEN_LENGTH`) is an invariant, not an access check
        checked = re.sub(r"\bself\.\w+", "", self.t(cond))
        if not ASSERT_SECURITY.search(checked) or re.match(r"\s*len\(", self.t(cond)):
            return
        msg = self.t(node.named_children[1]) if len(node.named_children) > 1 else repr("permission denied")
        src = self.src
        line_start = src.rfind(b"\n", 0, node.start_byte) + 1
        indent = src[line_start : node.start_byte].decode("utf-8", "replace")
        fix = None
        if not indent.strip():
            fix = Fix(
                "Raise PermissionError instead of asserting",
                (
                    TextEdit(
                        node.start_byte,
                        node.end_byte,
                        f"if not ({self.t(cond)}):\n{indent}    raise PermissionError({msg})",
                    ),
                ),
                safe=False,
            )
        yield self.ctx.report(
            "SEC031",
            node,
            message="A security check written as `assert` disappears under `python -O`",
            evidence=0.7,
            fix=fix,
        )


# Calls that return fresh bytes (or text made from them) of the OS's CSPRNG.
CSPRNG_BYTES = frozenset({"os.urandom", "secrets.token_bytes", "secrets.token_hex", "secrets.token_urlsafe"})


def analyzers() -> list[Analyzer]:
    return [PatternAnalyzer()]
