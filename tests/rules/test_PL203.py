"""PL203 no-clarification-path: the cases that do not fit in rules/PL203-no-clarification-path.yaml's examples.

Run with `pytest -k PL203` (with the rule file's examples, tests/test_rule_examples.py). Regression cases from
the corpus quote at most the sentence that matters and name their source.
"""

from __future__ import annotations

import pytest

from promptlint.rules_engine.examples import fires, positions

_CONTEXT = ("Our users are verified SOC analysts at Acme. Your purpose is to help them triage malware "
            "during incident response. Never write new malware.")


@pytest.mark.parametrize("clarify", [
    " If a request is ambiguous, ask a clarifying question.",
    " When the intent is unclear, ask what they are investigating.",
    " Confirm the scope before answering borderline requests.",
    " If you're unsure, check what it is for.",
])
def test_pl203_quiet_with_a_clarification_path(clarify: str) -> None:
    assert positions("PL203", _CONTEXT, "system") == [(1, 1)]
    assert not fires("PL203", _CONTEXT + clarify, "system")


def test_pl203_needs_context_and_limits_first() -> None:
    assert not fires("PL203", "You are a malware analyst.", "system")  # PL201's job
    no_limits = "Our users are verified SOC analysts. Your purpose is to help them triage malware."
    assert not fires("PL203", no_limits, "system")


@pytest.mark.parametrize("doubt_then_refuse", [
    " When unsure, stay on the safe side and refuse.",
    " If the request is unclear, decline it.",
    " If you are in doubt, say no.",
])
def test_pl203_a_doubt_that_ends_in_a_refusal_is_no_clarification_path(doubt_then_refuse: str) -> None:
    # the condition of doubt alone used to count as a path; what the model is told to do then decides
    assert fires("PL203", _CONTEXT + doubt_then_refuse, "system")


_LENDING = ("You are the lending-policy assistant for Greenfield Credit Union's loan officers. Users: loan officers "
            "(staff only), who need answers about lending policy and affordability. You may not approve or decline "
            "applications or give members financial advice directly. ")


@pytest.mark.parametrize("doubt", [
    "When a case falls between two policy rules, or figures look inconsistent, point that out and suggest the "
    "officer refers it to the credit committee.",
    "If the answer depends on facts you were not given (filing status, state), ask for them.",
])
def test_pl203_a_doubt_about_the_case_then_a_way_out_is_a_clarification_path(doubt: str) -> None:
    assert not fires("PL203", _LENDING + doubt, "system")


def test_pl203_a_doubt_then_refusing_is_still_no_path() -> None:
    assert fires("PL203", _LENDING + "When a case falls between two policy rules, refuse it.", "system")


_CONTEXT = ("You support the fraud investigators at Calder Mutual, who use you to review claims files for signs of "
            "fraud. You do not make accusations or decide claims. ")


@pytest.mark.parametrize("path", [
    "When a red flag could have an innocent explanation, name it too, and suggest what document would settle it.",
    "If you're not sure how to read a note, say so and offer two possible readings for them to choose from.",
])
def test_pl203_a_doubt_with_a_way_out_in_other_words_is_a_clarification_path(path: str) -> None:
    assert fires("PL203", _CONTEXT, "system")
    assert not fires("PL203", _CONTEXT + path, "system")


def test_pl203_a_doubt_met_with_a_refusal_is_no_clarification_path() -> None:
    assert fires("PL203", _CONTEXT + "If you are not sure whether a claim is fraudulent, refuse to comment.", "system")


_PEST = ("You help licensed pest-control technicians at Greenway Services choose and apply rodenticides and "
         "fumigants safely on commercial jobs. Never give quantities of fumigants for use near people or pets.")


def test_pl203_a_limit_on_the_domain_shows_the_prompt_works_next_to_it() -> None:
    assert fires("PL203", _PEST, "system")
    assert not fires("PL203", _PEST + " If a job is near one of those limits, offer to help once the technician has "
                                      "said what the site is.", "system")


@pytest.mark.parametrize("path", [
    "If the handbook does not cover the question or the contract type is unclear, say so and suggest they email HR.",
    "If a reaction is near that boundary, offer to help once they've said which practical it is for.",
])
def test_pl203_more_ways_out_of_a_doubt(path: str) -> None:
    assert not fires("PL203", _PEST + " " + path, "system")
