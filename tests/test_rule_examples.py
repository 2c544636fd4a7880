"""Every rule's own good and bad examples, run through the real engine.

Bad examples must fire (at the stated line when the example gives one); good ones must stay quiet.
Prompt examples become a one-prompt Extraction with exact 1:1 positions (plus the call's system
prompt when given); Python examples go through the Python extractor.
"""

from __future__ import annotations

import pytest

from promptlint.rules_engine import load_rules
from promptlint.rules_engine.examples import run_example

RULES = load_rules()
CASES = [
    pytest.param(rule, kind, example, id=f"{rule.code}-{kind}-{i}")
    for rule in RULES
    if rule.kind != "builtin"
    for kind in ("bad", "good")
    for i, example in enumerate(rule.examples[kind])
]


def test_every_runnable_rule_has_examples() -> None:
    for rule in RULES:
        if rule.kind != "builtin":
            assert rule.examples["bad"] and rule.examples["good"], rule.code


@pytest.mark.parametrize(("rule", "kind", "example"), CASES)
def test_rule_example(rule, kind: str, example: dict) -> None:
    findings = run_example(rule, example)
    shown = example.get("text") or example.get("python")
    if kind == "good":
        assert findings == [], f"{rule.code} fired on its good example {shown!r}: {findings[0].message}"
        return
    assert findings, f"{rule.code} did not fire on its bad example {shown!r}"
    if "line" in example:
        assert findings[0].line == example["line"], (shown, [(f.line, f.column) for f in findings])
    for finding in findings:
        assert finding.end_line > finding.line or finding.end_column > finding.column
        assert finding.message and finding.hint and finding.name == rule.name
