"""`check`, `extract`, `fix` (without --llm), `classify` and `lsp` never open a network connection.

In process, every socket connect, `create_connection` and DNS lookup is made to fail and recorded; in
subprocesses a `sitecustomize` on PYTHONPATH does the same before promptlint is imported, logging to a
file. An API key is set in the environment throughout: it must neither be used nor printed.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import promptlint.cli as cli

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
FAKE_KEY = "sk-ant-api03-NOT-A-REAL-KEY-promptlint-test"

SITECUSTOMIZE = '''
"""Test harness: any network connection attempt is logged and fails."""
import os
import socket

_LOG = os.environ["PROMPTLINT_TEST_NET_LOG"]


def _refuse(what, *args, **kwargs):
    with open(_LOG, "a", encoding="utf-8") as log:
        log.write(f"{what} {args[:2]!r}\\n")
    raise OSError(f"network disabled in this test: {what}")


def _method(name):
    def blocked(self, *args, **kwargs):
        if self.family == socket.AF_UNIX:  # local IPC is not the network
            return _real[name](self, *args, **kwargs)
        return _refuse(f"socket.{name}", *args)
    return blocked


_real = {name: getattr(socket.socket, name) for name in ("connect", "connect_ex")}
socket.socket.connect = _method("connect")
socket.socket.connect_ex = _method("connect_ex")
socket.create_connection = lambda *a, **k: _refuse("create_connection", *a)
socket.getaddrinfo = lambda *a, **k: _refuse("getaddrinfo", *a)
'''


@pytest.fixture
def attempts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make every network attempt in this process fail, and record it."""
    seen: list[str] = []

    def refuse(what: str) -> object:
        def blocked(*args: object, **kwargs: object) -> object:
            seen.append(f"{what} {args[1:3]!r}")
            raise OSError(f"network disabled in this test: {what}")

        return blocked

    real_connect = socket.socket.connect

    def connect(self: socket.socket, address: object) -> None:
        if self.family == socket.AF_UNIX:
            return real_connect(self, address)  # type: ignore[arg-type]
        seen.append(f"connect {address!r}")
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("connect_ex"))
    monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
    monkeypatch.setenv("ANTHROPIC_API_KEY", FAKE_KEY)
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_KEY)
    return seen


def test_the_guard_itself_blocks(attempts: list[str]) -> None:
    with pytest.raises(OSError):
        socket.create_connection(("example.com", 443), timeout=1)
    with pytest.raises(OSError), socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.connect(("127.0.0.1", 9))
    assert len(attempts) == 2


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the example app (fix writes files) plus a responses file for classify."""
    import shutil

    shutil.copytree(EXAMPLES, tmp_path / "examples")
    (tmp_path / "responses.jsonl").write_text(
        json.dumps({"response": "I can't help with that request."}) + "\n"
        + json.dumps({"response": "Sure: preheat the oven to 200 C."}) + "\n"
    )  # fmt: skip
    return tmp_path


@pytest.mark.parametrize("argv", [
    ["check", "--no-cache", "--exit-zero", "examples"],
    ["extract", "examples"],
    ["fix", "--diff", "examples"],
    ["fix", "--unsafe-fixes", "examples"],
    ["classify", "responses.jsonl"],
    ["rules"],
])  # fmt: skip
def test_commands_in_process(attempts: list[str], project: Path, monkeypatch: pytest.MonkeyPatch,
                             capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    monkeypatch.chdir(project)
    status = cli.main(argv)
    out, err = capsys.readouterr()
    assert status in (0, 1), err
    assert out.strip() or argv[0] == "fix"
    assert attempts == []
    assert FAKE_KEY not in out + err


def _lsp_messages(uri: str, text: str) -> bytes:
    messages = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"processId": None, "rootUri": None,
                                                                       "capabilities": {}}},
        {"jsonrpc": "2.0", "method": "initialized", "params": {}},
        {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": uri, "languageId": "python", "version": 1, "text": text}}},
        {"jsonrpc": "2.0", "id": 2, "method": "shutdown", "params": None},
        {"jsonrpc": "2.0", "method": "exit", "params": None},
    ]  # fmt: skip
    out = b""
    for message in messages:
        body = json.dumps(message).encode()
        out += f"Content-Length: {len(body)}\r\n\r\n".encode() + body
    return out


@pytest.fixture
def guarded_env(tmp_path: Path) -> dict[str, str]:
    """Environment for a subprocess whose sitecustomize refuses (and logs) every connection."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(textwrap.dedent(SITECUSTOMIZE))
    log = tmp_path / "net.log"
    log.write_text("")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(REPO)]), "PROMPTLINT_TEST_NET_LOG": str(log),
           "ANTHROPIC_API_KEY": FAKE_KEY, "OPENAI_API_KEY": FAKE_KEY}  # fmt: skip
    return env


def _run(argv: list[str], cwd: Path, env: dict[str, str], stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "promptlint", *argv], cwd=cwd, env=env, input=stdin,
                          capture_output=True, timeout=120, check=False)  # fmt: skip


def test_sitecustomize_guard_works(guarded_env: dict[str, str], tmp_path: Path) -> None:
    code = "import socket\ntry:\n    socket.create_connection(('example.com', 80), 1)\nexcept OSError as e:\n print(e)"
    proc = subprocess.run([sys.executable, "-c", code], env=guarded_env, capture_output=True, text=True, check=False)
    assert "network disabled" in proc.stdout
    assert "create_connection" in Path(guarded_env["PROMPTLINT_TEST_NET_LOG"]).read_text()


def test_commands_in_subprocesses(guarded_env: dict[str, str], project: Path) -> None:
    runs = {
        "check": _run(["check", "--no-cache", "--format", "json", "examples"], project, guarded_env),
        "extract": _run(["extract", "examples"], project, guarded_env),
        "fix --diff": _run(["fix", "--diff", "examples"], project, guarded_env),
        "classify": _run(["classify"], project, guarded_env, (project / "responses.jsonl").read_bytes()),
    }
    app = project / "examples" / "support_desk" / "security_assistant.py"
    runs["lsp"] = _run(["lsp"], project, guarded_env, _lsp_messages(app.as_uri(), app.read_text()))
    for name, proc in runs.items():
        output = (proc.stdout + proc.stderr).decode(errors="replace")
        assert proc.returncode in (0, 1), f"{name}: {output[-800:]}"
        assert b"Traceback" not in proc.stderr, f"{name}: {output[-800:]}"
        assert FAKE_KEY not in output, name
    assert b"publishDiagnostics" in runs["lsp"].stdout  # the server really linted the document
    assert json.loads(runs["check"].stdout)  # and check really found something
    assert Path(guarded_env["PROMPTLINT_TEST_NET_LOG"]).read_text() == ""
