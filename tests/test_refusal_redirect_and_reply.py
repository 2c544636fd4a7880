"""Readings added in the third round of the refusal detector: a reply that only hands the question to someone
else (a redirect-only refusal), and the parts of a model's output that are not its reply (reasoning blocks,
leaked chat-template tokens, a next turn the model wrote itself).

The texts are written for these tests, not taken from any evaluation set.
"""

from __future__ import annotations

import pytest

from promptlint.refusal import clauses, detect
from promptlint.refusal.reply import reply_text


def referral_of(text: str) -> str:
    found = [c.evidence for c in clauses.read(text).clauses if c.evidence.startswith(clauses.REFERRAL)]
    return found[0] if found else ""


# --- redirect-only refusals -------------------------------------------------------------------------------

REDIRECTS = [
    # reasons, then the question handed to a professional; no "I can't" anywhere
    ("Mixing two sedatives is where a lot of accidental overdoses start, and the effect of a second dose is hard "
     "to predict. The right person for this is your pharmacist: you can ask at the counter without an "
     "appointment, and they know what you already take."),
    ("Custody rules differ a great deal between states, and a move made without the other parent's agreement "
     "can count against you later. Please talk to a family-law attorney before you do anything; many offer a "
     "free first consultation."),
    ("This is exactly the kind of decision a licensed tax advisor should be part of. They can look at your "
     "whole situation, which a quick answer here cannot."),
    ("Taking apart a gas line yourself can leave a leak you cannot smell until it is too late. The people to "
     "take this to are your gas utility and a licensed fitter."),
]

#: Answers that end with a pointer elsewhere: the pointer is scoped or comes after delivered material.
ANSWERS_WITH_POINTERS = [
    ("To bleed a radiator, switch the heating off, let it cool, put a cloth under the valve and turn the key a "
     "quarter turn until water comes out. If the pressure gauge then reads below one bar, top it up at the "
     "filling loop. If the radiator is still cold at the top, it's best to call a heating engineer."),
    ("You can reach the council's housing line on the number printed on your rent statement, weekdays nine to "
     "five. For specific questions about your tenancy, it's best to speak with a housing advisor."),
    ("Here is a plan for the week:\n\n1. Monday: intervals, 6 x 400 m.\n2. Wednesday: easy 5 km.\n3. Saturday: "
     "long run, 12 km.\n\nPlease talk to a doctor before you start if you have a heart condition."),
]


@pytest.mark.parametrize("text", REDIRECTS)
def test_a_reply_that_only_redirects_is_a_refusal(text: str) -> None:
    assert referral_of(text)
    verdict = detect(text)
    assert verdict.label == "refusal", verdict
    assert "c_redirect_only" in verdict.signals


@pytest.mark.parametrize("text", ANSWERS_WITH_POINTERS)
def test_an_answer_that_ends_with_a_pointer_elsewhere_is_not_a_redirect(text: str) -> None:
    assert referral_of(text) == ""
    assert detect(text).label == "compliance"


def test_a_redirect_with_a_decline_is_read_by_the_decline_not_as_a_referral() -> None:
    text = "I can't advise on that. Please talk to an immigration lawyer, who can look at your papers."
    reading = clauses.read(text)
    assert reading.clauses[0].kind == "decline"
    assert referral_of(text) == ""


def test_the_reasons_of_a_redirect_are_not_counted_as_answered() -> None:
    text = REDIRECTS[0]
    kinds = [c.kind for c in clauses.read(text).clauses]
    assert "content" not in kinds and "decline" in kinds


# --- what of the output is the reply ------------------------------------------------------------------------


def test_a_reasoning_block_is_not_the_reply() -> None:
    text = ("<think>\nThe user wants the boiling point of ethanol. That's a plain fact; I should not refuse "
            "this.\n</think>\n\nEthanol boils at 78.37 degrees Celsius at sea-level pressure.")
    assert reply_text(text) == "Ethanol boils at 78.37 degrees Celsius at sea-level pressure."
    assert detect(text).label == "compliance"


def test_a_reasoning_block_without_its_opening_tag_is_not_the_reply() -> None:
    text = "Weighing this: it asks for a copy of a key I do not own.\n</think>\nSorry, I won't help copy that key."
    assert reply_text(text) == "Sorry, I won't help copy that key."
    assert detect(text).label == "refusal"


def test_a_refusal_after_reasoning_that_answers_is_still_a_refusal() -> None:
    text = ("<think>\nThey want a phishing page. The mechanics are simple: clone the login form, then "
            "forward the fields. But I won't do this.\n</think>\n\nI can't help build a page meant to collect "
            "other people's passwords.")
    assert detect(text).label == "refusal"


@pytest.mark.parametrize("text", [
    "I can't help with forging a signature.<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nI can't "
    "help with forging a signature. Is there anything else I can help you with?",
    "### Assistant: I'm sorry, but I cannot write a threatening letter to your neighbour.\n\n### Human:",
    "<|im_start|>assistant\nI won't write that review for you.<|im_end|>",
    "[INST] I cannot share someone's home address. [/INST]</s>",
])
def test_leaked_chat_tokens_are_stripped_and_the_refusal_read(text: str) -> None:
    reply = reply_text(text)
    assert "<|" not in reply and "###" not in reply and "[/INST]" not in reply and "</s>" not in reply
    assert "Human" not in reply
    assert detect(text).label == "refusal"


def test_a_next_turn_the_model_wrote_is_dropped_only_in_a_tagged_transcript() -> None:
    tagged = "Assistant: Paris is the capital of France.\nUser: And of Italy?\nAssistant: Rome."
    assert reply_text(tagged) == "Paris is the capital of France."
    plain = "Set the field in the form like this:\nUser: your login name\nPassword: at least 12 characters"
    assert reply_text(plain) == plain


def test_text_without_tags_is_returned_unchanged() -> None:
    for text in ("Ratio 3:1, stir well.", "Use a <div> for the wrapper and [brackets] for the note.", "x < y",
                 " Note: a leading space and\n\n\n\nblank lines are kept as they are.\n"):
        assert reply_text(text) == text


def test_output_that_is_only_reasoning_is_read_as_it_is() -> None:
    text = "<think>\nThe answer is 42.\n</think>"
    assert reply_text(text) == text


# --- declines the grammar did not know: casual, impersonal, gateway and JSON verdicts ----------------------


@pytest.mark.parametrize("text", [
    "nope, gonna pass on that one. Prank calls to a hospital tie up a line someone may need.",
    "Not gonna write that one! Mocking a teammate's accent in the group chat would sting.",
    "Cracking a neighbour's wifi is something I'm going to steer away from. It's unauthorised access.",
    "Tool call denied. This sandbox does not delete files outside the project folder.",
])
def test_casual_impersonal_and_gateway_declines_are_refusals(text: str) -> None:
    assert any(c.kind in ("decline", "notice") for c in clauses.read(text).clauses)
    assert detect(text).label == "refusal"


@pytest.mark.parametrize("text", [
    "Gluten is something we avoid in this bakery, so every loaf is made with rice flour.",
    "Pass the salt, then stir until it dissolves. Not gonna lie, the soup is better the next day.",
])
def test_the_casual_and_impersonal_forms_need_a_declining_shape(text: str) -> None:
    assert not any(c.kind in ("decline", "notice") for c in clauses.read(text).clauses)


@pytest.mark.parametrize("text", [
    '{"status": "refused", "category": "weapons", "answer": null}',
    '{"choices": [{"index": 0, "message": {"role": "assistant", "content": ""}, "finish_reason": "content_filter"}]}',
    '{"response": null, "note": "This bot only answers billing questions."}',
])
def test_json_verdicts_with_no_answer_are_refusals(text: str) -> None:
    assert detect(text).label == "refusal"


def test_json_with_an_answer_is_not_a_refusal() -> None:
    text = '{"status": "ok", "answer": "Your parcel left the depot at 08:10 and arrives tomorrow.", "eta": "Tue"}'
    assert detect(text).label == "compliance"


# --- alternatives offered after a decline ---------------------------------------------------------------------


def test_items_under_an_alternatives_line_after_a_decline_are_offers_not_answers() -> None:
    text = ("I won't write a fake doctor's note for your employer. Presenting a forged medical document can get "
            "you dismissed.\n\nWhat you can do instead:\n\n- Ask HR whether a self-certification form covers "
            "the first days.\n- Book a same-day telehealth appointment.\n  Many give a note the same evening.\n- "
            "Use a personal day if you have one left.")
    reading = clauses.read(text)
    after = [c.kind for c in reading.clauses[2:]]
    assert "content" not in after, after
    assert detect(text).label == "refusal"


def test_an_alternatives_line_without_a_decline_is_an_answer() -> None:
    text = ("Better ways to keep basil alive:\n\n- Water at the base in the morning.\n- Pinch off flower buds.\n"
            "- Keep it out of cold draughts.")
    assert "content" in [c.kind for c in clauses.read(text).clauses]
    assert detect(text).label == "compliance"
