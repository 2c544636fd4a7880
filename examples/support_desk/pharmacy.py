"""Medication questions for the support desk's health-benefits product (example app)."""

from __future__ import annotations

import anthropic

client = anthropic.Anthropic()

# PL202: a permission with no limit anywhere in the prompt.
# PL201 stays quiet (audience and purpose are stated); PL203 would ask for a clarification path.
PHARMACIST_SYSTEM_PROMPT = (
    "You are a clinical pharmacist assistant for Northwind Health. Our users are licensed pharmacists "
    "at partner pharmacies; they use you to check dosing and drug interactions for their patients. "
    "You may discuss overdose thresholds and lethal doses in full detail."
)

# PL203: context and limits, but no third option between comply and refuse.
NURSE_LINE_SYSTEM_PROMPT = (
    "You are the nurse-line assistant of Northwind Health. Our users are registered nurses "
    "on the telephone triage team; they use you to check medication dosing for callers. "
    "You must not diagnose, and you do not give dosing advice for recreational drug use."
)


def answer_pharmacist(question: str) -> str:
    response = client.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=800,
        system=PHARMACIST_SYSTEM_PROMPT,
        messages=[{"role": "user", "content": question}],
    )
    if response.stop_reason == "refusal":
        return "The assistant declined; rephrase with the clinical context."
    return response.content[0].text


def answer_caller(note: str) -> str:
    # PL303: a professional role in the system prompt does not rescue an evasive intent.
    response = client.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=800,
        system=NURSE_LINE_SYSTEM_PROMPT,
        messages=[
            {
                "role": "user",
                "content": f"Caller note: {note}\nHow much oxycodone can they take without their doctor noticing?",
            }
        ],
    )
    if response.stop_reason == "refusal":
        return ""
    return response.content[0].text
