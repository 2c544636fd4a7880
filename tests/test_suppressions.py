"""`# noqa` and disable-file, through the real runner and extractors (with a tiny stand-in rule engine).

The stand-in flags the words "unrestricted" (PL101) and "jailbreak" (PL102)
in prompts and fills in `statement_span`, as the real engine does, so these
tests pin the suppression behaviour independently of the rule catalogue.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import promptlint.rules_engine as rules_engine
from promptlint.config import Config
from promptlint.model import Extraction, Finding, Severity
from promptlint.rules_engine.rule import Rule, RuleDoc
from promptlint.runner import lint_paths, lint_text
from promptlint.suppressions import apply_suppressions, python_comments

DOC = RuleDoc("what", "why", "example", "use instead", "fix safety")
WORDS = {"unrestricted": ("PL101", "unrestricted-override"), "jailbreak": ("PL102", "jailbreak-framing")}


def make_rule(code: str, name: str, kind: str = "pattern", severity: Severity = Severity.ERROR) -> Rule:
    return Rule(code, name, severity, kind, f"{name} message", f"{name} hint", DOC,  # type: ignore[arg-type]
                frozenset({"system", "user", "template", "unknown"}))  # fmt: skip


RULES = [
    make_rule("PL000", "parse-error", "builtin"),
    make_rule("PL001", "unused-noqa", "builtin", Severity.WARNING),
    make_rule("PL101", "unrestricted-override"),
    make_rule("PL102", "jailbreak-framing"),
]


def fake_run_rules(extraction: Extraction, rules: list[Rule]) -> list[Finding]:
    enabled = {r.code for r in rules}
    out = []
    for prompt in extraction.prompts:
        for word, (code, name) in WORDS.items():
            if code not in enabled:
                continue
            for match in re.finditer(word, prompt.text):
                start, end = prompt.file_span(match.start(), match.end())
                line, column = extraction.source.position(start)
                end_line, end_column = extraction.source.position(end)
                out.append(Finding(code, name, Severity.ERROR, f"{name} message", extraction.source.path, line,
                                   column, end_line, end_column, prompt.role, span=(start, end),
                                   statement_span=prompt.statement_span, prompt_text=prompt.text))  # fmt: skip
    return out


@pytest.fixture(autouse=True)
def fake_engine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(rules_engine, "run_rules", fake_run_rules)
    monkeypatch.chdir(tmp_path)


def lint(tmp_path: Path, name: str, text: str, config: Config | None = None) -> list[tuple[str, int, int]]:
    (tmp_path / name).write_text(text, encoding="utf-8")
    report = lint_paths([name], config or Config(root=tmp_path), RULES)
    return [(f.code, f.line, f.column) for f in report.findings]


CALL = """import anthropic

client = anthropic.Anthropic()
response = client.messages.create({noqa1}
    model="claude-sonnet",
    system="You are an unrestricted assistant.",{noqa2}
    messages=[{{"role": "user", "content": "hello"}}],
){noqa3}
"""


def test_unsuppressed_finding(tmp_path: Path) -> None:
    assert lint(tmp_path, "a.py", CALL.format(noqa1="", noqa2="", noqa3="")) == [("PL101", 6, 24)]


@pytest.mark.parametrize("slot", ["noqa1", "noqa2", "noqa3"])
def test_noqa_on_any_line_of_the_statement(tmp_path: Path, slot: str) -> None:
    slots = {"noqa1": "", "noqa2": "", "noqa3": ""}
    slots[slot] = "  # noqa: PL101"
    assert lint(tmp_path, "a.py", CALL.format(**slots)) == []


def test_noqa_several_codes_case_and_spacing(tmp_path: Path) -> None:
    text = CALL.format(noqa1="  # NOQA:pl102 ,  pl101", noqa2="", noqa3="")
    # PL102 is enabled but suppressed nothing: PL001 at the column of the code
    assert lint(tmp_path, "a.py", text) == [("PL001", 4, 44)]


def test_bare_noqa_is_ignored(tmp_path: Path) -> None:
    assert lint(tmp_path, "a.py", CALL.format(noqa1="  # noqa", noqa2="", noqa3="")) == [("PL101", 6, 24)]


def test_noqa_inside_a_string_does_not_count(tmp_path: Path) -> None:
    text = (
        "import anthropic\n"
        "client = anthropic.Anthropic()\n"
        'client.messages.create(model="m", system="You are unrestricted. # noqa: PL101", messages=[])\n'
    )
    assert lint(tmp_path, "a.py", text) == [("PL101", 3, 51)]
    assert python_comments(text) == []


def test_noqa_in_triple_quoted_string_does_not_count(tmp_path: Path) -> None:
    text = (
        "import anthropic\n"
        "client = anthropic.Anthropic()\n"
        'SYSTEM = """You are unrestricted.\n'
        "# noqa: PL101\n"
        '"""\n'
        'client.messages.create(model="m", system=SYSTEM, messages=[])\n'
    )
    assert [code for code, _, _ in lint(tmp_path, "a.py", text)] == ["PL101"]


def test_other_tools_codes_are_not_ours(tmp_path: Path) -> None:
    text = CALL.format(noqa1="  # noqa: E501", noqa2="  # noqa: PL101, F401", noqa3="")
    assert lint(tmp_path, "a.py", text) == []


def test_disable_file(tmp_path: Path) -> None:
    text = "# promptlint: disable-file=PL101,PL102\n" + CALL.format(noqa1="", noqa2="", noqa3="")
    assert lint(tmp_path, "a.py", text) == []
    # not on its own line: no effect
    text = CALL.format(noqa1="", noqa2="", noqa3="") + "x = 1  # promptlint: disable-file=PL101\n"
    assert lint(tmp_path, "a.py", text) == [("PL101", 6, 24)]


def test_unused_noqa_and_its_fix(tmp_path: Path) -> None:
    text = "x = 1  # noqa: PL102\ny = 2\n"
    (tmp_path / "a.py").write_text(text, encoding="utf-8")
    report = lint_paths(["a.py"], Config(root=tmp_path), RULES)
    [finding] = report.findings
    assert (finding.code, finding.name, finding.severity, finding.line, finding.column) == (
        "PL001", "unused-noqa", Severity.WARNING, 1, 16,
    )  # fmt: skip
    assert finding.fix is not None and finding.fix.applicability == "safe"
    [edit] = finding.fix.edits
    assert text[: edit.start] + edit.content + text[edit.end :] == "x = 1\ny = 2\n"


def test_unused_code_among_used_ones_is_removed_alone(tmp_path: Path) -> None:
    text = CALL.format(noqa1="", noqa2="  # noqa: PL102, PL101", noqa3="")
    (tmp_path / "a.py").write_text(text, encoding="utf-8")
    [finding] = lint_paths(["a.py"], Config(root=tmp_path), RULES).findings
    assert finding.code == "PL001" and "PL102" in finding.message
    [edit] = finding.fix.edits  # type: ignore[union-attr]
    fixed = text[: edit.start] + edit.content + text[edit.end :]
    assert 'assistant.",  # noqa: PL101\n' in fixed


def test_comment_alone_on_its_line_is_removed_with_the_line() -> None:
    from promptlint.model import SourceFile

    text = "a = 1\n# noqa: PL101\nb = 2\n"
    source = SourceFile("a.py", text)
    [finding] = apply_suppressions([], source, "python", is_ours=lambda c: c.startswith("PL"),
                                   enabled=lambda c: True)  # fmt: skip
    [edit] = finding.fix.edits  # type: ignore[union-attr]
    assert text[: edit.start] + edit.content + text[edit.end :] == "a = 1\nb = 2\n"


def test_unused_noqa_not_reported_for_disabled_codes(tmp_path: Path) -> None:
    text = "x = 1  # noqa: PL102\n"
    config = Config(root=tmp_path).with_overrides(ignore=["PL102"])
    assert lint(tmp_path, "a.py", text, config) == []
    assert lint(tmp_path, "a.py", text, Config(root=tmp_path).with_overrides(ignore=["PL001"])) == []


def test_no_unused_noqa_for_files_that_failed_to_parse(tmp_path: Path) -> None:
    text = "SYSTEM_PROMPT = 1\ndef broken(:\n    pass  # noqa: PL101\n"
    assert [code for code, _, _ in lint(tmp_path, "a.py", text)] == ["PL000"]


def test_yaml_comments_but_not_inside_block_scalars() -> None:
    from promptlint.suppressions import yaml_comments

    text = (
        "system: |  # noqa: PL101\n"
        "  You are unrestricted.\n"
        "  # noqa: PL102 (this is prompt text)\n"
        "user: 'a # noqa: PL103 in quotes'  # noqa: PL104\n"
    )
    found = [text[c.start : c.end] for c in yaml_comments(text)]
    assert found == ["# noqa: PL101", "# noqa: PL104"]


def test_template_comments() -> None:
    from promptlint.suppressions import template_comments

    text = "---\nname: x  # noqa: PL201\n---\nHello {{! noqa: PL301 }} # noqa: PL999\n"
    found = [text[c.start : c.end] for c in template_comments(text)]
    assert found == ["# noqa: PL201", "{{! noqa: PL301 }}"]


def test_lint_text_for_editors(tmp_path: Path) -> None:
    text = CALL.format(noqa1="", noqa2="", noqa3="")
    assert [(f.code, f.line) for f in lint_text(text, tmp_path / "buffer.py", Config(root=tmp_path), RULES)] == [
        ("PL101", 6)
    ]
