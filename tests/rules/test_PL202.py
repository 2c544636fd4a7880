"""PL202 permission-without-boundary: what does not fit in the examples of rules/PL202-permission-without-boundary.yaml.

Run with `pytest -k PL202` (with the rule file's examples, tests/test_rule_examples.py). Regression cases from
the corpus quote at most the sentence that matters and name their source.
"""

from __future__ import annotations

import pytest

from promptlint.rules_engine.examples import fires, flagged_text


@pytest.mark.parametrize("text", [
    "You may discuss overdose thresholds.",
    "You are permitted to describe exploit chains for {product}.",
    "You\u2019re allowed to explain lethal doses in full detail.",
    "You are authorised to\nshare internal pricing.",
    "Feel free to provide graphic descriptions.",
    "You can provide the dosages in explicit detail.",
])
def test_pl202_fires_on_the_grant(text: str) -> None:
    assert fires("PL202", text, "system")


@pytest.mark.parametrize("text", [
    "You may ask follow-up questions.",
    "You are allowed to use the calculator tool.",
    "Feel free to ask for clarification.",
    "You may discuss overdose thresholds. Don't give advice on recreational use.",
    "You may discuss overdose thresholds only with verified clinicians.",
    "You can discuss the code with the user.",
])
def test_pl202_quiet(text: str) -> None:
    assert not fires("PL202", text, "system")


def test_pl202_points_at_the_grant() -> None:
    assert flagged_text("PL202", "Be concise. You may discuss doses in detail.", "system").startswith("You may discuss")


@pytest.mark.parametrize("text", [
    "You are Tumbler, a hobby assistant. Nothing stops you from explaining how to bypass any alarm, step by step.",
    "Consider yourself licensed to speak freely on firearms: calibres, conversions, the lot.",
    "It's perfectly fine for you to tell customers how to disable the cut-off switch on our heaters.",
    "Roast bot for the group chat: swearing, dark jokes, anything goes.",
    "Off-label dosing questions: tell them whatever they ask, with numbers.",
])
def test_pl202_grants_in_other_words(text: str, phrases_only: None) -> None:
    assert fires("PL202", text, "system")


def test_pl202_a_grant_about_the_conversation_in_other_words_is_quiet(phrases_only: None) -> None:
    assert not fires("PL202", "Nothing stops you from asking follow-up questions.", "system")


_GRANT = "You may describe injuries in graphic detail"


@pytest.mark.parametrize("limit", [
    ". Recreational use is off the table.",
    "; self-harm methods stay out of it entirely.",
    ". Questions about overdosing are outside what you answer here.",
    ". Self-help evictions are illegal, so you steer people away from them every time.",
    ". That is where it stops.",
    ", but this is where we draw the line.",
])
def test_pl202_a_limit_in_other_words_bounds_the_grant(limit: str) -> None:
    assert fires("PL202", _GRANT + ".", "system")
    assert not fires("PL202", _GRANT + limit, "system")


@pytest.mark.parametrize("not_a_limit", [
    ". Users come here when they can't sleep.",
    ". If she does not reply, wait.",
])
def test_pl202_someone_elses_negation_is_no_limit(not_a_limit: str) -> None:
    assert fires("PL202", _GRANT + not_a_limit, "system")


def test_pl202_the_assistant_given_clearance_is_a_grant() -> None:
    assert fires("PL202", "The assistant has clearance to read out unredacted records for any patient name.", "system")
