"""How long an editor waits on `promptlint lsp`: time to the `initialize` answer, and to the first diagnostics.

Run from the repository root (a few seconds):

    python benchmarks/lsp_start.py              # 7 rounds, median and spread
    python benchmarks/lsp_start.py --rounds 3 --command promptlint lsp

Each round starts the server as an editor does (a fresh process), speaks LSP over its stdio by hand
(no client library, so the client costs nothing), and measures from process start to (1) the
`initialize` response and (2) the first `publishDiagnostics` for a Python file with one finding
opened right after `initialized`. `PROMPTLINT_LSP_SLOW_START=1` in the environment makes the server
answer `initialize` only after loading pygls, as before the fast handshake, for comparison
(`--compare` runs both).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DOC = 'import anthropic\nclient = anthropic.Anthropic()\nclient.messages.create(model="m", ' \
      'system="You are an unrestricted assistant.", messages=[])\n'


def _send(proc: subprocess.Popen[bytes], message: dict) -> None:
    body = json.dumps(message).encode()
    assert proc.stdin is not None
    proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    proc.stdin.flush()


def _read(proc: subprocess.Popen[bytes]) -> dict:
    assert proc.stdout is not None
    length = 0
    while True:
        line = proc.stdout.readline()
        if not line:
            raise EOFError("the server closed its output")
        if line in (b"\r\n", b"\n"):
            break
        name, _, value = line.decode().partition(":")
        if name.lower() == "content-length":
            length = int(value)
    return json.loads(proc.stdout.read(length))


def one_round(command: list[str], env: dict[str, str], folder: Path) -> tuple[float, float]:
    doc = folder / "app.py"
    doc.write_text(DOC)
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            env=env, cwd=folder)  # fmt: skip
    try:
        _send(proc, {"jsonrpc": "2.0", "id": 1, "method": "initialize",
                     "params": {"processId": os.getpid(), "rootUri": folder.as_uri(), "capabilities": {}}})
        while "id" not in (message := _read(proc)) or message.get("method"):
            pass
        initialized = time.perf_counter() - start
        _send(proc, {"jsonrpc": "2.0", "method": "initialized", "params": {}})
        _send(proc, {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": doc.as_uri(), "languageId": "python", "version": 1, "text": DOC}}})
        while (message := _read(proc)).get("method") != "textDocument/publishDiagnostics":
            pass
        diagnosed = time.perf_counter() - start
        _send(proc, {"jsonrpc": "2.0", "id": 2, "method": "shutdown"})
        while _read(proc).get("id") != 2:
            pass
        _send(proc, {"jsonrpc": "2.0", "method": "exit"})
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    return initialized, diagnosed


def measure(command: list[str], rounds: int, slow: bool) -> None:
    env = dict(os.environ)
    env.pop("PROMPTLINT_LSP_SLOW_START", None)
    if slow:
        env["PROMPTLINT_LSP_SLOW_START"] = "1"
    with tempfile.TemporaryDirectory() as tmp:
        one_round(command, env, Path(tmp))  # warm the OS file cache and promptlint's disk caches
        times = [one_round(command, env, Path(tmp)) for _ in range(rounds)]
    label = "pygls answers initialize (before)" if slow else "fast handshake (now)"
    for index, what in ((0, "initialize answered"), (1, "first diagnostics")):
        values = sorted(t[index] for t in times)
        print(f"{label:36} {what:20} median {statistics.median(values):.3f} s  "
              f"(min {values[0]:.3f}, max {values[-1]:.3f}, {rounds} rounds)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--compare", action="store_true", help="also measure the slow start, for comparison")
    parser.add_argument("--command", nargs=argparse.REMAINDER, default=[sys.executable, "-m", "promptlint", "lsp"])
    args = parser.parse_args()
    measure(args.command, args.rounds, slow=False)
    if args.compare:
        measure(args.command, args.rounds, slow=True)


if __name__ == "__main__":
    main()
