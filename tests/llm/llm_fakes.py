"""Loopback servers that speak the real wire protocols of OpenAI Chat Completions (JSON and
SSE streaming, logprobs, 503 + retry-after-ms) and Ollama /api/chat (JSON and NDJSON
streaming, logprobs). They record every request body so tests can check what left.

Faults on demand: `stall` (read the request, never answer), `stall_after_first` (one
streamed piece, then silence), `bad_chunk` (a raw line sent after the first streamed
piece, or instead of it with `bad_first`), `bad_body` (a 200 JSON body of the wrong
shape for non-streamed calls) and `garbage` (a body that is not the protocol)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

VERDICT_LOGPROBS = [("true", -0.1053605), ("false", -2.3025851), (" true", -5.0)]


def default_answer(body: dict[str, Any]) -> str:
    """Echo the last user message: placeholders sent come back, so restoring is testable."""
    last = body["messages"][-1]["content"]
    if "exactly one word: true or false" in last:
        return "true"
    return "You asked: " + last


class _QuietServer(ThreadingHTTPServer):
    """A client that hangs up mid-answer is part of the tests: no traceback on stderr."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


class FakeLLM:
    def __init__(self, answer: Callable[[dict[str, Any]], str] = default_answer) -> None:
        self.answer = answer
        self.requests: list[dict[str, Any]] = []
        self.raw: list[bytes] = []
        self.fail_next = 0  # answer this many requests with 503 first
        self.chunk_delay = 0.0
        self.disconnected = threading.Event()
        self.with_logprobs = True
        self.garbage = False  # answer 200 with a body that is not the protocol
        self.stall = False
        self.stall_after_first = False
        self.bad_chunk: bytes | None = None
        self.bad_first = False
        self.bad_body: bytes | None = None
        self.released = threading.Event()  # set by stop(): stalled handlers return
        self.stalled = threading.Event()  # set when a handler starts stalling
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length", 0)))
                fake.raw.append(raw)
                body = json.loads(raw)
                fake.requests.append(body)
                if fake.stall:
                    fake.stalled.set()
                    fake.released.wait()
                    self.close_connection = True
                    return
                if fake.bad_body is not None and not body.get("stream", "/api/" in self.path):
                    data = fake.bad_body
                    self.send_response(200)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                if fake.fail_next > 0:
                    fake.fail_next -= 1
                    self._send(503, {"error": {"message": "busy"}}, {"retry-after-ms": "10"})
                    return
                if fake.garbage:
                    data = b"<html>proxy error</html>\n"
                    self.send_response(200)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                if self.path.endswith("/chat/completions"):
                    fake._openai(self, body)
                elif self.path == "/api/chat":
                    fake._ollama(self, body)
                else:
                    self._send(404, {"error": "not found"})

            def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

        self.handler = Handler
        self.httpd = _QuietServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def start(self) -> FakeLLM:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.released.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def sent_text(self) -> str:
        return b"\n".join(self.raw).decode("utf-8", "replace")

    # protocol pieces ------------------------------------------------------------------
    @staticmethod
    def _pieces(text: str) -> list[str]:
        return [text[i : i + 7] for i in range(0, len(text), 7)] or [""]

    def _token_logprobs(self, text: str, top: int) -> list[dict[str, Any]]:
        if text == "true":
            alts = [{"token": t, "logprob": lp, "bytes": list(t.encode())} for t, lp in VERDICT_LOGPROBS[:top]]
            return [{"token": "true", "logprob": VERDICT_LOGPROBS[0][1], "bytes": list(b"true"), "top_logprobs": alts}]
        return [
            {"token": p, "logprob": -0.01, "bytes": list(p.encode()), "top_logprobs": []} for p in self._pieces(text)
        ]

    def _write_stream(self, handler: BaseHTTPRequestHandler, ctype: str, lines: list[bytes]) -> None:
        handler.send_response(200)
        handler.send_header("content-type", ctype)
        handler.send_header("transfer-encoding", "chunked")
        handler.end_headers()
        if self.bad_chunk is not None:
            lines = [self.bad_chunk, *lines] if self.bad_first else [lines[0], self.bad_chunk, *lines[1:]]
        try:
            for i, line in enumerate(lines):
                handler.wfile.write(b"%x\r\n%s\r\n" % (len(line), line))
                handler.wfile.flush()
                if self.stall_after_first and i == 0:
                    self.stalled.set()
                    self.released.wait()
                    return
                if self.chunk_delay:
                    time.sleep(self.chunk_delay)
            handler.wfile.write(b"0\r\n\r\n")
            handler.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.disconnected.set()

    def _openai(self, handler: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        text = self.answer(body)
        model = body["model"]
        if body.get("stream"):
            lines = []
            for i, piece in enumerate(self._pieces(text)):
                delta = {"role": "assistant", "content": piece} if i == 0 else {"content": piece}
                choice: dict[str, Any] = {"index": 0, "delta": delta, "finish_reason": None}
                if body.get("logprobs"):
                    choice["logprobs"] = {"content": self._token_logprobs(piece, 0)}
                chunk = {
                    "id": "chatcmpl-1",
                    "object": "chat.completion.chunk",
                    "created": 1,
                    "model": model,
                    "choices": [choice],
                }
                lines.append(b"data: " + json.dumps(chunk).encode() + b"\n\n")
            end = {
                "id": "chatcmpl-1",
                "object": "chat.completion.chunk",
                "created": 1,
                "model": model,
                "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
            }
            lines += [b"data: " + json.dumps(end).encode() + b"\n\n", b"data: [DONE]\n\n"]
            self._write_stream(handler, "text/event-stream", lines)
            return
        choice = {
            "index": 0,
            "message": {"role": "assistant", "content": text},
            "finish_reason": "stop",
            "logprobs": None,
        }
        if body.get("logprobs") and self.with_logprobs:
            top = body.get("top_logprobs", 0)
            choice["logprobs"] = {"content": self._token_logprobs(text, top)}
        payload = {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 1,
            "model": model,
            "choices": [choice],
            "usage": {"prompt_tokens": 10, "completion_tokens": 1, "total_tokens": 11},
        }
        handler._send(200, payload)  # type: ignore[attr-defined]

    def _ollama(self, handler: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        text = self.answer(body)
        base = {"model": body["model"], "created_at": "2026-11-25T12:00:00Z"}
        done = {
            **base,
            "message": {"role": "assistant", "content": ""},
            "done": True,
            "done_reason": "stop",
            "total_duration": 1,
            "load_duration": 1,
            "prompt_eval_count": 10,
            "prompt_eval_duration": 1,
            "eval_count": 1,
            "eval_duration": 1,
        }
        logprobs = body.get("logprobs") and self.with_logprobs
        if body.get("stream", True):
            lines = []
            for piece in self._pieces(text):
                part: dict[str, Any] = {**base, "message": {"role": "assistant", "content": piece}, "done": False}
                if logprobs:
                    part["logprobs"] = [{"token": piece, "logprob": -0.01, "top_logprobs": []}]
                lines.append(json.dumps(part).encode() + b"\n")
            lines.append(json.dumps(done).encode() + b"\n")
            self._write_stream(handler, "application/x-ndjson", lines)
            return
        payload = {**done, "message": {"role": "assistant", "content": text}}
        if logprobs:
            payload["logprobs"] = [
                {
                    "token": t["token"],
                    "logprob": t["logprob"],
                    "top_logprobs": [
                        {"token": a["token"], "logprob": a["logprob"]}
                        for a in t["top_logprobs"][: body.get("top_logprobs", 0)]
                    ],
                }
                for t in self._token_logprobs(text, body.get("top_logprobs", 0))
            ]
        handler._send(200, payload)  # type: ignore[attr-defined]
