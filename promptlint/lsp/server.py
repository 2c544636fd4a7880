"""`promptlint lsp`: command line entry (`add_arguments`, `run`); the server itself is in `pygls_server`.

pygls is optional (`pip install 'promptlint-refusal[lsp]'`): without it this module
still imports, so `promptlint lsp --help` works and `run` says what to
install instead of failing with a traceback.

A fast handshake: an editor waits for the answer to `initialize` before it
sends anything else, and importing pygls and its protocol types takes most of
a second. So `run` reads the first message itself, answers `initialize` at
once with the capabilities the pygls server has (built here from plain data,
no protocol types: `tests/test_lsp.py` holds the two answers equal), then
imports pygls and hands it the stream with that first message put back, so
pygls sets itself up from the same request; its own answer to it is dropped.
Messages the editor sends meanwhile wait in the pipe. Set
`PROMPTLINT_LSP_SLOW_START=1` to let pygls answer instead (for comparison:
`benchmarks/lsp_start.py --compare`).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
from typing import IO, Any

from promptlint.lsp.capabilities import DEFAULT_DEBOUNCE, initialize_result


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", metavar="FILE", help="config file for every document (default: found per document)")
    parser.add_argument("--no-config", action="store_true", help="ignore every config file")
    parser.add_argument("--debounce", type=float, default=DEFAULT_DEBOUNCE, metavar="SECONDS",
                        help=f"quiet time after an edit before linting (default: {DEFAULT_DEBOUNCE})")  # fmt: skip
    parser.add_argument("--stdio", action="store_true", help="talk over stdin/stdout (the default and only transport)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log to stderr")


def _read_message(stream: IO[bytes]) -> tuple[bytes, dict[str, Any] | None]:
    """One LSP message: its raw bytes (headers and body) and the decoded body (None at EOF or if unreadable)."""
    raw = b""
    length = 0
    while True:
        line = stream.readline()
        if not line:
            return raw, None
        raw += line
        if line in (b"\r\n", b"\n"):
            break
        name, _, value = line.decode("ascii", "replace").partition(":")
        if name.strip().lower() == "content-length":
            try:
                length = int(value.strip())
            except ValueError:
                return raw, None
    body = stream.read(length) if length else b""
    raw += body
    try:
        message = json.loads(body)
    except ValueError:
        return raw, None
    return raw, message if isinstance(message, dict) else None


class _Replay:
    """Standard input with bytes already read put back in front (what pygls reads from)."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self.head = io.BytesIO(head)
        self.rest = rest

    def readline(self) -> bytes:
        line = self.head.readline()
        if line.endswith(b"\n"):
            return line
        return line + self.rest.readline()

    def read(self, n: int = -1) -> bytes:
        data = self.head.read(n)
        if n < 0:
            return data + self.rest.read()
        if len(data) < n:
            data += self.rest.read(n - len(data))
        return data


class _DropAnswer:
    """Standard output that drops pygls's answer to the `initialize` request already answered."""

    def __init__(self, out: IO[bytes], request_id: Any) -> None:
        self.out = out
        self.request_id = request_id
        self.pending = True

    def write(self, data: bytes) -> int:
        if self.pending:
            body = data.partition(b"\r\n\r\n")[2]
            try:
                message = json.loads(body)
            except ValueError:
                message = None
            if isinstance(message, dict) and "method" not in message and message.get("id") == self.request_id:
                self.pending = False
                return len(data)
        written = self.out.write(data)
        self.out.flush()
        return written

    def flush(self) -> None:
        self.out.flush()

    def close(self) -> None:
        self.out.close()


def answer_initialize(stdin: IO[bytes], stdout: IO[bytes]) -> tuple[IO[bytes], IO[bytes]]:
    """Read the first message; answer it if it is `initialize`. The streams to give pygls."""
    raw, message = _read_message(stdin)
    if message is None or message.get("method") != "initialize" or "id" not in message:
        return _Replay(raw, stdin), stdout
    answer = {"jsonrpc": "2.0", "id": message["id"], "result": initialize_result(message.get("params") or {})}
    body = json.dumps(answer).encode("utf-8")
    stdout.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    stdout.flush()
    return _Replay(raw, stdin), _DropAnswer(stdout, message["id"])


def run(args: argparse.Namespace) -> int:
    """Serve over stdio until the client says exit."""
    if getattr(args, "verbose", False):
        import logging

        logging.basicConfig(level=logging.DEBUG, format="%(name)s: %(message)s")
    if getattr(args, "config", None) and getattr(args, "no_config", False):
        from promptlint.errors import UsageError

        raise UsageError("--config and --no-config cannot be used together")
    import importlib.util

    if importlib.util.find_spec("pygls") is None or importlib.util.find_spec("lsprotocol") is None:
        print("promptlint lsp needs pygls 2: pip install 'promptlint-refusal[lsp]'", file=sys.stderr)
        return 2
    stdin: IO[bytes] = sys.stdin.buffer
    stdout: IO[bytes] = sys.stdout.buffer
    if os.environ.get("PROMPTLINT_LSP_SLOW_START") != "1":
        stdin, stdout = answer_initialize(stdin, stdout)
    try:
        from promptlint.lsp.pygls_server import create_server
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.split(".")[0] in ("pygls", "lsprotocol"):
            print("promptlint lsp needs pygls 2: pip install 'promptlint-refusal[lsp]'", file=sys.stderr)
            return 2
        raise
    from promptlint.lsp.engine import Linter

    linter = Linter(getattr(args, "config", None), isolated=getattr(args, "no_config", False))
    server = create_server(linter, max(getattr(args, "debounce", DEFAULT_DEBOUNCE), 0.0))
    server.start_io(stdin, stdout)  # type: ignore[arg-type]
    return 0
