"""A fake OpenAI-compatible chat server on 127.0.0.1 for tests and benchmarks.

Replies come from a queue scripted by the test (`reply`, `reply_json`, `rate_limit`, ...); every
request body is recorded in `requests`. An empty queue answers 500 with a message saying so, so
that a test that forgot to script a reply fails loudly.

It also speaks OpenAI's files and batches API (/v1/files, /v1/batches): a batch stays
in_progress for `batch_polls` retrievals, then runs every line through the same scripted replies
(an HTTP error scripted for a line lands in the batch's error file), and ends completed, or
expired after `expire_after` lines when that is set.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from fake_batches import FakeBatches

MODEL = "fake-model"
EMPTY_QUEUE = "FakeOpenAI: no scripted reply left for this request"


@dataclass
class Scripted:
    """One scripted answer: a reply (text or refusal), an HTTP error, or a hang."""

    text: str | None = ""
    refusal: str | None = None
    finish_reason: str = "stop"
    status: int = 200
    error: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    hang_s: float = 0.0
    usage: dict[str, int] | None = None
    send_usage: bool = True  # False: a provider that reports no usage at all
    disconnect: bool = False  # close the socket without any answer (a reset, not a refusal)


def _words(messages: list[dict[str, Any]]) -> int:
    # A rough token count: the fake only needs usage to be plausible and deterministic.
    return sum(len(str(m.get("content") or "").split()) + 4 for m in messages)


def _chunks(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


class FakeOpenAI:
    """A threaded HTTP server speaking enough of /v1/chat/completions for litellm."""

    def __init__(self, *, latency_s: float = 0.0, chunk_chars: int = 8) -> None:
        self.latency_s = latency_s  # added before every answer, for benchmarks
        self.chunk_chars = chunk_chars  # characters per streamed delta
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.paths: list[str] = []  # every request's path with its query (Azure's api-version)
        self._queue: deque[Scripted] = deque()
        self._respond: Callable[[dict[str, Any]], str] | None = None
        self.rejected_format: str | None = None  # a response_format type answered with a 500
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()  # open keep-alive sockets, closed by stop()
        self.batches = FakeBatches(self._answer_line)

    # -- scripting ------------------------------------------------------------------------------

    def reply(
        self,
        text: str,
        *,
        finish_reason: str = "stop",
        usage: dict[str, int] | None = None,
        send_usage: bool = True,
    ) -> FakeOpenAI:
        """Queue a normal assistant reply."""
        item = Scripted(text=text, finish_reason=finish_reason, usage=usage, send_usage=send_usage)
        return self._push(item)

    def reply_json(self, obj: Any) -> FakeOpenAI:
        """Queue a reply whose text is `obj` as JSON."""
        return self.reply(json.dumps(obj))

    def reply_invalid_json(
        self, text: str = "Sure! Here is my answer: {action: move_on"
    ) -> FakeOpenAI:
        """Queue a reply that is not JSON at all."""
        return self.reply(text)

    def reply_truncated_json(self, obj: Any, keep: float = 0.5) -> FakeOpenAI:
        """Queue JSON cut off part-way, as when max_tokens is reached."""
        text = json.dumps(obj)
        return self.reply(text[: max(1, int(len(text) * keep))], finish_reason="length")

    def refuse(self, refusal: str = "I can't help with that.") -> FakeOpenAI:
        """Queue a refusal: no content, a `refusal` field instead."""
        return self._push(Scripted(text=None, refusal=refusal))

    def fail(
        self, status: int, message: str = "fake failure", headers: dict[str, str] | None = None
    ) -> FakeOpenAI:
        """Queue an HTTP error with an OpenAI-style error body."""
        return self._push(Scripted(status=status, error=message, headers=headers or {}))

    def rate_limit(self, retry_after: float | None = 1) -> FakeOpenAI:
        """Queue a 429, with a Retry-After header unless None."""
        headers = {} if retry_after is None else {"Retry-After": f"{retry_after:g}"}
        return self.fail(429, "Rate limit reached for fake-model", headers)

    def server_error(self, times: int = 1) -> FakeOpenAI:
        """Queue `times` 500 errors."""
        for _ in range(times):
            self.fail(500, "The server had an error while processing your request")
        return self

    def hang(self, seconds: float = 30.0) -> FakeOpenAI:
        """Queue a request that gets no answer for `seconds` (cut short when the server stops)."""
        return self._push(Scripted(hang_s=seconds, text="too late"))

    def disconnect(self) -> FakeOpenAI:
        """Queue a request whose connection is dropped with no answer at all."""
        return self._push(Scripted(disconnect=True))

    def reject_format(self, kind: str = "json_schema") -> FakeOpenAI:
        """Answer 500 to every request whose response_format is `kind`, as llama.cpp's server
        does for json_schema; the queue is not consumed by those requests."""
        self.rejected_format = kind
        return self

    def always(self, respond: Callable[[dict[str, Any]], str]) -> FakeOpenAI:
        """Answer every request the queue does not cover with `respond(request_body)`."""
        self._respond = respond
        return self

    def _push(self, item: Scripted) -> FakeOpenAI:
        with self._lock:
            self._queue.append(item)
        return self

    def _pop(self, body: dict[str, Any], headers: dict[str, str]) -> Scripted | None:
        with self._lock:
            self.requests.append(body)
            self.headers.append(headers)
            kind = (body.get("response_format") or {}).get("type")
            if self.rejected_format is not None and kind == self.rejected_format:
                return Scripted(status=500, error=f"response_format {kind} is not supported")
            if self._queue:
                return self._queue.popleft()
        return Scripted(text=self._respond(body)) if self._respond else None

    def _answer_line(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """One batch line's answer: its status and body (a completion, or an error)."""
        item = self._pop(body, {})
        if item is None:
            return 500, {"error": {"message": EMPTY_QUEUE, "type": "server_error"}}
        if item.status != 200:
            return item.status, {"error": {"message": item.error, "type": "server_error"}}
        return 200, completion_body(body, item)

    @property
    def pending(self) -> int:
        """Scripted answers not yet served."""
        with self._lock:
            return len(self._queue)

    # -- lifecycle ------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The port the server listens on."""
        assert self._server is not None, "FakeOpenAI is not started"
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """The api_base to give an OpenAI client: http://127.0.0.1:PORT/v1."""
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> FakeOpenAI:
        """Listen on an ephemeral port and serve from a daemon thread."""
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = _Server(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._stopping.clear()
        # A short poll interval makes stop() quick: shutdown() waits for the next poll.
        server = self._server
        self._thread = threading.Thread(
            target=lambda: server.serve_forever(poll_interval=0.02), daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, as a killed server would: hanging requests are released at once and
        every open connection is closed, so clients see refused connections from now on."""
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        with self._lock:
            connections, self._connections = list(self._connections), set()
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`; True if the server is stopping."""
        return self._stopping.wait(seconds) if seconds > 0 else self._stopping.is_set()

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve(**kwargs: Any) -> Iterator[FakeOpenAI]:
    """Fixture body: `@pytest.fixture def fake(): yield from serve()`."""
    with FakeOpenAI(**kwargs) as server:
        yield server


class _Server(ThreadingHTTPServer):
    # Batch benchmarks open dozens of connections at once; the default backlog of 5 would
    # drop some and add a one-second TCP retry to them.
    request_queue_size = 256
    daemon_threads = True


class _Handler(BaseHTTPRequestHandler):
    fake: FakeOpenAI
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle on, a keep-alive client's delayed
    # ACK would add 40 ms to every reply and swamp any latency measured against this server.
    disable_nagle_algorithm = True

    def setup(self) -> None:
        """Track the connection, so that stop() can close it."""
        super().setup()
        with self.fake._lock:
            self.fake._connections.add(self.connection)

    def finish(self) -> None:
        """Forget the connection once it is done."""
        with self.fake._lock:
            self.fake._connections.discard(self.connection)
        super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default per-request stderr log."""

    def do_GET(self) -> None:
        """GET /v1/models, and the files and batches routes."""
        self.fake.paths.append(self.path)
        if self.fake.batches.handles(self.path):
            self._batch_route("GET", b"")
        elif self.path.rstrip("/").endswith("/models"):
            model = {"id": MODEL, "object": "model", "created": 0, "owned_by": "fake"}
            self._send_json(200, {"object": "list", "data": [model]})
        else:
            self._send_error(404, f"no route {self.path}")

    def do_POST(self) -> None:
        """POST /v1/chat/completions."""
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        self.fake.paths.append(self.path)
        if self.fake.batches.handles(self.path):
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # a killed client
                self._batch_route("POST", raw)
            return
        # OpenAI's /v1/chat/completions, or Azure's /openai/deployments/NAME/chat/completions?...
        if not self.path.split("?")[0].rstrip("/").endswith("/chat/completions"):
            self._send_error(404, f"no route {self.path}")
            return
        body = json.loads(raw or b"{}")
        item = self.fake._pop(body, {k.lower(): v for k, v in self.headers.items()})
        if self.fake.wait(self.fake.latency_s):
            return
        # A client that gave up (its timeout) has closed the socket: nothing to tell it.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._answer(body, item)

    def _batch_route(self, method: str, raw: bytes) -> None:
        ctype = self.headers.get("Content-Type") or ""
        status, payload = self.fake.batches.route(method, self.path, ctype, raw)
        if isinstance(payload, bytes):
            self.send_response(status)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            self.wfile.flush()
        elif status != 200:
            self._send_error(status, str(payload.get("message")))
        else:
            self._send_json(status, payload)

    def _answer(self, body: dict[str, Any], item: Scripted | None) -> None:
        if item is None:
            self._send_error(500, EMPTY_QUEUE)
            return
        if item.hang_s and self.fake.wait(item.hang_s):
            return
        if item.disconnect:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if item.status != 200:
            self._send_error(item.status, item.error, item.headers)
            return
        usage = item.usage or {
            "prompt_tokens": _words(body.get("messages", [])),
            "completion_tokens": len((item.text or item.refusal or "").split()),
        }
        usage = {**usage, "total_tokens": usage["prompt_tokens"] + usage["completion_tokens"]}
        if body.get("stream"):
            include = bool((body.get("stream_options") or {}).get("include_usage"))
            self._stream(body, item, usage if include and item.send_usage else None)
        else:
            message = {"role": "assistant", "content": item.text, "refusal": item.refusal}
            choice = {"index": 0, "message": message, "finish_reason": item.finish_reason}
            payload = {**_envelope(body, "chat.completion"), "choices": [choice]}
            self._send_json(200, {**payload, "usage": usage} if item.send_usage else payload)

    def _stream(self, body: dict[str, Any], item: Scripted, usage: dict[str, int] | None) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        envelope = _envelope(body, "chat.completion.chunk")
        deltas: list[dict[str, Any]] = [{"role": "assistant", "content": ""}]
        if item.refusal is not None:
            deltas.append({"refusal": item.refusal})
        else:
            deltas += [
                {"content": piece} for piece in _chunks(item.text or "", self.fake.chunk_chars)
            ]
        for delta in deltas:
            self._event({**envelope, "choices": [{"index": 0, "delta": delta,
                                                  "finish_reason": None}]})  # fmt: skip
        last = {"index": 0, "delta": {}, "finish_reason": item.finish_reason}
        self._event({**envelope, "choices": [last]})
        if usage is not None:
            self._event({**envelope, "choices": [], "usage": usage})
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()
        self.close_connection = True

    def _event(self, payload: dict[str, Any]) -> None:
        self.wfile.write(b"data: " + json.dumps(payload).encode() + b"\n\n")
        self.wfile.flush()

    def _send_error(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        kind = {429: "rate_limit_exceeded", 401: "invalid_api_key"}.get(status, "server_error")
        error = {"error": {"message": message, "type": kind, "param": None, "code": kind}}
        self._send_json(status, error, headers)

    def _send_json(
        self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()


def _envelope(body: dict[str, Any], kind: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": kind,
        "created": int(time.time()),
        "model": body.get("model", MODEL),
        "system_fingerprint": "fp_fake",
    }


def completion_body(body: dict[str, Any], item: Scripted) -> dict[str, Any]:
    """A non-streamed chat completion for a scripted reply (a batch's output line body)."""
    usage = item.usage or {
        "prompt_tokens": _words(body.get("messages", [])),
        "completion_tokens": len((item.text or "").split()),
    }
    usage = {**usage, "total_tokens": usage["prompt_tokens"] + usage["completion_tokens"]}
    message = {"role": "assistant", "content": item.text, "refusal": item.refusal}
    choice = {"index": 0, "message": message, "finish_reason": item.finish_reason}
    return {**_envelope(body, "chat.completion"), "choices": [choice], "usage": usage}


def main() -> None:
    """Serve in a process of its own (benchmarks: keeps the server off the client's GIL).

    `python tests/fake_openai.py LATENCY_S REPLY` answers every request with REPLY after
    LATENCY_S seconds, prints its base URL on stdout, and stops when stdin closes.
    """
    import sys

    latency, reply = float(sys.argv[1]), sys.argv[2]
    with FakeOpenAI(latency_s=latency) as fake:
        fake.always(lambda _body: reply)
        print(fake.base_url, flush=True)
        sys.stdin.read()


if __name__ == "__main__":
    main()
