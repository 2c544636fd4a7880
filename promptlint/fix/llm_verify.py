"""`fix --llm --verify`: probe the original prompt and its rewrite, and accept the rewrite only if it refuses less.

The cases are the suite's (`--suite`, the probe suite format) or, without one, realistic requests
the model is asked to write for the prompt's stated purpose (ordinary and borderline-legitimate
ones; the reply is cached like every other). The comparison is `promptlint.live.probe.compare`:
the group-sequential Fisher test of `promptlint.live.stats` at overall alpha 0.05, which stops as
soon as the rates clearly differ. A rewrite is accepted only when the original refuses
significantly more *and* the rewrite's compliance rate (full answers, partial ones not counted)
is not lower: a rewrite that turns refusals into hedged half-answers is not better.

Public API:
    generate_cases(prompt_text, runner, count=8) -> list[Case]
    verify_rewrite(original, rewrite, role, cases, runner, max_samples=20, step=10, alpha=0.05) -> Verdict
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from promptlint.live.probe import Case, Comparison, Variant

TEMPLATE_PATH = Path(__file__).with_name("edge_cases_prompt.md")
_REQUESTS = re.compile(r"<requests>(.*?)</requests>", re.DOTALL | re.IGNORECASE)
_VALUES = re.compile(r"<values>(.*?)</values>", re.DOTALL | re.IGNORECASE)
_VALUES_REQUEST = """

The prompt has template placeholders that the application fills in at run time: {names}. Give one realistic
value for each, one per line as "name: value" (the name without braces), all inside <values> and </values>."""


class VerifyError(Exception):
    """No cases to probe with (a reply without the <requests> block, every sample failed): nothing written."""


@cache
def _template() -> string.Template:
    return string.Template(TEMPLATE_PATH.read_text(encoding="utf-8"))


def parse_requests(reply: str) -> list[str]:
    """The "- " lines inside <requests>...</requests>; VerifyError when there are none."""
    match = _REQUESTS.search(reply or "")
    if match is None:
        raise VerifyError("the model's reply has no <requests> block")
    lines = [line.strip()[2:].strip() for line in match.group(1).splitlines() if line.strip().startswith("- ")]
    lines = [line for line in lines if line]
    if not lines:
        raise VerifyError("the model's <requests> block lists no requests")
    return list(dict.fromkeys(lines))


def parse_values(reply: str, names: list[str]) -> dict[str, str]:
    """The "name: value" lines inside <values>...</values>; VerifyError when a name has no value."""
    if not names:
        return {}
    match = _VALUES.search(reply or "")
    if match is None:
        raise VerifyError(f"the model's reply has no <values> block for the placeholders {', '.join(names)}")
    values: dict[str, str] = {}
    for line in match.group(1).splitlines():
        name, sep, value = line.strip().lstrip("-* ").partition(":")
        name = name.strip().strip("{}$ ").strip()
        if sep and name and value.strip():
            values[name] = value.strip()
    missing = [name for name in names if name not in values]
    if missing:
        raise VerifyError(f"the model's reply gives no value for {', '.join(missing)}")
    return {name: values[name] for name in names}


def placeholder_names(prompt_text: str) -> list[str]:
    """Names of the template placeholders of a prompt, in order, once each."""
    from promptlint.live.suite import placeholders

    return list(dict.fromkeys(name for _written, name in placeholders(prompt_text) if name != "input"))


def generate_cases(prompt_text: str, runner: Any, count: int = 8) -> list[Case]:
    """Realistic user requests for the prompt's stated purpose, asked of the model (cached: sample 0), each
    with realistic values for the prompt's placeholders, so nothing is sent with a literal `{name}` in it."""
    from promptlint.live.client import LLMError
    from promptlint.live.probe import Job

    names = placeholder_names(prompt_text)
    values = _VALUES_REQUEST.format(names=", ".join(names)) if names else ""
    ask = _template().substitute(prompt=prompt_text, count=count, values=values)

    def accept(response: Any) -> None:  # a malformed list is not cached: a re-run asks again
        parse_requests(response.text)
        parse_values(response.text, names)

    outcome = runner.run([Job(Variant("edge-cases"), Case("edge-cases", ask), 0, accept)])[0]
    if outcome.rejection is not None:
        raise outcome.rejection
    if outcome.error:
        raise LLMError(outcome.error, outcome.message or outcome.error)
    assert outcome.response is not None
    filled = tuple(parse_values(outcome.response.text, names).items())
    return [Case(f"generated{i + 1}", text, filled)
            for i, text in enumerate(parse_requests(outcome.response.text)[:count])]  # fmt: skip


def variants_for(original: str, rewrite: str, role: str) -> tuple[Variant, Variant]:
    """A system prompt is probed as the system prompt; any other prompt as the user message template."""
    if role == "system":
        return Variant("original", system=original), Variant("rewrite", system=rewrite)
    return Variant("original", user_template=original), Variant("rewrite", user_template=rewrite)


@dataclass(slots=True)
class Verdict:
    """The comparison and what it means for the rewrite."""

    accepted: bool
    reason: str
    comparison: Comparison

    def to_json(self) -> dict[str, Any]:
        return {"accepted": self.accepted, "reason": self.reason, **self.comparison.to_json()}


def compliance_rate(stats: Any) -> float:
    if not stats.samples:
        return 0.0
    return (stats.samples - stats.refusals - stats.partials) / stats.samples


def verify_rewrite(
    original: str, rewrite: str, role: str, cases: list[Case], runner: Any, *, max_samples: int = 20,
    step: int = 10, alpha: float = 0.05,
) -> Verdict:  # fmt: skip
    """Probe both; accepted only if the original refuses significantly more and compliance did not drop."""
    from promptlint.live.probe import Job, ProbeError, compare

    if not cases:
        raise VerifyError("no cases to probe with")
    a, b = variants_for(original, rewrite, role)
    for variant in (a, b):
        for case in cases:
            try:
                runner.request(Job(variant, case, 0))  # every placeholder filled, before anything is sent
            except ProbeError as exc:
                raise VerifyError(f"cannot probe: {exc}") from None
    comparison = compare(a, b, cases, runner, max_samples=max_samples, step=min(step, max_samples), alpha=alpha)
    decision = comparison.decision
    if runner.fatal is not None:
        raise VerifyError(f"probing failed: {runner.fatal}")
    if comparison.a.samples == 0 or comparison.b.samples == 0:
        errors = sorted(set(comparison.a.errors) | set(comparison.b.errors))
        raise VerifyError(f"probing failed: no replies ({', '.join(errors) or 'none sent'})")
    if decision is None:
        return Verdict(False, "stopped before a decision (budget or failed requests)", comparison)
    if decision.outcome != "a-higher":
        what = {"b-higher": "the rewrite refuses more", "equivalent": "no real difference in refusals",
                "undecided": "the difference in refusals is not significant"}[decision.outcome]  # fmt: skip
        return Verdict(False, f"{what} (p={decision.p_value:.3g})", comparison)
    before, after = compliance_rate(comparison.a), compliance_rate(comparison.b)
    if after < before:
        return Verdict(False, f"fewer refusals but the compliance rate dropped ({before:.0%} -> {after:.0%})",
                       comparison)  # fmt: skip
    return Verdict(True, f"refuses less (p={decision.p_value:.3g}), compliance {before:.0%} -> {after:.0%}",
                   comparison)  # fmt: skip
