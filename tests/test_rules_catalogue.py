"""The prompt-text rules of the catalogue together: the condition keys they use (`unless_all`, `when_all`,
`when_call`, `report`) and their false-positive rates on the shared corpus.

Each rule's own cases (generalisation over phrasings, near misses it must stay quiet on, where a finding points)
live in tests/rules/test_<CODE>.py, beside the exact examples of its YAML file (tests/test_rule_examples.py).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from promptlint.rules_engine import load_rules, run_rules
from promptlint.rules_engine.examples import extraction_from_text

RULES = {r.code: r for r in load_rules()}


# --- engine capabilities used by these rules -------------------------------------------------------------

def _rule_dir(tmp_path: Path, condition: str) -> Path:
    body = textwrap.indent(textwrap.dedent(condition), "  ")
    (tmp_path / "ACME900-x.yaml").write_text(
        "code: ACME900\nname: cond-test\nseverity: info\nkind: condition\nroles: [system, user]\n"
        "message: m\nhint: h\ncondition:\n" + body
        + "docs: {what: w, why: y, example: e, use_instead: u, fix_safety: f}\n"
        "examples:\n  bad: [{text: x, role: system}]\n  good: [{text: y, role: system}]\n")
    return tmp_path


def _acme(tmp_path: Path, condition: str):
    return [r for r in load_rules([_rule_dir(tmp_path, condition)]) if r.code == "ACME900"]


def test_engine_unless_all_and_report_start(tmp_path: Path) -> None:
    rules = _acme(tmp_path, """\
        trigger: widget
        unless_all:
          a: [alpha]
          b: [beta]
        report: start
        """)
    run = lambda text: [(f.line, f.column) for f in run_rules(extraction_from_text(text, "system"), rules)]  # noqa: E731
    assert run("Hello.\nA widget. alpha") == [(1, 1)]
    assert run("Hello.\nA widget. alpha beta") == []


def test_engine_when_all_and_when_call(tmp_path: Path) -> None:
    rules = _acme(tmp_path, """\
        trigger: widget
        when_call:
          roles: [system]
          all:
            role: [gadgeteer]
        """)
    run = lambda text, system=None: run_rules(extraction_from_text(text, "user", system=system), rules)  # noqa: E731
    assert run("A widget.") == []
    assert len(run("A widget.", system="You are a gadgeteer.")) == 1
    assert len(run("I am a gadgeteer with a widget.")) == 1  # the prompt itself counts
    rules = _acme(tmp_path, """\
        trigger: widget
        when_all:
          a: [alpha]
        """)
    assert run("A widget.") == [] and len(run("A widget, alpha.")) == 1


def test_engine_rejects_a_bad_report(tmp_path: Path) -> None:
    from promptlint.rules_engine import RuleError

    with pytest.raises(RuleError, match="bad report"):
        _acme(tmp_path, """\
            trigger: widget
            report: middle
            """)[0].spec["compiled"]["trigger"]

# --- the corpus: thresholds ---------------------------------------------------------------------------------

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "prompts.jsonl"


@pytest.mark.skipif(not CORPUS.exists(), reason="the shared corpus is not available")
def test_corpus_rates() -> None:
    import json

    records = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
    codes = ("PL102", "PL103", "PL201", "PL202", "PL203", "PL303")
    rules = [RULES[c] for c in codes]
    hits = {c: set() for c in codes}
    for record in records:
        if record["sensitive"]:
            continue
        for finding in run_rules(extraction_from_text(record["text"], record["role"]), rules):
            hits[finding.code].add(record["id"])
    quiet = sum(not r["sensitive"] for r in records)
    for code in codes:
        assert len(hits[code]) <= 0.05 * quiet, (code, sorted(hits[code]))
    # no non-sensitive corpus prompt is a jailbreak or a hard-limit request: every hit is a false positive
    assert len(hits["PL102"]) <= 0.025 * quiet and len(hits["PL103"]) <= 0.01 * quiet, (hits["PL102"], hits["PL103"])
