"""Record what the real server answers to `initialize` (data/initialize.json), for
lsp/early_answer.py to answer a cold start before pygls is imported.

Nothing in the file is written by hand: it is the server's own answer to a minimal request
(`capabilities: {}`), plus what the server answers when one client capability pygls looks
at is set (each probed on its own: SWITCHES, POSITION_ENCODINGS), plus the shape of
`InitializeParams` as lsprotocol declares it (so that a request the server would reject
is never answered early). Every probe runs the real server: build_server(), its protocol,
pygls's own read loop on the request's bytes.

    .venv/bin/python -m codie.lsp.early_record          # rewrite the file
    .venv/bin/python -m codie.lsp.early_record --check  # exit 1 when it is out of date

tests/lsp/test_early_answer.py fails when the file is out of date, and compares the early
answer with the server's for real editors' requests and random ones.
"""

from __future__ import annotations

import argparse
import collections.abc
import copy
import enum
import io
import json
import logging
import sys
import threading
import typing
from importlib import metadata
from pathlib import Path
from typing import Any

import attrs
from lsprotocol import types
from pygls import io_

import codie
from codie import __version__
from codie.lsp.early_answer import DATA, VERSIONED
from codie.lsp.server import build_server

Json = Any
# The client capabilities pygls's ServerCapabilitiesBuilder reads (pygls/capabilities.py),
# each with the values probed: a boolean one as true and as false, an object one as an
# object (a capability absent or null is the minimal request's answer).
SWITCHES: tuple[tuple[tuple[str, ...], tuple[str, ...], tuple[Json, ...]], ...] = (
    (("notebookDocument",), ("notebookDocumentSync",), ({"synchronization": {}},)),
    (("textDocument", "synchronization", "willSave"), ("textDocumentSync", "willSave"), (True, False)),
    (
        ("textDocument", "synchronization", "willSaveWaitUntil"),
        ("textDocumentSync", "willSaveWaitUntil"),
        (True, False),
    ),
    (("textDocument", "rename", "prepareSupport"), ("renameProvider",), (True, False)),
    *(
        (("workspace", "fileOperations", op), ("workspace", "fileOperations", op), (True, False))
        for op in ("willCreate", "didCreate", "willDelete", "didDelete", "willRename", "didRename")
    ),
)
POSITION_ENCODINGS = ("utf-8", "utf-16", "utf-32")  # the LSP 3.17 ones, each probed


def server_response(params: Json, msg_id: int = 1) -> Json:
    """The real server's response to an `initialize` request with these params (a fresh
    server, the bytes read by pygls's own loop, as `codie serve` reads them)."""
    server = build_server()
    out = io.BytesIO()
    server.protocol.set_writer(out)  # type: ignore[arg-type]
    body = json.dumps({"jsonrpc": "2.0", "id": msg_id, "method": "initialize", "params": params}).encode()
    stdin = io.BytesIO(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
    io_.run(threading.Event(), stdin, server.protocol, error_handler=server._report_server_error)
    responses, written = [], out.getvalue()
    while written:
        header, _, rest = written.partition(b"\r\n\r\n")
        length = int(header.split(b"\r\n")[0].removeprefix(b"Content-Length: "))
        responses.append(json.loads(rest[:length]))
        written = rest[length:]
    answers = [r for r in responses if r.get("id") == msg_id and "method" not in r]
    if len(answers) != 1:
        raise RuntimeError(f"expected one response to initialize, got {answers!r}")
    return answers[0]


def server_result(capabilities: Json) -> Json:
    response = server_response({"processId": None, "rootUri": None, "capabilities": capabilities})
    if "result" not in response:
        raise RuntimeError(f"initialize failed for {capabilities!r}: {response!r}")
    return response["result"]


def _nested(path: tuple[str, ...], value: Json) -> Json:
    for key in reversed(path):
        value = {key: value}
    return value


def _get(obj: Json, path: tuple[str, ...]) -> Json:
    for key in path:
        obj = obj.get(key) if isinstance(obj, dict) else None
    return obj


def record() -> dict[str, Json]:
    """The data early_answer.py needs, each piece from the real server."""
    base = server_result({})
    default_encoding = base["capabilities"].pop("positionEncoding")
    supported = [
        name
        for name in POSITION_ENCODINGS
        if server_result({"general": {"positionEncodings": [name]}})["capabilities"]["positionEncoding"] == name
    ]
    switches = []
    for client, server, values in SWITCHES:
        when = {}
        for value in values:
            caps = server_result(_nested(client, value))["capabilities"]
            caps.pop("positionEncoding")
            answered = _get(caps, server)
            rest = copy.deepcopy(caps)
            parent = _get(rest, server[:-1]) if len(server) > 1 else rest
            if isinstance(parent, dict):
                parent.pop(server[-1], None)
            expected = copy.deepcopy(base["capabilities"])
            parent = _get(expected, server[:-1]) if len(server) > 1 else expected
            if isinstance(parent, dict):
                parent.pop(server[-1], None)
            if rest != expected:  # the capability changed more than the place recorded for it
                raise RuntimeError(f"client capability {'.'.join(client)} changes more than {'.'.join(server)}")
            when[_category(value)] = answered  # None: the answer has no such key
        switches.append({"client": list(client), "server": list(server), "when": when})
    return {
        "about": "generated by `python -m codie.lsp.early_record` from the real server: do not edit",
        "versions": versions(),
        "result": base,
        "positionEncoding": {"default": default_encoding, "supported": supported},
        "switches": switches,
        "schema": schema(types.InitializeParams),
    }


def _category(value: Json) -> str:
    return "object" if isinstance(value, dict) else json.dumps(value)


def versions() -> dict[str, str]:
    found = {name: metadata.version(name) for name in VERSIONED}
    found["codie"] = __version__
    return found


# the shape of InitializeParams, as cattrs (lsprotocol's converter) structures it ------------
def schema(root: type) -> dict[str, Json]:
    classes: dict[str, dict[str, Json]] = {}
    return {"root": _spec(root, classes), "types": classes}


def _camel(name: str) -> str:
    """lsprotocol's field names on the wire (lsprotocol/_hooks.py, _to_camel_case)."""
    parts = name.removesuffix("_").split("_")
    return parts[0] + "".join(p.title() for p in parts[1:])


def _spec(tp: Any, classes: dict[str, dict[str, Json]]) -> Json:
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if tp is typing.Any:
        return "any"
    if tp is type(None):
        return "null"
    if tp in (bool, int, float, str):
        return tp.__name__
    if origin is typing.Union:
        specs = [_spec(a, classes) for a in args]
        return "any" if "any" in specs else {"union": specs}
    if origin in (list, collections.abc.Sequence, collections.abc.MutableSequence):
        return {"list": _spec(args[0], classes)}
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return {"enum": [m.value for m in tp]}
    if isinstance(tp, type) and attrs.has(tp):
        name = tp.__qualname__
        if name not in classes:
            classes[name] = {}  # before the fields: a class may contain itself
            hints = typing.get_type_hints(tp, vars(types))
            classes[name] = {
                _camel(f.name): [_spec(hints[f.name], classes), f.default is attrs.NOTHING] for f in attrs.fields(tp)
            }
        return {"ref": name}
    # a form this does not know (a Literal, a Mapping, a tuple): fail here, not at a user's start
    raise TypeError(f"early_record cannot describe {tp!r}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--check", action="store_true", help="exit 1 when the file is out of date")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)  # pygls warns about the probes' odd encodings
    text = json.dumps(record(), indent=1, sort_keys=True) + "\n"
    path = Path(codie.__file__).parent / DATA
    if args.check:
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current != text:
            print(f"{path} is out of date: run python -m codie.lsp.early_record", file=sys.stderr)
            return 1
        return 0
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
