"""Customer-facing helpers on an OpenAI-compatible endpoint (example app)."""

from __future__ import annotations

from openai import OpenAI

client = OpenAI()

BILLING_SYSTEM_PROMPT = (
    "You are the billing assistant of Northwind Cloud. Users are paying customers "
    "asking about their invoices. Answer from the invoice data provided; if a question "
    "is about something else, say so and point to support@northwind.example."
)


def explain_invoice(invoice_text: str, question: str) -> str:
    completion = client.chat.completions.create(
        model="gpt-4.1-mini",
        messages=[
            {"role": "system", "content": BILLING_SYSTEM_PROMPT},
            {"role": "user", "content": f"Invoice:\n{invoice_text}\n\nQuestion: {question}"},
        ],
    )
    return completion.choices[0].message.content or ""


def release_notes(changelog: str) -> str:
    response = client.responses.create(
        model="gpt-4.1-mini",
        instructions="You write short, friendly release notes for Northwind Cloud customers.",
        input=f"Turn this changelog into release notes:\n{changelog}",
    )
    return response.output_text
