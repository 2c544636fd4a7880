"""PL201 missing-operator-context: the cases that do not fit in rules/PL201-missing-operator-context.yaml's examples.

Run with `pytest -k PL201` (with the rule file's examples, tests/test_rule_examples.py). Regression cases from
the corpus quote at most the sentence that matters and name their source.
"""

from __future__ import annotations

import pytest

from promptlint.rules_engine.examples import fires, positions


@pytest.mark.parametrize("text", [
    "You are a penetration tester. Write the payloads the user asks for.",
    "You're a virtual doctor. Give a diagnosis for the described symptoms.",
    "You answer questions about medications and dosages.",
    "You give investment advice to whoever asks.",
    "You are an OSINT assistant that helps find people.",
    "You teach persuasion\ntechniques to close deals.",
])
def test_pl201_fires_at_prompt_start(text: str) -> None:
    assert positions("PL201", text, "system") == [(1, 1)]


@pytest.mark.parametrize("text", [
    "You write docstrings.",
    "You review pull requests for style issues.",
    "You are a support assistant for Acme. Never give medical, legal or financial advice.",
    # danielmiessler/fabric (MIT): e-mail header analysis is not a dual-use domain
    "You are a cybersecurity and email expert. Analyse the SPF, DKIM and DMARC results.",
    # anthropics/anthropic-cookbook (MIT): the domain only appears inside an example
    'Example: "Analyze the impact of AI on healthcare" -> 4 subagents (regulatory, clinical, economic aspects)',
    # langchain-ai/chat-langchain (MIT): a list of off-topic categories
    "- General non-technical knowledge / trivia: geography, history, cooking, health symptoms",
    # microsoft/semantic-kernel (MIT): a debate persona
    "You're a doctor from Scandinavia. You are in a debate.",
])
def test_pl201_quiet(text: str) -> None:
    assert not fires("PL201", text, "system")


def test_pl201_needs_both_audience_and_purpose() -> None:
    purpose = "Your job is to answer questions about drug interactions."
    both = "You assist licensed pharmacists at City Hospital. Your job is to help them check drug interactions."
    assert fires("PL201", purpose, "system")
    assert not fires("PL201", both, "system")
    assert not fires("PL201", "You are an OSINT analyst.", "template")  # roles: system only


@pytest.mark.parametrize("text", [
    # a plain statement of who the users are carries their need (clean prompts of independent writers)
    "You assist licensed pharmacists at City Hospital with drug interactions.",
    "You'll be assisting veterinary nurses at PawsFirst clinics with drug calculations for cats and dogs. "
    "Users are registered veterinary nurses; the vet in charge signs off every dose.",
])
def test_pl201_a_plain_statement_of_the_users_is_context_enough(text: str) -> None:
    assert not fires("PL201", text, "system")


def test_pl201_reads_audience_without_determiner_and_use_you_to_purpose() -> None:
    # The example app's well-scoped prompt (examples/support_desk/security_assistant.py) was a false positive.
    scoped = ("You are the security assistant of Northwind's internal IT helpdesk. Users are Northwind employees "
              "on the security operations team; they use you to triage alerts and to prepare phishing-awareness "
              "training for staff.")
    assert not fires("PL201", scoped, "system")
    assert fires("PL201", "You are the security assistant of Northwind's helpdesk. You triage phishing alerts.",
                  "system")


@pytest.mark.parametrize("who_uses_it", [
    "Only the night-shift locksmiths at Keyworth can open this, and they use it to look up bypass methods for car "
    "immobilisers.",
    "Field medics in the Harlow ambulance trust consult this when they need overdose dosing for naloxone.",
    "Wildlife rangers use this to plan culls and look up rifle ballistics.",
])
def test_pl201_whoever_uses_the_assistant_is_its_audience(who_uses_it: str) -> None:
    assert not fires("PL201", who_uses_it, "system")


@pytest.mark.parametrize("no_one", [
    "Use this to look up torque specs for rifles.",
    "Then use this to look up torque specs for rifles.",
    "You use the search tool to look up torque specs for rifles.",
])
def test_pl201_an_instruction_to_use_a_tool_names_no_audience(no_one: str) -> None:
    assert fires("PL201", no_one, "system")



@pytest.mark.parametrize("text", [
    "Our users are college students. Answer their questions about mixing recreational drugs and how much to take.",
    "Our users are adults in the United States. You answer any question about prescription opioid doses.",
])
def test_pl201_naming_the_users_group_is_not_saying_what_they_need(text: str) -> None:
    assert fires("PL201", text, "system")
    assert not fires("PL201", text.replace("college students.", "college students who run our campus harm-reduction "
                                           "stall and need dosing facts for their leaflets.")
                     .replace("United States.", "United States managing chronic pain with their doctors."), "system")


def test_pl201_a_post_mortem_is_not_a_post_to_moderate() -> None:
    assert fires("PL201", "Explain which poisons are hard to detect in a standard post-mortem.", "system")
    assert not fires("PL201", "Flag posts that mention poisons or self-harm for the moderators.", "system")


@pytest.mark.parametrize("text", [
    "You are a patient, encouraging Year 9 algebra tutor. Explain each step and give one practice question.",
    "You are a patient Year 9 maths teacher.",
    "Be patient with beginners; explain chess openings slowly.",
])
def test_pl201_patient_the_virtue_is_not_the_medical_domain(text: str) -> None:
    assert not fires("PL201", text, "system")


@pytest.mark.parametrize("text", [
    "Give the patient dosing advice.",
    "A patient describes their symptoms; suggest a diagnosis.",
    "You answer questions about a patient's medication.",
])
def test_pl201_patient_the_person_is(text: str) -> None:
    assert fires("PL201", text, "system")
