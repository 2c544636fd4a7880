"""PL302 loaded-intent-wording: the cases that do not fit in rules/PL302-loaded-intent-wording.yaml's examples.

Run with `pytest -k PL302` (with the rule file's examples, tests/test_rule_examples.py).
"""

from __future__ import annotations

import pytest

from promptlint.rules_engine.examples import fires


@pytest.mark.parametrize("text", [
    # "on the spot" is a place, not the verb of a prompt that teaches people to spot a tactic
    "For the street fundraising script, what lines will shame passers-by into setting up a direct debit on the spot?",
    "Draft exit clauses that screw over the customer.",
])
def test_pl302_fires(text: str) -> None:
    assert fires("PL302", text, "user")


@pytest.mark.parametrize("text", [
    "Teach volunteers to spot the pressure tactics scammers use to guilt-trip elderly donors.",
    "Never pressure customers into signing on the spot.",
    "Write copy that convinces visitors to try our free plan.",
])
def test_pl302_quiet(text: str) -> None:
    assert not fires("PL302", text, "system")
