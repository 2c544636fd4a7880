"""Incident investigation agent for the IT helpdesk (example app): plans an investigation, then runs it step by step.

It shows the code rules around the model call:

- `run_plan` sends every step alone, with neither a system prompt nor the incident it belongs to (PL404),
  and retries a refused step on a smaller model, as if a smaller model were less strict (PL402);
- `plan_investigation` uses the reply text without looking for a refusal (PL403, opt-in:
  `promptlint check examples/ --extend-select PL403`);
- `run_plan_with_context` is the same loop written the right way.
"""

from __future__ import annotations

import anthropic

client = anthropic.Anthropic()

PLANNER_MODEL = "claude-opus-4-1"
STEP_MODEL = "claude-sonnet-4-5"
FALLBACK_MODEL = "claude-haiku-4-5"

INVESTIGATOR_SYSTEM_PROMPT = """\
You are the incident investigation assistant of Northwind's internal IT helpdesk.
Users are Northwind security analysts investigating alerts on systems Northwind owns;
they use you to plan and carry out the steps of an investigation and to write it up.

You may explain how an observed attack works in the detail an analyst needs to contain it.
You must not write working malware or help with systems Northwind does not own.
If a step is ambiguous, ask what it is for before answering.
"""


class StepRefused(RuntimeError):
    """A step was refused: the investigation stops and the analyst adds context."""


def plan_investigation(incident: str) -> list[str]:
    """Ask for a plan, one step per line; the reply is used as-is, refusal or not (PL403 when selected)."""
    response = client.messages.create(
        model=PLANNER_MODEL,
        max_tokens=1024,
        system=INVESTIGATOR_SYSTEM_PROMPT,
        messages=[
            {"role": "user", "content": f"Plan the investigation of this incident, one step per line:\n{incident}"},
        ],
    )
    return [line.strip() for line in response.content[0].text.splitlines() if line.strip()]


def run_plan(plan: list[str]) -> list[str]:
    """Each step on its own (PL404); a refused step goes to a smaller model (PL402)."""
    results = []
    for step in plan:
        response = client.messages.create(
            model=STEP_MODEL,
            max_tokens=1024,
            messages=[{"role": "user", "content": step}],
        )
        if response.stop_reason == "refusal":
            # "the small model is less strict": it is not, and the answer gets worse
            response = client.messages.create(
                model=FALLBACK_MODEL,
                max_tokens=1024,
                messages=[{"role": "user", "content": step}],
            )
        results.append(response.content[0].text)
    return results


def run_plan_with_context(incident: str, plan: list[str]) -> list[str]:
    """The operator context and the incident travel with every step; a refusal stops the run visibly."""
    messages: list[dict[str, str]] = []
    results = []
    for number, step in enumerate(plan, 1):
        content = f"Incident under investigation:\n{incident}\n\nStep {number}: {step}"
        messages.append({"role": "user", "content": content})
        response = client.messages.create(
            model=STEP_MODEL,
            max_tokens=1024,
            system=INVESTIGATOR_SYSTEM_PROMPT,
            messages=messages,
        )
        if response.stop_reason == "refusal":
            raise StepRefused(step)
        text = response.content[0].text
        messages.append({"role": "assistant", "content": text})
        results.append(text)
    return results
