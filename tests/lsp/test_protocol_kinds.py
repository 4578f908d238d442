"""The JSON-RPC kind of a message, remembered by class, equals pygls's Protocol checks."""

from collections import namedtuple
from typing import Any

from lsprotocol import types
from pygls.protocol.json_rpc import RPCError, RPCNotification, RPCRequest, RPCResponse

from codie.lsp import protocol


def reference(message: Any) -> str | None:
    if isinstance(message, RPCRequest):
        return "request"
    if isinstance(message, (RPCNotification, RPCResponse, RPCError)):
        return "message"
    return None


def test_kinds_equal_the_protocol_checks_and_classes_are_remembered() -> None:
    change = types.DidChangeTextDocumentNotification(
        params=types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri="file:///a.py", version=2), content_changes=[]
        )
    )
    hover = types.HoverRequest(
        id=1,
        params=types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri="file:///a.py"), position=types.Position(line=0, character=0)
        ),
    )
    response = types.ShutdownResponse(id=3, result=None)
    for message in (change, hover, response, object(), {"jsonrpc": "2.0", "method": "x"}):
        for _ in range(2):  # the second time from what was remembered
            assert protocol._kind(message) == reference(message)
    assert type(change) in protocol._KINDS and type(hover) in protocol._KINDS
    # a class per message (pygls's namedtuples for unknown methods): never remembered
    made = [
        namedtuple("Object", keys)(*(["2.0"] * len(keys))) for keys in (["jsonrpc", "method", "params"], ["jsonrpc"])
    ]
    for message in made:
        assert protocol._kind(message) == reference(message)
        assert type(message) not in protocol._KINDS
    assert protocol._kind(made[0]) == "message" and protocol._kind(made[1]) is None
