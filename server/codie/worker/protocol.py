"""The worker's wire format: frames of a 4-byte big-endian length and a msgpack map.

Server -> worker: submit {ref, kind, payload, key}, cancel {id}, watch {ids}, ping,
shutdown. Worker -> server: hello {worker, pid, kinds}, submitted {ref, id},
progress {id, fraction, message}, result {id, kind, state, result, error},
cancelled {id, ok}, error {ref?, message}, pong.
"""

from __future__ import annotations

import asyncio
import struct
from typing import Any, BinaryIO

import msgpack

HEADER = struct.Struct(">I")
MAX_FRAME = 64 * 1024 * 1024


class ProtocolError(Exception):
    """A frame that is too large or not a msgpack map."""


def encode(message: dict[str, Any]) -> bytes:
    body: bytes = msgpack.packb(message, use_bin_type=True)
    if len(body) > MAX_FRAME:
        raise ProtocolError(f"message of {len(body)} bytes exceeds {MAX_FRAME}")
    return HEADER.pack(len(body)) + body


def _decode(body: bytes) -> dict[str, Any]:
    try:
        message = msgpack.unpackb(body, raw=False, strict_map_key=False)
    except (ValueError, msgpack.UnpackException) as exc:
        raise ProtocolError(f"undecodable frame: {exc}") from exc
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        raise ProtocolError("a frame must be a map with a string 'type'")
    return message


def _length(header: bytes) -> int:
    (length,) = HEADER.unpack(header)
    if length > MAX_FRAME:
        raise ProtocolError(f"frame of {length} bytes exceeds {MAX_FRAME}")
    return int(length)


def read_frame(stream: BinaryIO) -> dict[str, Any] | None:
    """The next message from a blocking stream; None at end of stream."""
    header = stream.read(HEADER.size)
    if len(header) < HEADER.size:
        return None
    length = _length(header)
    body = stream.read(length)
    if len(body) < length:
        return None
    return _decode(body)


async def read_message(reader: asyncio.StreamReader) -> dict[str, Any] | None:
    """The next message from an asyncio stream; None at end of stream."""
    try:
        header = await reader.readexactly(HEADER.size)
        body = await reader.readexactly(_length(header))
    except asyncio.IncompleteReadError:
        return None
    return _decode(body)
