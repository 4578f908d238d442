"""The server's answer to `initialize`, computed without the server: on a cold start (no
answer on file yet, lsp/early.py) `codie serve` sends it before importing pygls.

The answer depends only on the code and on a few client capabilities. data/initialize.json
holds what the real server answered (recorded by lsp/early_record.py, never by hand): its
answer to a minimal request, what changes when each client capability pygls reads is set,
which position encodings it accepts, and the shape of InitializeParams. Here that is put
together for one request:

- a request that does not fit the shape exactly (a wrong type, an unknown enum value, a
  missing required field) gets no early answer: the server may reject it, and answers it;
- the file is used only with the pygls, lsprotocol and cattrs versions and the Codie
  version it was recorded with (the answer is theirs); otherwise no early answer.

CodieProtocol still compares the server's own answer with the one sent (lsp/early.py
settles it): a difference is logged and the right answer filed for the next start.

Standard library only: it runs before pygls is imported.
"""

from __future__ import annotations

import json
import os
import sys

from codie import __version__

# `codie serve` answers `initialize` before it imports typing (a third of the imports before
# the answer): type checkers read this constant as True.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    Json = Any

DATA = "data/initialize.json"  # under the codie package
VERSIONED = ("pygls", "lsprotocol", "cattrs")  # whose code makes the answer, with Codie's
MAX_DEPTH = 64  # nesting validated (deeper requests are left to the server)

_data: dict[str, Json] | None = None
_loaded = False


def data() -> dict[str, Json] | None:
    """The recorded data, when it matches the code installed (read once)."""
    global _data, _loaded
    if not _loaded:
        _loaded = True
        _data = _load()
    return _data


def _load() -> dict[str, Json] | None:
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), DATA)
    try:
        with open(path, "rb") as f:
            loaded = json.loads(f.read())
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(loaded, dict) or loaded.get("versions") != installed_versions():
        return None
    return loaded


def installed_versions() -> dict[str, str] | None:
    """The versions of VERSIONED as installed (from their .dist-info folders: importing
    importlib.metadata would cost more than the rest of this module), and Codie's."""
    found = {"codie": __version__}
    listings: dict[str, list[str]] = {}
    for name in VERSIONED:
        version = None
        for entry in sys.path:
            folder = entry or "."
            if not os.path.isfile(os.path.join(folder, name, "__init__.py")):
                continue
            if folder not in listings:
                try:
                    listings[folder] = os.listdir(folder)
                except OSError:
                    listings[folder] = []
            prefix = name + "-"
            infos = [n for n in listings[folder] if n.startswith(prefix) and n.endswith(".dist-info")]
            if len(infos) == 1:  # none, or several (a broken install): unknown
                version = infos[0][len(prefix) : -len(".dist-info")]
            break  # the package Python imports is the first on sys.path
        if version is None:
            return None
        found[name] = version
    return found


def answer(params: Json) -> dict[str, Json] | None:
    """The server's result for an `initialize` request with these params, or None when it
    cannot be known here (no usable data, or a request the shape does not vouch for)."""
    recorded = data()
    if recorded is None:
        return None
    try:
        schema = recorded["schema"]
        if not valid(params, schema["root"], schema["types"]):
            return None
        caps = params["capabilities"]
        result: dict[str, Json] = json.loads(json.dumps(recorded["result"]))  # a deep copy
        server_caps = result["capabilities"]
        for switch in recorded["switches"]:
            value = _get(caps, switch["client"])
            if value is None:  # absent or null: the minimal request's answer
                continue
            category = "object" if isinstance(value, dict) else json.dumps(value)
            when = switch["when"]
            if category not in when:  # a value never probed: do not guess
                return None
            _set(server_caps, switch["server"], when[category])
        encoding = _encoding(caps, recorded["positionEncoding"])
        result["capabilities"] = {"positionEncoding": encoding, **server_caps}
        return result
    except (KeyError, TypeError, AttributeError, ValueError, RecursionError):
        return None  # a file that does not have the expected shape: the server answers


def _encoding(caps: dict[str, Json], rule: dict[str, Json]) -> str:
    """pygls's choice: the first of the client's encodings it supports, else the default."""
    offered = _get(caps, ["general", "positionEncodings"]) or []
    return str(next((e for e in offered if e in rule["supported"]), rule["default"]))


def _get(obj: Json, path: list[str]) -> Json:
    for key in path:
        obj = obj.get(key) if isinstance(obj, dict) else None
    return obj


def _set(obj: dict[str, Json], path: list[str], value: Json) -> None:
    """Set the value at path (None: remove the key, as the converter omits it)."""
    if value is None:
        parent = _get(obj, path[:-1])
        if isinstance(parent, dict):
            parent.pop(path[-1], None)
        return
    for key in path[:-1]:
        obj = obj.setdefault(key, {})
    obj[path[-1]] = value


def _shallow(value: Json, depth: int) -> bool:
    if depth > MAX_DEPTH:
        return False
    if type(value) is dict:
        return all(_shallow(v, depth + 1) for v in value.values())
    if type(value) is list:
        return all(_shallow(v, depth + 1) for v in value)
    return True


def valid(value: Json, spec: Json, classes: dict[str, Json], depth: int = 0) -> bool:
    """value fits spec exactly (stricter than cattrs, which e.g. turns "yes" into True and a
    string into a list of characters: such a request is left to the server)."""
    if depth > MAX_DEPTH:
        return False
    if isinstance(spec, str):
        if spec == "any":  # (initializationOptions): any JSON, but not nested deep enough
            return _shallow(value, depth)  # to make the server's handlers recurse too far
        if spec == "null":
            return value is None
        if spec == "bool":
            return value is True or value is False
        if spec == "int":
            return type(value) is int
        if spec == "float":
            return type(value) is int or type(value) is float
        if spec == "str":
            return type(value) is str
        return False
    (kind, arg), *_ = spec.items()
    if kind == "ref":
        if type(value) is list:
            # cattrs tests `"field" in value` before reading a field, so a list (Neovim 0.9
            # sends `callHierarchy: [{...}]`) makes an object with every field at its default,
            # unless an element is a string naming a field (then it fails: no strings here)
            return not any(required for _, required in classes[arg].values()) and not any(type(v) is str for v in value)
        if type(value) is not dict:
            return False
        for name, (field, required) in classes[arg].items():
            if name in value:
                if not valid(value[name], field, classes, depth + 1):
                    return False
            elif required:
                return False
        return True  # keys lsprotocol does not know are ignored by cattrs too
    if kind == "list":
        return type(value) is list and all(valid(v, arg, classes, depth + 1) for v in value)
    if kind == "enum":
        return type(value) in (int, str) and any(type(v) is type(value) and v == value for v in arg)
    if kind == "union":
        return any(valid(value, s, classes, depth + 1) for s in arg)
    return False
