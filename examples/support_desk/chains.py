"""LangChain chains used by the support desk (example app)."""

from __future__ import annotations

from langchain_core.prompts import ChatPromptTemplate, PromptTemplate

triage_prompt = ChatPromptTemplate.from_messages(
    [
        (
            "system",
            "You triage support tickets for Northwind Cloud. Users are support agents. "
            "Classify each ticket as billing, outage, account or other.",
        ),
        ("human", "Ticket:\n{ticket}"),
    ]
)

summary_template = PromptTemplate.from_template(
    "Summarise the following conversation in three bullet points for the account manager:\n\n{conversation}"
)
