"""JSON-RPC and the LSP base protocol, to the letter, over raw stdio bytes.

Every request gets a response or the documented error code, `exit` reports whether
`shutdown` came first, and a framing error ends the process non-zero (so the editor
restarts it) instead of leaving it alive but deaf.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.lsp.raw_client import RawServer

PARSE_ERROR, INVALID_REQUEST, INVALID_PARAMS, NOT_INITIALIZED = -32700, -32600, -32602, -32002


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RawServer]:
    raw = RawServer(tmp_path)
    yield raw
    raw.close()


def error_code(answer: dict[str, object]) -> object:
    error = answer.get("error")
    assert isinstance(error, dict), answer
    return error["code"]


def still_answers(server: RawServer) -> None:
    answer = server.hover("file:///nowhere.py")
    assert "error" not in answer and answer["result"] is None, answer


def test_requests_before_initialize_get_server_not_initialized(server: RawServer) -> None:
    assert error_code(server.hover("file:///a.py")) == NOT_INITIALIZED
    server.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": "file:///a.py", "languageId": "python", "version": 1, "text": "x = 1\n"}},
    )
    assert "capabilities" in server.initialize()["result"]
    still_answers(server)


def test_bad_params_get_invalid_params(server: RawServer, tmp_path: Path) -> None:
    server.initialize(tmp_path)
    uri = (tmp_path / "a.py").as_uri()
    server.open(uri, "import os\n")
    omitted = server.request("textDocument/hover", send_params=False)
    assert error_code(omitted) == INVALID_PARAMS
    wrong_type = server.request("textDocument/hover", "not an object")
    assert error_code(wrong_type) == INVALID_PARAMS
    negative = server.hover(uri, line=-1)
    assert error_code(negative) == INVALID_PARAMS
    missing_field = server.request("textDocument/codeAction", {"textDocument": {"uri": uri}})
    assert error_code(missing_field) == INVALID_PARAMS
    # a notification with bad params has nobody to answer: dropped, nothing breaks
    server.notify("textDocument/didChange", {"textDocument": {"uri": uri}})
    still_answers(server)


def test_invalid_json_gets_parse_error_and_the_server_goes_on(server: RawServer, tmp_path: Path) -> None:
    server.initialize(tmp_path)
    server.send_body(b'{"jsonrpc": "2.0", "id": 99, "method": ')
    answer = server.next_message()
    assert answer is not None and answer["id"] is None and error_code(answer) == PARSE_ERROR
    server.send_body(b"\xff\xfe not utf-8")
    answer = server.next_message()
    assert answer is not None and error_code(answer) == PARSE_ERROR
    still_answers(server)


def test_what_is_not_json_rpc_gets_invalid_request(server: RawServer, tmp_path: Path) -> None:
    server.initialize(tmp_path)
    for body in (
        b"[1, 2]",
        b'"text"',
        b'{"id": 7, "method": "textDocument/hover"}',
        b'{"jsonrpc": "1.0", "id": 8, "method": "shutdown"}',
    ):
        server.send_body(body)
        answer = server.next_message()
        assert answer is not None and error_code(answer) == INVALID_REQUEST, body
    still_answers(server)


def test_after_shutdown_only_exit_and_it_exits_zero(server: RawServer, tmp_path: Path) -> None:
    server.initialize(tmp_path)
    assert server.request("shutdown")["result"] is None
    assert error_code(server.hover("file:///a.py")) == INVALID_REQUEST
    assert error_code(server.request("shutdown")) == INVALID_REQUEST
    server.notify("exit")
    assert server.wait_exit() == 0


def test_exit_without_shutdown_exits_one(server: RawServer, tmp_path: Path) -> None:
    server.initialize(tmp_path)
    server.notify("exit")
    assert server.wait_exit() == 1


@pytest.mark.parametrize(
    "garbage",
    [
        b"Content-Length: 10\r\nX-Garbage: yes\r\n\r\n{}",  # an unknown header
        b"this is not a header\r\n\r\n",  # not a header at all
        b"Content-Length: abc\r\n\r\n",  # a length that is not a number
        b"\r\n",  # a header block without Content-Length
    ],
)
def test_a_framing_error_ends_the_process_non_zero(server: RawServer, tmp_path: Path, garbage: bytes) -> None:
    server.initialize(tmp_path)
    server.send_bytes(garbage)
    assert server.wait_exit() != 0
    assert "framing error" in server.stderr()


def test_a_wrong_content_length_ends_the_process_non_zero(server: RawServer, tmp_path: Path) -> None:
    server.initialize(tmp_path)
    body = b'{"jsonrpc": "2.0", "id": 5, "method": "shutdown"}'
    # too short: the tail of the body becomes the start of the next "header"
    server.send_bytes(b"Content-Length: %d\r\n\r\n%s" % (len(body) - 5, body))
    server.send({"jsonrpc": "2.0", "id": 6, "method": "shutdown"})
    assert server.wait_exit() != 0


def test_shutdown_with_a_request_of_ours_unanswered_is_answered_null(server: RawServer, tmp_path: Path) -> None:
    """pygls's shutdown cancels the server's pending requests while iterating over the dict
    that their cancellation removes them from; the client got an internal error instead of
    null (and the server's own shutdown work never ran to the end)."""
    server.send(
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "processId": None,
                "rootUri": tmp_path.as_uri(),
                "capabilities": {"workspace": {"configuration": True}},
            },
        }
    )
    assert "result" in server.messages.get(timeout=60)
    server.notify("initialized", {})
    while (msg := server.messages.get(timeout=60)) is not None and msg.get("method") != "workspace/configuration":
        pass
    assert msg is not None  # the server asks for the settings; the client never answers
    server.send({"jsonrpc": "2.0", "id": 2, "method": "shutdown"})
    while (msg := server.messages.get(timeout=60)) is not None and msg.get("id") != 2:
        pass
    assert msg is not None and "error" not in msg and msg["result"] is None, msg
    server.notify("exit")
    assert server.wait_exit() == 0
