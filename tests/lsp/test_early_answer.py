"""The `initialize` answer computed before pygls is imported (lsp/early_answer.py) is the
real server's answer, for real editors' requests, for random well-typed ones, and never
for a request the server rejects; data/initialize.json is what lsp/early_record.py
records from the real server now."""

from __future__ import annotations

import copy
import io
import json
import logging
import random
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp

import codie
from codie.lsp import early_answer
from codie.lsp.early import answer_initialize
from codie.lsp.early_record import record, server_response
from tests.lsp.raw_client import RawServer
from tests.lsp.test_startup import drain, framed, initialize_message

CLIENTS = Path(pytest_lsp.__file__).parent / "clients"  # real editors' initialize params
VSCODE = "visual_studio_code_v1.65.2.json"
NEOVIM = "neovim_v0.11.0.json"


def recorded_client(name: str) -> dict[str, Any]:
    return dict(json.loads((CLIENTS / name).read_text()))


# What ../shared/bench/lspbench.py sends (its client_capabilities(pull)).
LSPBENCH_TEXT_DOCUMENT: dict[str, Any] = {
    "synchronization": {"dynamicRegistration": False, "didSave": True, "willSave": False, "willSaveWaitUntil": False},
    "publishDiagnostics": {
        "relatedInformation": True,
        "versionSupport": True,
        "tagSupport": {"valueSet": [1, 2]},
        "codeDescriptionSupport": True,
        "dataSupport": True,
    },
    "codeAction": {
        "dynamicRegistration": False,
        "codeActionLiteralSupport": {
            "codeActionKind": {
                "valueSet": [
                    "",
                    "quickfix",
                    "refactor",
                    "refactor.extract",
                    "refactor.inline",
                    "refactor.rewrite",
                    "source",
                    "source.organizeImports",
                    "source.fixAll",
                ]
            }
        },
        "isPreferredSupport": True,
        "disabledSupport": True,
        "dataSupport": True,
        "resolveSupport": {"properties": ["edit"]},
    },
    "hover": {"dynamicRegistration": False, "contentFormat": ["markdown", "plaintext"]},
}


def lspbench(pull: bool) -> dict[str, Any]:
    text_document = dict(LSPBENCH_TEXT_DOCUMENT)
    if pull:
        text_document["diagnostic"] = {"dynamicRegistration": False, "relatedDocumentSupport": False}
    return {
        "processId": 4242,
        "clientInfo": {"name": "lspbench", "version": "1"},
        "locale": "en",
        "rootPath": "/tmp/w",
        "rootUri": "file:///tmp/w",
        "workspaceFolders": [{"uri": "file:///tmp/w", "name": "w"}],
        "capabilities": {
            "general": {"positionEncodings": ["utf-16"]},
            "textDocument": text_document,
            "workspace": {
                "configuration": True,
                "workspaceFolders": True,
                "didChangeConfiguration": {"dynamicRegistration": False},
                "applyEdit": False,
            },
            "window": {"workDoneProgress": False, "showMessage": {}},
        },
        "trace": "off",
    }


# What clients/vscode/test/integration/server.test.ts sends.
VSCODE_INTEGRATION = {
    "processId": 7,
    "rootUri": "file:///tmp/w",
    "workspaceFolders": [{"uri": "file:///tmp/w", "name": "w"}],
    "initializationOptions": {"codie": {"minConfidence": 0.5, "llm": {"enabled": False}}},
    "capabilities": {
        "workspace": {"configuration": True, "workspaceFolders": True},
        "textDocument": {
            "publishDiagnostics": {"relatedInformation": True},
            "hover": {"contentFormat": ["markdown", "plaintext"]},
            "codeAction": {"codeActionLiteralSupport": {"codeActionKind": {"valueSet": ["quickfix", "source"]}}},
        },
    },
}


def caps(capabilities: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"processId": None, "rootUri": None, "capabilities": capabilities, **extra}


def nested_settings(depth: int) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for _ in range(depth):
        options = {"settings": options}
    return options


def encodings(*names: str) -> dict[str, Any]:
    return caps({"general": {"positionEncodings": list(names)}})


PROFILES: dict[str, dict[str, Any]] = {
    **{
        path.stem: {"processId": 1, "rootUri": "file:///tmp/w", **recorded_client(path.name)}
        for path in sorted(CLIENTS.glob("*.json"))
    },
    "lspbench push": lspbench(pull=False),
    "lspbench pull": lspbench(pull=True),
    "vscode integration test": VSCODE_INTEGRATION,
    "minimal": {"capabilities": {}},
    "utf-8 first": encodings("utf-8", "utf-16"),
    "utf-32 first": encodings("utf-32", "utf-8"),
    "unknown then utf-32": encodings("utf-7", "utf-32"),
    "only unknown": encodings("ebcdic"),
    "no encodings": encodings(),
    "will save": caps({"textDocument": {"synchronization": {"willSave": True, "willSaveWaitUntil": False}}}),
    "prepare rename": caps({"textDocument": {"rename": {"prepareSupport": True}}}),
    "no prepare rename": caps({"textDocument": {"rename": {"prepareSupport": False}}}),
    "notebooks": caps({"notebookDocument": {"synchronization": {"executionSummarySupport": True}}}),
    "file operations": caps({"workspace": {"fileOperations": {op: True for op in ("didCreate", "willRename")}}}),
    "nested options": caps({}, initializationOptions={"settings": {"codie": nested_settings(20)}}),
    "nulls": caps({"general": None, "textDocument": None, "notebookDocument": None}, trace=None, locale=None),
    "everything at once": {
        **recorded_client(NEOVIM),
        "processId": 3,
        "rootPath": "/tmp/w",
        "rootUri": None,
        "trace": "verbose",
        "workDoneToken": "t",
        "initializationOptions": {"settings": {"codie": {"rules": {"SEC001": "off"}}}},
    },
}


@pytest.fixture(scope="module")
def recorded() -> dict[str, Any]:
    found = early_answer.data()
    assert found is not None, "data/initialize.json is missing or was recorded with other versions"
    return found


def test_the_recorded_data_is_what_the_server_answers_now(recorded: dict[str, Any]) -> None:
    """A feature registered, an option changed, pygls upgraded: the file must be recorded
    again (`python -m codie.lsp.early_record`), or this fails."""
    assert record() == recorded, "data/initialize.json is out of date: run python -m codie.lsp.early_record"


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_the_early_answer_is_the_servers(name: str, recorded: dict[str, Any]) -> None:
    params = PROFILES[name]
    response = server_response(params)
    assert "result" in response, response
    assert early_answer.answer(params) == response["result"]


def test_the_profiles_cover_every_encoding_and_switch(recorded: dict[str, Any]) -> None:
    """The profiles above exercise every choice made per client (else a wrong early answer
    for that choice could go unnoticed)."""
    answers = [early_answer.answer(p) for p in PROFILES.values()]
    assert {a["capabilities"]["positionEncoding"] for a in answers if a} == {"utf-8", "utf-16", "utf-32"}
    for switch in recorded["switches"]:
        seen = {json.dumps(early_answer._get(p["capabilities"], switch["client"])) for p in PROFILES.values()}
        assert "true" in seen or '{"synchronization": {"executionSummarySupport": true}}' in seen, switch


# random requests ----------------------------------------------------------------------------
STRINGS = ("utf-8", "utf-16", "utf-32", "", "x", "markdown", "quickfix", "file:///tmp/w", "/tmp", "ü😋")


def random_value(spec: Any, classes: dict[str, Any], rng: random.Random, depth: int = 0) -> Any:
    """A value that fits spec (the recorded shape of InitializeParams)."""
    if isinstance(spec, str):
        return {
            "any": lambda: rng.choice([None, 1, "s", [1, {"a": True}], {"codie": {"x": [1.5]}}]),
            "null": lambda: None,
            "bool": lambda: rng.random() < 0.5,
            "int": lambda: rng.randint(-3, 30),
            "float": lambda: rng.choice([0.5, 2, -1.0]),
            "str": lambda: rng.choice(STRINGS),
        }[spec]()
    (kind, arg), *_ = spec.items()
    if kind == "union":
        options = [s for s in arg if s != "null" or depth > 0]
        return random_value(rng.choice(options), classes, rng, depth + 1)
    if kind == "enum":
        return rng.choice(arg)
    if kind == "list":
        return [random_value(arg, classes, rng, depth + 1) for _ in range(rng.randint(0, 3 if depth < 6 else 0))]
    fields = classes[arg]
    out = {}
    for name, (field, required) in fields.items():
        if required or (depth < 8 and rng.random() < 0.4):
            out[name] = random_value(field, classes, rng, depth + 1)
    return out


def with_choices(params: dict[str, Any], switches: list[dict[str, Any]], rng: random.Random) -> dict[str, Any]:
    """params with random values at the capabilities the server's answer depends on (random
    fields alone seldom reach them), several at once."""
    capabilities = params["capabilities"]
    for switch in switches:
        if rng.random() < 0.5:
            *parents, last = switch["client"]
            node = capabilities
            for key in parents:
                if not isinstance(node.get(key), dict):
                    node[key] = {}
                node = node[key]
            node[last] = {"synchronization": {}} if "object" in switch["when"] else rng.random() < 0.5
    if rng.random() < 0.7:
        names = ["utf-8", "utf-16", "utf-32", "utf-7"]
        if not isinstance(capabilities.get("general"), dict):
            capabilities["general"] = {}
        capabilities["general"]["positionEncodings"] = rng.sample(names, rng.randint(0, 3))
    return params


def test_random_well_typed_requests_get_the_servers_answer(recorded: dict[str, Any]) -> None:
    schema = recorded["schema"]
    rng = random.Random(20261207)
    for _ in range(120):
        params = with_choices(random_value(schema["root"], schema["types"], rng), recorded["switches"], rng)
        assert early_answer.valid(params, schema["root"], schema["types"]), params
        response = server_response(params)
        assert "result" in response, (params, response)
        assert early_answer.answer(params) == response["result"], params


def mutations(value: Any, rng: random.Random) -> Any:
    """value with one random leaf or object changed to something of another type."""
    value = copy.deepcopy(value)
    parent, key = None, None
    node = value
    while isinstance(node, (dict, list)) and node and rng.random() < 0.85:
        parent, key = node, rng.choice(list(node) if isinstance(node, dict) else range(len(node)))
        node = node[key]
    bad = rng.choice(["yes", 1, 0, 1.5, [], ["x"], {}, {"k": 1}, True, None, "utf-8", -1])
    if parent is None:
        return bad
    if isinstance(parent, dict) and rng.random() < 0.2:
        del parent[key]
    else:
        parent[key] = bad
    return value


@pytest.mark.parametrize(
    "params",
    [
        caps({}, processId="1"),
        caps({"notebookDocument": {}}),
        caps({"general": {"positionEncodings": "utf-8"}}),  # cattrs: ('u', 't', 'f', ...)
        caps({"textDocument": {"hover": {"contentFormat": "markdown"}}}),
        caps({"textDocument": {"synchronization": {"willSave": "x"}}}),  # cattrs: True
        caps({"textDocument": {"rename": {"prepareSupport": 1}}}),
        caps({"textDocument": {"callHierarchy": ["dynamicRegistration"]}}),
        caps({}, clientInfo={"version": "1"}),
        caps({}, workspaceFolders=[{"uri": "file:///w"}]),
        caps({}, trace="loud"),
        {"processId": 1},
        # the server's settings reader follows "settings" keys recursively: far too deep
        # options would fail there (a RecursionError near 1,000 levels)
        caps({}, initializationOptions=nested_settings(200)),
    ],
)
def test_a_request_that_is_not_exactly_well_typed_gets_no_early_answer(
    params: dict[str, Any], recorded: dict[str, Any]
) -> None:
    assert early_answer.answer(params) is None


def test_an_early_answer_is_never_sent_for_a_request_the_server_rejects(recorded: dict[str, Any]) -> None:
    """Random damage to real requests: either no early answer, or exactly the server's."""
    rng = random.Random(7)
    bases = [PROFILES[VSCODE.removesuffix(".json")], PROFILES[NEOVIM.removesuffix(".json")], PROFILES["lspbench pull"]]
    answered = 0
    for _ in range(150):
        params = mutations(rng.choice(bases), rng)
        early = early_answer.answer(params)
        if early is None:
            continue
        answered += 1
        response = server_response(params)
        assert response.get("result") == early, params
    assert answered  # some damage is harmless (an unknown key, a null option): still answered


def test_a_list_where_an_object_is_expected_is_read_as_cattrs_reads_it(recorded: dict[str, Any]) -> None:
    """Neovim 0.9 sends `callHierarchy: [{...}]`: the server accepts it (every field at its
    default), so the early answer does too."""
    params = PROFILES["neovim_v0.9.1"]
    assert isinstance(params["capabilities"]["textDocument"]["callHierarchy"], list)
    assert early_answer.answer(params) == server_response(params)["result"]


def test_no_early_answer_from_data_recorded_with_other_versions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(early_answer, "_loaded", False)
    monkeypatch.setattr(early_answer, "_data", None)
    monkeypatch.setattr(early_answer, "VERSIONED", ("pygls", "no-such-package-here"))
    assert early_answer.answer(caps({})) is None
    monkeypatch.setattr(early_answer, "_loaded", False)
    monkeypatch.setattr(early_answer, "VERSIONED", ("pygls", "lsprotocol", "cattrs"))
    monkeypatch.setattr(early_answer, "__version__", "0.0.0-other")
    assert early_answer.answer(caps({})) is None


# the start: lsp/early.py sends it; the server's own answer is still compared ---------------
def test_a_cold_start_answers_from_the_data_and_files_nothing(tmp_path: Path, recorded: dict[str, Any]) -> None:
    path = tmp_path / "initialize.json"
    out = io.BytesIO()
    early = answer_initialize(framed(initialize_message(3)), out, path)
    assert early is not None and early.answered and early.source == "computed"
    body = json.loads(out.getvalue().split(b"\r\n\r\n", 1)[1])
    assert body == {"jsonrpc": "2.0", "id": 3, "result": server_response(caps({}, processId=1), 3)["result"]}
    early.settle(early.sent)  # the server agreed
    assert not path.exists()


def test_a_computed_answer_the_server_disagrees_with_is_corrected_on_file(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The safety net: data that would be out of date is caught by the server's own answer,
    logged, and the server's answer is what the next start sends."""
    path = tmp_path / "initialize.json"
    monkeypatch.setattr(early_answer, "answer", lambda params: {"capabilities": {"stale": True}})
    first = answer_initialize(framed(initialize_message()), io.BytesIO(), path)
    assert first is not None and first.sent == {"capabilities": {"stale": True}}
    with caplog.at_level(logging.WARNING):
        first.settle({"capabilities": {"right": True}})
    assert "differed" in caplog.text and "computed" in caplog.text
    again = answer_initialize(framed(initialize_message()), io.BytesIO(), path)
    assert again is not None and again.source == "file" and again.sent == {"capabilities": {"right": True}}


def test_codie_serve_answers_a_cold_start_early_and_agrees_with_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, recorded: dict[str, Any]
) -> None:
    """A real `codie serve` with an empty cache folder: one answer to `initialize`, the
    server's own, and nothing filed (the server found its answer equal to the one sent)."""
    monkeypatch.setenv("CODIE_CACHE_DIR", str(tmp_path / "cache"))
    workspace = tmp_path / "w"
    workspace.mkdir()
    server = RawServer(workspace)
    try:
        answer = server.initialize(workspace)
        assert answer["result"]["serverInfo"] == {"name": "codie", "version": codie.__version__}
        assert server.request("shutdown")["result"] is None
        server.notify("exit")
        assert server.wait_exit() == 0
        assert all(m is None or m.get("id") != 1 for m in drain(server))  # one answer only
    finally:
        server.close()
    assert not (tmp_path / "cache" / "initialize.json").exists()
    assert "differed" not in server.stderr_path.read_text()
