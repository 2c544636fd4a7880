"""CI gates for `probe`: expectations on refusal rates that pass or fail the build.

An expectation is one line, in the suite (`expect:`) or on the command line (`--expect`):

    anchored <= 10%          the refusal rate of variant "anchored" is at most 10% (point estimate)
    bare.declined < 0.5      refusal or partial answer, below one half
    anchored < bare          "anchored" refuses less than "bare", shown by the clustered test
    anchored <= bare         "anchored" does not refuse more than "bare" (fails only when shown to)
    anchored@claude-haiku-4-5 <= 5%   only for that model of a matrix run (default: every model)

Metrics: `.refusal` (the default: the refusal label), `.partial`, `.declined` (refusal or partial).
A threshold is checked on the estimate, and the report gives its clustered 95% interval. A comparison
uses the same clustered test as the rest of probe (cases as clusters, `promptlint.live.stats`): `A < B`
passes only when the one-sided test at `alpha` (0.05) shows A's rate lower; `A <= B` fails only when it
shows A's rate higher. A variant with no data (every request failed) fails every gate it is in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from promptlint.live.errors import ProbeError

METRICS = ("refusal", "partial", "declined")
_EXPECTATION = re.compile(
    r"^\s*(?P<left>[^\s<>=@]+?)(?:\.(?P<metric>refusal|partial|declined))?(?:@(?P<model>[^\s<>=]+))?\s*"
    r"(?P<op><=|>=|<|>)\s*(?P<right>[^\s<>=@]+?)(?:\.(?P<rmetric>refusal|partial|declined))?\s*$"
)
_NUMBER = re.compile(r"^(?P<value>\d+(?:\.\d+)?|\.\d+)(?P<percent>%)?$")


class ExpectationError(ValueError):
    """A malformed expectation; the message names where it was written."""


@dataclass(frozen=True, slots=True)
class Expectation:
    text: str
    left: str
    metric: str
    op: str
    threshold: float | None = None  # a rate in [0, 1], or None for a comparison with `right`
    right: str | None = None
    model: str | None = None

    @property
    def variants(self) -> tuple[str, ...]:
        return (self.left,) if self.right is None else (self.left, self.right)


def parse_expectation(text: str, where: str) -> Expectation:
    """Parse one expectation; ProbeError naming `where` when malformed."""
    match = _EXPECTATION.match(text)
    if match is None:
        raise ProbeError(f"{where}: cannot read expectation {text!r} (expected such as 'anchored <= 10%' or "
                         "'anchored < bare')")  # fmt: skip
    metric = match.group("metric") or match.group("rmetric") or "refusal"
    right = match.group("right")
    number = _NUMBER.match(right)
    op = match.group("op")
    if number is not None:
        value = float(number.group("value")) / (100 if number.group("percent") else 1)
        if not 0 <= value <= 1:
            raise ProbeError(f"{where}: {text!r}: a rate is between 0 and 1 (or 0% and 100%)")
        return Expectation(text.strip(), match.group("left"), metric, op, threshold=value, model=match.group("model"))
    left, other = match.group("left"), right
    if op in (">", ">="):  # "bare > anchored" is "anchored < bare"
        left, other, op = other, left, "<" if op == ">" else "<="
    return Expectation(text.strip(), left, metric, op, right=other, model=match.group("model"))


@dataclass(frozen=True, slots=True)
class GateResult:
    expectation: Expectation
    target: str  # the model it was checked for
    passed: bool
    detail: str

    def to_json(self) -> dict[str, Any]:
        return {"expectation": self.expectation.text, "model": self.target, "passed": self.passed,
                "detail": self.detail}  # fmt: skip


def _rate(stats: Any, metric: str) -> float | None:
    if not stats.samples:
        return None
    count = {"refusal": stats.refusals, "partial": stats.partials,
             "declined": stats.refusals + stats.partials}[metric]  # fmt: skip
    return count / stats.samples


def evaluate(expectations: list[Expectation], results: dict[str, Any], alpha: float = 0.05) -> list[GateResult]:
    """Check every expectation against each model's ProbeResult (`results`: model name -> ProbeResult)."""
    from promptlint.live.stats import clustered_difference, clustered_interval

    out = []
    for expectation in expectations:
        for target, result in results.items():
            if expectation.model is not None and expectation.model != target:
                continue
            left = result.stats(expectation.left)
            if expectation.right is None:
                rate = _rate(left, expectation.metric)
                if rate is None:
                    out.append(GateResult(expectation, target, False, f"{expectation.left}: no data"))
                    continue
                interval = clustered_interval(left.clusters(expectation.metric))
                passed = _compare(rate, expectation.op, expectation.threshold or 0.0)
                span = f" (95% CI {interval[0]:.0%}-{interval[1]:.0%})" if interval else ""
                detail = (f"{expectation.left} {expectation.metric} rate {rate:.1%}{span} "
                          f"{'meets' if passed else 'fails'} {expectation.op} {expectation.threshold:.1%}")  # fmt: skip
                out.append(GateResult(expectation, target, passed, detail))
                continue
            right = result.stats(expectation.right)
            if not left.samples or not right.samples:
                empty = expectation.left if not left.samples else expectation.right
                out.append(GateResult(expectation, target, False, f"{empty}: no data"))
                continue
            diff, _p_value, (low, high) = clustered_difference(left.clusters(expectation.metric),
                                                              right.clusters(expectation.metric), 1 - 2 * alpha)
            names = f"{expectation.left} - {expectation.right}"
            span = f"difference {diff:+.1%} ({names}; one-sided {1 - alpha:.0%} bound {high:+.1%}, lower {low:+.1%})"
            if expectation.op == "<":
                passed = high < 0
                verdict = "shown lower" if passed else "not shown lower: more samples or cases may show it"
            else:
                passed = not low > 0
                verdict = "not shown higher" if passed else "shown higher"
            out.append(GateResult(expectation, target, passed, f"{span}: {verdict}"))
    return out


def _compare(value: float, op: str, threshold: float) -> bool:
    eps = 1e-12
    return {"<": value < threshold - eps, "<=": value <= threshold + eps, ">": value > threshold + eps,
            ">=": value >= threshold - eps}[op]  # fmt: skip
