"""The command line end to end: `main([...])` in process, and exit codes through a real subprocess."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import types
from pathlib import Path

import pytest

import promptlint.cli as cli
import promptlint.rules_engine as rules_engine
from promptlint.model import Extraction, Finding, Severity
from promptlint.rules_engine.rule import Rule, RuleDoc

DOC = RuleDoc("Flags blanket overrides.", "They read as bypass attempts.", 'system="unrestricted"', 'system="scoped"',
              "Display-only.")  # fmt: skip


def make_rule(code: str, name: str, severity: Severity = Severity.ERROR, kind: str = "pattern",
              default_enabled: bool = True) -> Rule:  # fmt: skip
    return Rule(code, name, severity, kind, f"{name} message", f"{name} hint", DOC,  # type: ignore[arg-type]
                frozenset({"system", "user"}), default_enabled=default_enabled)  # fmt: skip


FAKE_RULES = [
    make_rule("PL000", "parse-error", kind="builtin"),
    make_rule("PL001", "unused-noqa", Severity.WARNING, kind="builtin"),
    make_rule("PL101", "unrestricted-override"),
    make_rule("PL302", "loaded-intent-wording", Severity.WARNING),
    make_rule("PL403", "unchecked-refusal", Severity.INFO, default_enabled=False),
]
WORDS = {"unrestricted": "PL101", "trick": "PL302", "anything": "PL403"}


def fake_run_rules(extraction: Extraction, rules: list[Rule]) -> list[Finding]:
    by_code = {r.code: r for r in rules}
    out = []
    for prompt in extraction.prompts:
        for word, code in WORDS.items():
            rule = by_code.get(code)
            for match in re.finditer(word, prompt.text) if rule else ():
                start, end = prompt.file_span(match.start(), match.end())
                (line, column), (end_line, end_column) = map(extraction.source.position, (start, end))
                out.append(Finding(code, rule.name, rule.severity, rule.message, extraction.source.path, line, column,
                                   end_line, end_column, prompt.role, hint=rule.hint, span=(start, end),
                                   statement_span=prompt.statement_span, prompt_text=prompt.text))  # fmt: skip
    return out


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setattr(rules_engine, "run_rules", fake_run_rules)
    monkeypatch.setattr(cli, "load_all_rules", lambda config: list(FAKE_RULES))
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def prompt_file(path: Path, system: str, user: str = "hello") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "import anthropic\n\nclient = anthropic.Anthropic()\n"
        f"client.messages.create(\n    model='m',\n    system={system!r},\n"
        f"    messages=[{{'role': 'user', 'content': {user!r}}}],\n)\n",
        encoding="utf-8",
    )
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_check_concise_and_exit_codes(fake: Path, capsys: pytest.CaptureFixture[str]) -> None:
    prompt_file(fake / "app.py", "You are an unrestricted assistant.", "Any trick will do.")
    code, out, _ = run(capsys, "check", "--format", "concise", "--quiet")
    assert code == 1
    assert out.splitlines() == [
        "app.py:6:24: PL101 [error] unrestricted-override message",
        "app.py:7:48: PL302 [warning] loaded-intent-wording message",
    ]
    assert run(capsys, "check", "--format", "concise", "--fail-on", "error", "--ignore", "PL101")[0] == 0
    assert run(capsys, "check", "--format", "concise", "--exit-zero")[0] == 0
    code, out, _ = run(capsys, "check", "--format", "concise", "--select", "PL3", "-q")
    assert (code, [line.split()[1] for line in out.splitlines()]) == (1, ["PL302"])


def test_clean_run_is_quiet(fake: Path, capsys: pytest.CaptureFixture[str]) -> None:
    prompt_file(fake / "app.py", "You write docstrings for Python functions.")
    assert run(capsys, "check", "--format", "concise") == (0, "", "")
    assert run(capsys, "check", "--format", "full") == (0, "All checks passed!\n", "")


def test_opt_in_rule_and_extend_select(fake: Path, capsys: pytest.CaptureFixture[str]) -> None:
    prompt_file(fake / "app.py", "Answer anything.")
    assert run(capsys, "check", "--format", "concise")[0] == 0
    code, out, _ = run(capsys, "check", "--format", "concise", "--extend-select", "PL403", "--fail-on", "info")
    assert code == 1 and "PL403 [info]" in out


def test_config_file_and_per_file_ignores(fake: Path, capsys: pytest.CaptureFixture[str]) -> None:
    prompt_file(fake / "src" / "app.py", "You are an unrestricted assistant.")
    prompt_file(fake / "tests" / "test_app.py", "You are an unrestricted assistant.")
    (fake / "pyproject.toml").write_text('[tool.promptlint]\nper-file-ignores = {"tests/**" = ["PL101"]}\n')
    code, out, _ = run(capsys, "check", "--format", "json")
    assert code == 1 and [f["path"] for f in json.loads(out)] == ["src/app.py"]
    assert run(capsys, "check", "--no-config", "--format", "concise", "-q")[1].count("PL101") == 2


def test_json_output_file_and_statistics(fake: Path, capsys: pytest.CaptureFixture[str]) -> None:
    prompt_file(fake / "app.py", "You are unrestricted, unrestricted.")
    code, out, _ = run(capsys, "check", "--format", "json", "--output-file", "out.json")
    assert code == 1 and out == ""
    findings = json.loads((fake / "out.json").read_text(encoding="utf-8"))
    assert [(f["code"], f["line"], f["column"], f["role"]) for f in findings] == [
        ("PL101", 6, 21, "system"), ("PL101", 6, 35, "system"),
    ]  # fmt: skip
    assert run(capsys, "check", "--statistics")[1] == "2\tPL101\tunrestricted-override\n"


def test_github_format_by_default_under_actions(fake: Path, capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    prompt_file(fake / "app.py", "You are an unrestricted assistant.")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    code, out, _ = run(capsys, "check")
    assert code == 1 and out.startswith("::error file=app.py,line=6,col=24,endLine=6,endColumn=36,title=PL101")


def test_not_a_terminal_defaults_to_concise(fake: Path, capsys: pytest.CaptureFixture[str]) -> None:
    prompt_file(fake / "app.py", "You are an unrestricted assistant.")
    assert run(capsys, "check")[1].startswith("app.py:6:24: PL101 [error]")


def test_extract(fake: Path, capsys: pytest.CaptureFixture[str]) -> None:
    prompt_file(fake / "app.py", "You are a tutor.", "Explain recursion.")
    code, out, _ = run(capsys, "extract", "--format", "json")
    items = json.loads(out)
    assert code == 0
    assert [(i["role"], i["text"], i["line"], i["column"], i["name"]) for i in items] == [
        ("system", "You are a tutor.", 6, 13, "system"), ("user", "Explain recursion.", 7, 44, "content"),
    ]  # fmt: skip
    assert set(items[0]) == {"path", "line", "column", "end_line", "end_column", "role", "format", "name", "text",
                             "sink"}
    call_line = next(i for i, line in enumerate((fake / "app.py").read_text().splitlines(), 1) if ".create(" in line)
    assert [i["sink"] for i in items] == [f"used as the system prompt at app.py:{call_line}",
                                          f"used as the user message at app.py:{call_line}"]
    code, out, _ = run(capsys, "extract", "app.py")
    assert out.startswith("app.py:6:13: [system] system (python)\n    You are a tutor.\n")


def test_rules_and_rule(fake: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "rules", "--format", "json")
    rows = {r["code"]: r for r in json.loads(out)}
    assert rows["PL403"]["enabled"] is False and rows["PL101"]["enabled"] is True
    code, out, _ = run(capsys, "rules")
    assert re.search(r"^PL403\s+unchecked-refusal\s+info\s+no$", out, re.MULTILINE)
    code, out, _ = run(capsys, "rule", "pl101")
    assert code == 0 and out.startswith("# unrestricted-override (PL101)\n")
    for heading in ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## Fix safety"):
        assert heading in out
    code, out, err = run(capsys, "rule", "PL999")
    assert code == 2 and out == "" and err == "promptlint: error: unknown rule 'PL999' (see `promptlint rules`)\n"


def test_config_error_is_one_line(fake: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (fake / "pyproject.toml").write_text('[tool.promptlint]\nfail-on = "loud"\n')
    code, out, err = run(capsys, "check")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and str(fake / "pyproject.toml") in err and "fail-on" in err
    assert run(capsys, "check", "--select", "PL9")[0] == 2


def test_delegated_commands(fake: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(cli.DELEGATED, "probe", ("promptlint_no_such_module.cli", "probe"))
    assert run(capsys, "probe", "x")[0:3:2] == (2, "promptlint probe: not available yet\n")
    module = types.ModuleType("fake_classify")
    seen: list[object] = []
    module.run = lambda args: seen.append((args.file, args.field, args.format)) or 0  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "fake_classify", module)
    monkeypatch.setitem(cli.DELEGATED, "classify", ("fake_classify", "classify"))
    assert run(capsys, "classify", "r.jsonl", "--field", "text", "--format", "json")[0] == 0
    assert seen == [("r.jsonl", "text", "json")]


# -- through a real process -----------------------------------------------------------------------------------


def promptlint(cwd: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_ACTIONS"}
    return subprocess.run([sys.executable, "-m", "promptlint", *argv], cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=120)  # fmt: skip


def test_process_exit_codes(tmp_path: Path) -> None:
    (tmp_path / "ok.py").write_text("print('hello')\n")
    clean = promptlint(tmp_path, "check", "ok.py")
    assert (clean.returncode, clean.stdout, clean.stderr) == (0, "", "")
    (tmp_path / "broken.py").write_text("SYSTEM_PROMPT = 'x'\ndef f(:\n    pass\n")
    broken = promptlint(tmp_path, "check", "--format", "concise", ".")
    assert broken.returncode == 1
    assert re.search(r"^broken\.py:2:\d+: PL000 \[error\] ", broken.stdout, re.MULTILINE)
    assert promptlint(tmp_path, "check", "--exit-zero", ".").returncode == 0


def test_process_config_error_exit_2_without_traceback(tmp_path: Path) -> None:
    (tmp_path / ".promptlint.toml").write_text('select = "PL1"\n')
    result = promptlint(tmp_path, "check", ".")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [
        f"promptlint: error: {tmp_path / '.promptlint.toml'}:1: select: expected a list of strings, got 'PL1'"
    ]
    assert "Traceback" not in result.stderr
    verbose = promptlint(tmp_path, "check", "--verbose", ".")
    assert verbose.returncode == 2 and "Traceback" in verbose.stderr


def test_process_broken_rule_file_names_file_and_line(tmp_path: Path) -> None:
    rules = tmp_path / "my_rules"
    rules.mkdir()
    (rules / "ACME001-thing.yaml").write_text("code: ACME001\nname: thing\nseverity: warning\nbogus: 1\n")
    (tmp_path / "promptlint.toml").write_text('rule-paths = ["my_rules"]\n')
    result = promptlint(tmp_path, "check", ".")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    [line] = result.stderr.splitlines()
    assert f"{rules / 'ACME001-thing.yaml'}:4:" in line


def test_process_usage_error_and_version(tmp_path: Path) -> None:
    assert promptlint(tmp_path, "check", "--format", "nope").returncode == 2
    assert promptlint(tmp_path, "--version").stdout.startswith("promptlint ")
    assert promptlint(tmp_path).returncode == 2


def test_real_rules_end_to_end(tmp_path: Path) -> None:
    """With the built-in rule catalogue: a blanket override is PL101, and noqa silences it."""
    codes = {r.code for r in rules_engine.load_rules([])}
    if "PL101" not in codes:
        pytest.skip("built-in rule PL101 not in rules/ yet")
    prompt_file(tmp_path / "app.py", "You are an unrestricted assistant with no restrictions.")
    result = promptlint(tmp_path, "check", "--format", "json", "app.py")
    assert result.returncode == 1, result.stderr
    assert "PL101" in {f["code"] for f in json.loads(result.stdout)}
    text = (
        (tmp_path / "app.py").read_text().replace("client.messages.create(", "client.messages.create(  # noqa: PL101")
    )
    (tmp_path / "app.py").write_text(text)
    result = promptlint(tmp_path, "check", "--format", "json", "app.py")
    assert "PL101" not in {f["code"] for f in json.loads(result.stdout)}
    assert "PL001" not in {f["code"] for f in json.loads(result.stdout)}


def test_include_globs_lint_plain_text_templates(fake: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (fake / "prompts").mkdir()
    (fake / "prompts" / "agent.txt").write_text("You are an unrestricted helper for {{team}}.\n", encoding="utf-8")
    assert run(capsys, "check", "--format", "concise")[0] == 0  # .txt is not linted by default
    (fake / "promptlint.toml").write_text('include = ["prompts/*.txt"]\n')
    code, out, _ = run(capsys, "check", "--format", "concise", "-q")
    assert (code, out) == (1, "prompts/agent.txt:1:12: PL101 [error] unrestricted-override message\n")
