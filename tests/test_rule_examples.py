"""Every rule's own good and bad examples, run from the rule files through the real engine.

A bad example states the exact set of findings the rule must produce on it (`findings: ["line:column", ...]`,
semgrep style: a missing one or an extra one fails) and, when the rule has a fix, the text its fixes produce
(`fixed:`, sqlfluff's `fix_str`): the fix is spelled, spliced and proved the way `promptlint fix --unsafe-fixes`
does it (display-only fixes applied as `check` suggests them), then compared. A good example must produce
nothing. Test ids are `<CODE>-<bad|good>-<n>`, so `pytest -k PL101` runs one rule's examples (and its module
under tests/rules/). Prompt examples become a one-prompt Extraction with exact 1:1 positions (plus the call's
system prompt when given); Python examples go through the Python extractor.
"""

from __future__ import annotations

import pytest

from promptlint.fix.examples import fixed_text
from promptlint.rules_engine import load_rules
from promptlint.rules_engine.engine import run_rules
from promptlint.rules_engine.examples import (
    expected_positions,
    extraction_from_python,
    run_example,
    unmatched,
)

RULES = load_rules()
CASES = [
    pytest.param(rule, kind, example, id=f"{rule.code}-{kind}-{i}")
    for rule in RULES
    if rule.kind != "builtin"
    for kind in ("bad", "good")
    for i, example in enumerate(rule.examples[kind])
]
FIX_CASES = [pytest.param(rule, example, id=f"{rule.code}-fixed-{i}")
             for rule in RULES if rule.kind != "builtin"
             for i, example in enumerate(rule.examples["bad"]) if "fixed" in example]


@pytest.mark.parametrize("rule", [pytest.param(r, id=f"{r.code}-docs") for r in RULES if r.kind != "builtin"])
def test_docs_example_fires_and_use_instead_does_not(rule) -> None:
    """What `promptlint rule CODE` and docs/rules.md show: the Example is flagged, the Use instead is not."""
    def codes(src: str) -> list[tuple[int, int]]:
        return [(f.line, f.column) for f in run_rules(extraction_from_python(src), [rule]) if f.code == rule.code]

    assert codes(rule.docs.example), f"{rule.code}: the docs' example is not flagged"
    assert codes(rule.docs.use_instead) == [], f"{rule.code}: the docs' 'use instead' is flagged"


def test_every_runnable_rule_has_examples() -> None:
    for rule in RULES:
        if rule.kind != "builtin":
            assert rule.examples["bad"] and rule.examples["good"], rule.code


@pytest.mark.parametrize(("rule", "kind", "example"), CASES)
def test_rule_example(rule, kind: str, example: dict) -> None:
    findings = run_example(rule, example)
    shown = example.get("text") or example.get("python")
    expected = expected_positions(example)
    if kind == "good":
        assert findings == [], f"{rule.code} fired on its good example {shown!r}: {findings[0].message}"
    else:
        assert expected is not None, f"{rule.code}: bad example {shown!r} states no `findings` " \
                                     "(scripts/rule_examples.py prints them)"
        assert findings, f"{rule.code} did not fire on its bad example {shown!r}"
    if expected is not None:
        missing, extra = unmatched(findings, expected)
        assert not missing and not extra, (
            f"{rule.code} on {shown!r}: expected findings at {missing} did not appear; unexpected at {extra}")
    if "line" in example:
        assert findings[0].line == example["line"], (shown, [(f.line, f.column) for f in findings])
    for finding in findings:
        assert finding.end_line > finding.line or finding.end_column > finding.column
        assert finding.message and finding.hint and finding.name == rule.name


@pytest.mark.parametrize(("rule", "example"), FIX_CASES)
def test_rule_example_fixed(rule, example: dict) -> None:
    assert rule.spec.get("fix") or rule.kind == "check", f"{rule.code} states `fixed` but has no fix"
    if example["fixed"] is None:  # `fixed: null`: the fix must be refused (it would not remove the finding)
        with pytest.raises(AssertionError, match="refused"):
            fixed_text(rule, example)
        return
    assert fixed_text(rule, example) == example["fixed"]


def test_fixed_examples_cover_every_rule_with_a_fix() -> None:
    """A rule that offers a fix shows what it produces on at least one of its examples."""
    for rule in RULES:
        if rule.spec.get("fix"):
            assert any("fixed" in e for e in rule.examples["bad"]), rule.code


def test_a_wrong_expectation_fails() -> None:
    """The comparison can fail: a missing position, an extra one and a wrong column are all reported."""
    rule = next(r for r in RULES if r.code == "PL101")
    example = {"text": "You are an unrestricted assistant.", "role": "system"}
    findings = run_example(rule, example)
    assert unmatched(findings, [(1, 12)]) == ([], [])
    assert unmatched(findings, [(1, None)]) == ([], [])
    assert unmatched(findings, [(1, 13)]) == (["1:13"], ["1:12"])
    assert unmatched(findings, []) == ([], ["1:12"])
    assert unmatched(findings, [(1, 12), (2, None)]) == (["2"], [])
    assert fixed_text(rule, example) == ""
