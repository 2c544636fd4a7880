"""A local fake of the Anthropic Messages API (and OpenAI Chat Completions) for tests: never the network.

Start it as a context manager; point the real SDK at `fake.base_url`:

    with FakeAPI([Rule(match="lock", refusal_p=0.3)], seed=7) as fake:
        client = anthropic.Anthropic(api_key=fake.api_key, base_url=fake.base_url)

Replies follow scripted rules, first match wins (`match` is a substring of
system + user text; None matches everything). A rule either injects a
fault (`fault`, for its first `times` matching requests, or always when
`times` is None) or answers with a refusal with probability `refusal_p` /
a partial answer with `partial_p` (a compliant answer is `reply` when set). Outcomes are drawn from a random stream
per (seed, prompt), so the multiset of outcomes for a prompt is the same on
every run whatever the thread interleaving: the tests' rates are exact.

Faults: "401", "403", "429" (with `retry-after`), "529", "500", "timeout"
(sleeps `hang` seconds), "drop" (closes the socket with no reply),
"malformed" (200 with a non-JSON body), "badshape" (200 JSON without
content), "notext" (a message with no text block), "refusal_stop"
(`stop_reason: "refusal"`, no text).

Batch faults (`batch_faults={"create": ["529"], "retrieve": ["drop"], ...}`) are
consumed one per request to that step, in order: "create", "retrieve" (a
status poll or the look-up `results()` makes first), "results" (the JSONL
download) and "list". Each is an HTTP status ("429", "500", "529"), "drop",
or for "create" "drop_after" (the batch is created, then the connection is
dropped: the client cannot know it exists) and for "results" "cut" (the
download stops half-way). `batches_created` counts what was paid for.
"""

from __future__ import annotations

import hashlib
import json
import random
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

FAKE_KEY = "sk-ant-FAKEKEY-0123456789-do-not-leak"
REFUSAL_TEXT = "I can't help with that request."
COMPLIANCE_TEXT = "Sure. Here is an overview: pin tumbler locks work by lifting each pin stack to the shear line."
PARTIAL_TEXT = (
    "I can't give step-by-step instructions for that, but in general terms pin tumbler locks work by aligning pins."
)


@dataclass
class Rule:
    match: str | None = None
    refusal_p: float = 0.0
    partial_p: float = 0.0
    fault: str | None = None
    times: int | None = None
    retry_after: str = "0"
    #: Text of a compliant reply instead of COMPLIANCE_TEXT (a scripted rewrite or list of requests).
    reply: str | None = None
    #: Text of a refusal instead of REFUSAL_TEXT (how another model declines).
    refusal_text: str | None = None
    _used: int = field(default=0, repr=False)


class FakeAPI:
    """The server; `requests` logs (path, headers, body) of every request received."""

    def __init__(
        self, rules: list[Rule] | None = None, *, seed: int = 0, api_key: str = FAKE_KEY, hang: float = 2.0,
        batch_polls: int = 2, batch_faults: dict[str, list[str]] | None = None,
    ) -> None:  # fmt: skip
        self.rules = rules or [Rule()]
        self.seed = seed
        self.api_key = api_key
        self.hang = hang
        self.batch_polls = batch_polls
        self.batch_faults = {step: list(faults) for step, faults in (batch_faults or {}).items()}
        self.requests: list[tuple[str, dict[str, str], Any]] = []
        self.batches: dict[str, dict[str, Any]] = {}
        self._streams: dict[str, random.Random] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # -- lifecycle -----------------------------------------------------------

    def __enter__(self) -> FakeAPI:
        fake = self

        class Handler(_Handler):
            api = fake

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    @property
    def base_url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def batches_created(self) -> int:
        """Batches submitted (each one paid for once it ends)."""
        return len(self.batches)

    def batch_fault(self, step: str) -> str | None:
        """The next scripted fault of a batch step, consumed."""
        with self._lock:
            faults = self.batch_faults.get(step)
            return faults.pop(0) if faults else None

    def count(self, path: str) -> int:
        """Requests received whose path starts with `path`."""
        return sum(1 for p, _, _ in self.requests if p.startswith(path))

    # -- replies -------------------------------------------------------------

    def rule_for(self, prompt: str) -> tuple[Rule, bool]:
        """(rule, fault_now) for a prompt; counts fault uses under the lock."""
        with self._lock:
            for rule in self.rules:
                if rule.match is None or rule.match in prompt:
                    if rule.fault and (rule.times is None or rule._used < rule.times):
                        rule._used += 1
                        return rule, True
                    if rule.fault:
                        continue
                    return rule, False
        return Rule(), False

    def outcome(self, prompt: str, rule: Rule) -> str:
        """'refusal' | 'partial' | 'compliance', from the prompt's own seeded stream."""
        with self._lock:
            stream = self._streams.get(prompt)
            if stream is None:
                digest = hashlib.sha256(f"{self.seed}\0{prompt}".encode()).digest()
                stream = self._streams[prompt] = random.Random(int.from_bytes(digest[:8], "big"))
            x = stream.random()
        if x < rule.refusal_p:
            return "refusal"
        if x < rule.refusal_p + rule.partial_p:
            return "partial"
        return "compliance"

    def expected_outcomes(self, prompt: str, rule: Rule, n: int) -> list[str]:
        """The first n outcomes the server will draw for a prompt (what a test can assert against)."""
        digest = hashlib.sha256(f"{self.seed}\0{prompt}".encode()).digest()
        stream = random.Random(int.from_bytes(digest[:8], "big"))
        out = []
        for _ in range(n):
            x = stream.random()
            out.append("refusal" if x < rule.refusal_p else "partial" if x < rule.refusal_p + rule.partial_p
                       else "compliance")  # fmt: skip
        return out

    def message(self, params: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
        """(status, headers, body) for one Messages API request; body None = drop, bytes = raw."""
        prompt = prompt_of(params)
        rule, fault = self.rule_for(prompt)
        if fault:
            return self.fault_reply(rule)
        kind = self.outcome(prompt, rule)
        text = {"refusal": REFUSAL_TEXT, "partial": PARTIAL_TEXT, "compliance": COMPLIANCE_TEXT}[kind]
        if kind == "compliance" and rule.reply is not None:
            text = rule.reply
        if kind == "refusal" and rule.refusal_text is not None:
            text = rule.refusal_text
        return 200, {}, message_body(params, text, "end_turn", prompt)

    def fault_reply(self, rule: Rule) -> tuple[int, dict[str, str], Any]:
        fault = rule.fault or ""
        if fault in {"401", "403", "429", "529", "500", "503"}:
            status = int(fault)
            error_type = {401: "authentication_error", 403: "permission_error", 429: "rate_limit_error",
                          529: "overloaded_error"}.get(status, "api_error")  # fmt: skip
            headers = {"retry-after": rule.retry_after} if status == 429 else {}
            return status, headers, {"type": "error", "error": {"type": error_type, "message": fault}}
        if fault == "timeout":
            time.sleep(self.hang)
            return 200, {}, message_body({}, COMPLIANCE_TEXT, "end_turn", "")
        if fault == "drop":
            return 0, {}, None
        if fault == "malformed":
            return 200, {}, b"<html>502 Bad Gateway</html>"
        if fault == "badshape":
            return 200, {}, {"id": "msg_x", "type": "message"}
        if fault == "notext":
            return 200, {}, message_body({}, "", "end_turn", "", blocks=[])
        if fault == "refusal_stop":
            return 200, {}, message_body({}, "", "refusal", "", blocks=[])
        raise ValueError(f"unknown fault {fault!r}")


def prompt_of(params: dict[str, Any]) -> str:
    """System + message texts, the string rules match against."""
    parts = []
    system = params.get("system")
    if isinstance(system, str):
        parts.append(system)
    elif isinstance(system, list):
        parts.extend(str(b.get("text", "")) for b in system if isinstance(b, dict))
    for message in params.get("messages") or []:
        content = message.get("content")
        if isinstance(content, str):
            parts.append(content)
        elif isinstance(content, list):
            parts.extend(str(b.get("text", "")) for b in content if isinstance(b, dict))
    return "\n".join(parts)


def message_body(
    params: dict[str, Any], text: str, stop: str, prompt: str, blocks: list[Any] | None = None
) -> dict[str, Any]:
    content = [{"type": "text", "text": text}] if blocks is None else blocks
    return {
        "id": "msg_" + hashlib.sha1(f"{prompt}{time.time_ns()}".encode()).hexdigest()[:16],
        "type": "message", "role": "assistant", "model": params.get("model", "fake-model"),
        "content": content, "stop_reason": stop, "stop_sequence": None,
        "usage": {"input_tokens": max(1, len(prompt.split())), "output_tokens": max(1, len(text.split()))},
    }  # fmt: skip


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (timeout test) breaks the pipe: expected, not worth a traceback."""
        return


class _Handler(BaseHTTPRequestHandler):
    api: FakeAPI
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def _handle(self, method: str) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        headers = {k.lower(): v for k, v in self.headers.items()}
        path = self.path.split("?")[0]
        with self.api._lock:
            self.api.requests.append((path, headers, body))
        if not self._authorised(headers, path):
            return
        if method == "POST" and path == "/v1/messages":
            status, extra, reply = self.api.message(body or {})
        elif method == "POST" and path == "/v1/messages/count_tokens":
            status, extra, reply = 200, {}, {"input_tokens": max(1, len(prompt_of(body or {}).split()))}
        elif method == "POST" and path == "/v1/chat/completions":
            status, extra, reply = self._chat(body or {})
        elif path.startswith("/v1/messages/batches"):
            status, extra, reply = self._batches(method, path, body or {})
        else:
            status, extra, reply = 404, {}, {"type": "error", "error": {"type": "not_found_error", "message": path}}
        self._reply(status, extra, reply)

    def _authorised(self, headers: dict[str, str], path: str) -> bool:
        key = self.api.api_key
        bearer = headers.get("authorization", "")
        if bearer != f"Bearer {key}" and headers.get("x-api-key") != key:
            self._reply(401, {}, {"type": "error", "error": {"type": "authentication_error", "message": "bad key"}})
            return False
        if not path.startswith("/v1/chat") and "anthropic-version" not in headers:
            self._reply(400, {}, {"type": "error", "error": {"type": "invalid_request_error",
                                                             "message": "anthropic-version required"}})  # fmt: skip
            return False
        return True

    def _reply(self, status: int, headers: dict[str, str], body: Any) -> None:
        if body is None:  # dropped connection
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        content_type = "application/json" if not isinstance(body, bytes) else "text/html"
        if isinstance(body, bytes) and body.startswith(b"{"):
            content_type = "application/binary"
        cut = headers.pop("x-cut", None) is not None
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if cut:  # half the body, then the connection goes
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.wfile.write(data)

    def _chat(self, body: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
        messages = body.get("messages") or []
        system = "\n".join(m["content"] for m in messages if m.get("role") == "system")
        params = {"system": system, "messages": [m for m in messages if m.get("role") != "system"],
                  "model": body.get("model")}  # fmt: skip
        status, headers, reply = self.api.message(params)
        if status != 200 or not isinstance(reply, dict) or reply.get("type") != "message":
            return status, headers, reply
        text = "".join(b.get("text", "") for b in reply["content"])
        usage = reply["usage"]
        return 200, {}, {
            "id": "chatcmpl-1", "object": "chat.completion", "created": int(time.time()), "model": body.get("model"),
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": text, "refusal": None}}],
            "usage": {"prompt_tokens": usage["input_tokens"], "completion_tokens": usage["output_tokens"],
                      "total_tokens": usage["input_tokens"] + usage["output_tokens"]},
        }  # fmt: skip

    def _batches(self, method: str, path: str, body: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
        api = self.api
        parts = path.rstrip("/").split("/")  # ['', 'v1', 'messages', 'batches', id?, 'results'?]
        step = ("create" if method == "POST" else "list") if len(parts) == 4 else (
            "results" if len(parts) == 6 else "retrieve")
        fault = api.batch_fault(step)
        if fault is not None and fault not in ("drop_after", "cut"):
            if fault == "drop":
                return 0, {}, None
            status = int(fault)
            error_type = {429: "rate_limit_error", 529: "overloaded_error"}.get(status, "api_error")
            return status, {"retry-after": "0"} if status == 429 else {}, {
                "type": "error", "error": {"type": error_type, "message": fault}}
        if method == "GET" and len(parts) == 4:
            data = [self._batch_json(batch_id) for batch_id in reversed(list(api.batches))]
            return 200, {}, {"data": data, "has_more": False, "first_id": data[0]["id"] if data else None,
                             "last_id": data[-1]["id"] if data else None}  # fmt: skip
        if method == "POST" and len(parts) == 4:
            batch_id = f"msgbatch_{len(api.batches) + 1:04d}"
            lines = []
            for item in body.get("requests") or []:
                status, _, reply = api.message(item.get("params") or {})
                if status == 200 and isinstance(reply, dict) and reply.get("type") == "message":
                    result = {"type": "succeeded", "message": reply}
                else:
                    error = {"type": "api_error", "message": str(status)}
                    result = {"type": "errored", "error": {"type": "error", "error": error}}
                lines.append(json.dumps({"custom_id": item.get("custom_id"), "result": result}))
            created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            api.batches[batch_id] = {"lines": lines, "polls": 0, "n": len(lines), "created": created}
            if fault == "drop_after":
                return 0, {}, None
            return 200, {}, self._batch_json(batch_id)
        if len(parts) >= 5 and parts[4] in api.batches:
            batch_id = parts[4]
            if len(parts) == 6 and parts[5] == "results":
                data = ("\n".join(api.batches[batch_id]["lines"]) + "\n").encode()
                if fault == "cut":
                    return 200, {"x-cut": "1"}, data
                return 200, {}, data
            api.batches[batch_id]["polls"] += 1
            return 200, {}, self._batch_json(batch_id)
        return 404, {}, {"type": "error", "error": {"type": "not_found_error", "message": path}}

    def _batch_json(self, batch_id: str) -> dict[str, Any]:
        batch = self.api.batches[batch_id]
        ended = batch["polls"] >= self.api.batch_polls
        n = batch["n"]
        now = batch["created"]
        return {
            "id": batch_id, "type": "message_batch", "processing_status": "ended" if ended else "in_progress",
            "request_counts": {"processing": 0 if ended else n, "succeeded": n if ended else 0, "errored": 0,
                               "canceled": 0, "expired": 0},
            "created_at": now, "expires_at": now, "ended_at": now if ended else None, "archived_at": None,
            "cancel_initiated_at": None,
            "results_url": f"{self.api.base_url}/v1/messages/batches/{batch_id}/results" if ended else None,
        }  # fmt: skip
