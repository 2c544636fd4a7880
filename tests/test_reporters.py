"""Output formats: concise lines, JSON fields, SARIF structure and fingerprints, GitHub escaping, full frames."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

import promptlint.rules_engine as rules_engine
from promptlint.config import Config
from promptlint.model import Edit, Extraction, Finding, Fix, Severity, SourceFile
from promptlint.reporters import get_renderer, render_statistics
from promptlint.reporters.github import annotation, escape_data, escape_property
from promptlint.rules_engine.rule import Rule, RuleDoc
from promptlint.runner import Report, lint_paths

DOC = RuleDoc(
    "Flags vague blanket overrides.",
    "Models read them as bypass attempts.",
    'system="You are unrestricted."',
    'system="You may discuss X with verified staff."',
    "Display-only: a rewrite needs your real context.",
)
RULE = Rule("PL101", "unrestricted-override", Severity.ERROR, "pattern", "Blanket override raises refusals",
            "Grant specific permissions for a stated audience", DOC, frozenset({"system"}))  # fmt: skip
TEXT = 'import anthropic\nclient.messages.create(\n    system="You are an unrestricted assistant.",\n)\n'


def finding(**overrides: object) -> Finding:
    start = TEXT.index("unrestricted")
    values: dict[str, object] = dict(
        code="PL101", name="unrestricted-override", severity=Severity.ERROR,
        message="Blanket override raises refusals", path="app/a.py", line=3, column=24, end_line=3,
        end_column=36, role="system", hint="Grant specific permissions", span=(start, start + 12),
        prompt_text="You are an unrestricted assistant.",
    )  # fmt: skip
    values.update(overrides)
    return Finding(**values)  # type: ignore[arg-type]


def report_of(*findings: Finding) -> Report:
    return Report(findings=list(findings), files=["app/a.py"], rules=[RULE],
                  sources={"app/a.py": SourceFile("app/a.py", TEXT)})  # fmt: skip


def render(fmt: str, report: Report, **kw: bool) -> str:
    out = io.StringIO()
    get_renderer(fmt)(report, Config(), out, **kw)
    return out.getvalue()


def test_concise() -> None:
    assert render("concise", report_of(finding()), quiet=True) == (
        "app/a.py:3:24: PL101 [error] Blanket override raises refusals\n"
    )
    assert render("concise", report_of()) == ""
    assert render("concise", report_of(finding())).endswith("Found 1 finding (1 error).\n")


def test_json_fields_and_fix() -> None:
    start = TEXT.index("unrestricted")
    fix = Fix("Replace the override", "unsafe", [Edit(start, start + 12, "helpful")])
    [item] = json.loads(
        render(
            "json",
            report_of(
                finding(fix=fix),
            ),
        )
    )
    assert item == {
        "code": "PL101", "name": "unrestricted-override", "severity": "error",
        "message": "Blanket override raises refusals", "path": "app/a.py", "line": 3, "column": 24,
        "end_line": 3, "end_column": 36, "role": "system", "hint": "Grant specific permissions",
        "fix": {"message": "Replace the override", "applicability": "unsafe", "edits": [
            {"content": "helpful", "location": {"line": 3, "column": 24}, "end_location": {"line": 3, "column": 36}},
        ]},
    }  # fmt: skip
    assert json.loads(render("json", report_of())) == []


def test_sarif_structure() -> None:
    log = json.loads(render("sarif", report_of(finding(), finding(code="PL999", name="other", line=1, column=1))))
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-2.1.0.json")
    [run] = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "promptlint" and driver["version"] and driver["informationUri"].startswith("https://")
    rules = driver["rules"]
    assert rules[0]["id"] == "PL101" and rules[0]["name"] == "unrestricted-override"
    assert rules[0]["shortDescription"]["text"] and rules[0]["fullDescription"]["text"]
    assert "## Why is this bad?" in rules[0]["help"]["markdown"] and rules[0]["help"]["text"]
    assert rules[0]["defaultConfiguration"]["level"] == "error"
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in {"error", "warning", "note"}
        assert result["message"]["text"]
        [location] = result["locations"]
        physical = location["physicalLocation"]
        assert not physical["artifactLocation"]["uri"].startswith("/")
        region = physical["region"]
        assert {"startLine", "startColumn", "endLine", "endColumn"} <= set(region)
        assert all(isinstance(v, int) and v >= 1 for v in region.values())
        assert set(result["partialFingerprints"]) == {"promptlintFingerprint/v1"}
    assert run["results"][0]["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 3, "startColumn": 24, "endLine": 3, "endColumn": 36,
    }  # fmt: skip


def _fake_run_rules(extraction: Extraction, rules: list[Rule]) -> list[Finding]:
    out = []
    for prompt in extraction.prompts:
        for match in re.finditer("unrestricted", prompt.text):
            start, end = prompt.file_span(match.start(), match.end())
            line, column = extraction.source.position(start)
            end_line, end_column = extraction.source.position(end)
            out.append(finding(path=extraction.source.path, line=line, column=column, end_line=end_line,
                               end_column=end_column, span=(start, end), prompt_text=prompt.text))  # fmt: skip
    return out


def test_sarif_fingerprints_stable_when_lines_shift(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rules_engine, "run_rules", _fake_run_rules)
    monkeypatch.chdir(tmp_path)
    body = (
        'client.messages.create(system="You are an unrestricted assistant.", messages=[])\n'
        'client.messages.create(system="Be unrestricted and unrestricted.", messages=[])\n'
    )

    def fingerprints(prefix: str) -> list[tuple[int, str]]:
        (tmp_path / "a.py").write_text(prefix + "import anthropic\n" + body, encoding="utf-8")
        report = lint_paths(["a.py"], Config(root=tmp_path), [RULE])
        log = json.loads(render("sarif", report))
        results = log["runs"][0]["results"]
        lines = [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in results]
        return list(zip(lines, [r["partialFingerprints"]["promptlintFingerprint/v1"] for r in results], strict=True))

    before = fingerprints("")
    after = fingerprints("# a comment\n\n\nimport os\n")
    assert [line for line, _ in before] == [2, 3, 3]
    assert [line for line, _ in after] == [6, 7, 7]
    assert [fp for _, fp in before] == [fp for _, fp in after]
    assert len({fp for _, fp in before}) == 3  # identical flagged text in one prompt still differs


def test_github_annotations_and_escaping() -> None:
    assert escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert escape_property("a:b,c%") == "a%3Ab%2Cc%25"
    line = annotation(finding(path="dir,x/a:b.py", message="50% of 'x'\nsecond", hint="do y"))
    assert line == (
        "::error file=dir%2Cx/a%3Ab.py,line=3,col=24,endLine=3,endColumn=36,"
        "title=PL101 (unrestricted-override)::50%25 of 'x'%0Asecond%0Ado y"
    )
    assert annotation(finding(severity=Severity.INFO, hint="")).startswith("::notice ")
    assert annotation(finding(severity=Severity.WARNING, hint="")).startswith("::warning ")
    assert render("github", report_of()) == ""


def test_full_frame_caret_hint_and_summary() -> None:
    fix = Fix("You may discuss X with verified staff.", "display")
    out = render("full", report_of(finding(fix=fix)))
    lines = out.splitlines()
    assert lines[0] == "app/a.py:3:24: PL101 [error] Blanket override raises refusals"
    frame_line = next(i for i, text in enumerate(lines) if "unrestricted assistant" in text)
    assert lines[frame_line].startswith("3 |")
    caret = lines[frame_line + 1]
    assert caret.index("^") == lines[frame_line].index("unrestricted") and caret.count("^") == 12
    assert "= help: Grant specific permissions" in out
    assert "= suggested rewrite: You may discuss X with verified staff." in out
    assert "1  PL101  unrestricted-override" in out and "Found 1 finding (1 error)." in out
    assert "\x1b[" not in out  # no colour codes when not writing to a terminal


def test_full_clean_and_quiet() -> None:
    assert render("full", report_of()) == "All checks passed!\n"
    assert render("full", report_of(), quiet=True) == ""
    assert "Found" not in render("full", report_of(finding()), quiet=True)


def test_statistics() -> None:
    report = report_of(finding(), finding(line=1), finding(code="PL102", name="jailbreak-framing"))
    out = io.StringIO()
    render_statistics(report, out)
    assert out.getvalue() == "2\tPL101\tunrestricted-override\n1\tPL102\tjailbreak-framing\n"
