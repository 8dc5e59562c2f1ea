"""OpenAI's files and batches API for the fake server: uploads, batch state, output files.

A batch is `validating`, then `in_progress` for `batch_polls` retrievals, then runs every input
line through `answer` (the fake's scripted replies) and ends `completed`, or `expired` after
`expire_after` lines when that is set (an expired batch keeps the lines it finished, as
OpenAI's do). A line whose answer is an HTTP error goes to the batch's error file.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from collections.abc import Callable
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

Answer = Callable[[dict[str, Any]], tuple[int, dict[str, Any]]]
ROUTE = re.compile(
    r"^/(?:v1|openai)/(files|batches)(?:/([^/?]+))?(?:/(content|cancel))?/?(?:\?.*)?$"
)


class FakeBatches:
    """Files and batches kept in memory; thread-safe (the server is threaded)."""

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.batch_polls = 1  # retrievals that still report in_progress
        self.expire_after: int | None = None  # lines done before the batch expires
        self.files: dict[str, tuple[str, bytes]] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self.created = 0  # batches created, so a test can see a resume made no new one
        self.create_delay_s = 0.0  # how long a create waits before it answers (it exists at once)
        self.create_seen = threading.Event()  # set when a create request has arrived
        self.listed = 0  # list requests, so a test can see a lost create was looked for
        self.retrievals = 0
        self._polls: dict[str, int] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def handles(self, path: str) -> bool:
        """True for a files or batches route."""
        return ROUTE.match(path) is not None

    def route(self, method: str, path: str, ctype: str, raw: bytes) -> tuple[int, Any]:
        """Serve one request: a status and a JSON payload, or bytes for a file's content."""
        match = ROUTE.match(path)
        assert match is not None
        kind, ident, action = match.groups()
        if kind == "batches" and method == "POST" and ident is None:
            answer = self._create_slowly(json.loads(raw or b"{}"))
            return answer
        with self._lock:
            if kind == "files" and method == "POST" and ident is None:
                return 200, self._upload(ctype, raw)
            if kind == "files" and ident in self.files:
                name, data = self.files[ident]
                return 200, data if action == "content" else self._file(ident, name, data)
            if kind == "batches" and method == "GET" and ident is None:
                return 200, self._list(path)
            if kind == "batches" and ident in self.batches:
                return 200, self._retrieve(ident)
        return 404, {"message": f"no such {kind} object: {ident}"}

    def _upload(self, ctype: str, raw: bytes) -> dict[str, Any]:
        head = f"Content-Type: {ctype}\r\n\r\n".encode()
        message = BytesParser(policy=HTTP).parsebytes(head + raw)
        name, data = "upload.jsonl", b""
        for part in message.iter_parts():
            if part.get_param("name", header="content-disposition") == "file":
                name = part.get_filename() or name
                data = part.get_payload(decode=True) or b""
        return self._store(name, data)

    def _store(self, name: str, data: bytes) -> dict[str, Any]:
        ident = f"file-{next(self._ids)}"
        self.files[ident] = (name, data)
        return self._file(ident, name, data)

    @staticmethod
    def _file(ident: str, name: str, data: bytes) -> dict[str, Any]:
        return {
            "id": ident,
            "object": "file",
            "bytes": len(data),
            "created_at": int(time.time()),
            "filename": name,
            "purpose": "batch",
            "status": "processed",
        }

    def _create_slowly(self, body: dict[str, Any]) -> tuple[int, Any]:
        # The batch exists the moment the request arrives; only its answer is late (as when a
        # provider is slow, or the client is interrupted while it waits).
        with self._lock:
            answer = self._create(body)
        self.create_seen.set()
        time.sleep(self.create_delay_s)
        return answer

    def _list(self, path: str) -> dict[str, Any]:
        """Newest first, `limit` at a time after the batch named by `after`, as OpenAI pages."""
        self.listed += 1
        query = dict(re.findall(r"[?&]([^=&]+)=([^&]*)", path))
        newest = list(reversed(self.batches.values()))
        if (after := query.get("after")) is not None:
            ids = [b["id"] for b in newest]
            newest = newest[ids.index(after) + 1 :] if after in ids else []
        limit = int(query.get("limit") or 20)
        page = newest[:limit]
        first, last = (page[0]["id"], page[-1]["id"]) if page else (None, None)
        more = len(newest) > limit
        return {"object": "list", "data": page, "first_id": first, "last_id": last,
                "has_more": more}  # fmt: skip

    def _create(self, body: dict[str, Any]) -> tuple[int, Any]:
        source = body.get("input_file_id", "")
        if source not in self.files:
            return 400, {"message": f"no such input file: {source}"}
        lines = self.files[source][1].splitlines()
        ident = f"batch_{next(self._ids)}"
        self.created += 1
        self._polls[ident] = 0
        self.batches[ident] = {
            "id": ident,
            "object": "batch",
            "endpoint": body.get("endpoint", "/v1/chat/completions"),
            "input_file_id": source,
            "completion_window": body.get("completion_window", "24h"),
            "status": "validating",
            "created_at": int(time.time()),
            "metadata": body.get("metadata"),
            "request_counts": {"total": len(lines), "completed": 0, "failed": 0},
        }
        return 200, self.batches[ident]

    def _retrieve(self, ident: str) -> dict[str, Any]:
        self.retrievals += 1
        batch = self.batches[ident]
        if batch["status"] in ("completed", "expired", "failed", "cancelled"):
            return batch
        self._polls[ident] += 1
        if self._polls[ident] <= self.batch_polls:
            batch["status"] = "in_progress"
            total = batch["request_counts"]["total"]
            done = total * self._polls[ident] // (self.batch_polls + 1)
            batch["request_counts"]["completed"] = done
            return batch
        self._run(batch)
        return batch

    def _run(self, batch: dict[str, Any]) -> None:
        lines = self.files[batch["input_file_id"]][1].splitlines()
        stop = len(lines) if self.expire_after is None else self.expire_after
        out: list[bytes] = []
        errors: list[bytes] = []
        for number, line in enumerate(lines[:stop]):
            request = json.loads(line)
            status, body = self.answer(request["body"])
            record = {
                "id": f"batch_req_{number}",
                "custom_id": request["custom_id"],
                "response": {"status_code": status, "request_id": f"req_{number}", "body": body},
                "error": None,
            }
            (out if status == 200 else errors).append(json.dumps(record).encode())
        counts = {"total": len(lines), "completed": len(out), "failed": len(errors)}
        batch["request_counts"] = counts
        batch["status"] = "completed" if self.expire_after is None else "expired"
        if out:
            batch["output_file_id"] = self._store("output.jsonl", b"\n".join(out) + b"\n")["id"]
        if errors:
            batch["error_file_id"] = self._store("errors.jsonl", b"\n".join(errors) + b"\n")["id"]
