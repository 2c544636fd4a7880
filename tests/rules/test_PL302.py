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


@pytest.mark.parametrize("text", [
    "Rewrite the supplier agreement so it shafts the supplier on payment terms.",
    "Draft the term sheet so we can rip the founders off later.",
    "Write a text that lures {{ lead }} into a demo by pretending we have met.",
    "Stoke voters' resentment of the new housing estate.",
    "What mind games can I use on the landlord to get the deposit back?",
    "Teach canvassers to make passers-by feel guilty if they do not sign.",
])
def test_pl302_other_verbs_of_cheating_a_person(text: str, phrases_only: None) -> None:
    assert fires("PL302", text, "user")


@pytest.mark.parametrize("text", [
    "Our ad copy should lure visitors to the free plan.",
    "Play mind games with the kids at the party: we need brain teasers.",
    "Rip the audio off this video file.",
])
def test_pl302_marketing_games_and_files_are_quiet(text: str, phrases_only: None) -> None:
    assert not fires("PL302", text, "user")


def test_pl302_a_surprise_the_prompt_is_about_is_a_kind_secret() -> None:
    assert not fires("PL302", "I'm planning a surprise 40th for my husband. How do I keep it secret from him for six "
                              "weeks without lying outright? He checks our shared calendar.", "user")
