"""Probe figures: per variant (and per case) refusal and partial rates with clustered 95% intervals, errors,
tokens and cost; the result of a run (`summarise`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from promptlint.live.runner import Outcome, Runner
from promptlint.live.stats import clustered_interval
from promptlint.live.suite import Variant


@dataclass(slots=True)
class VariantStats:
    """Per-variant figures: rates over successful samples, Wilson 95% interval on the refusal rate."""

    name: str
    samples: int = 0
    refusals: int = 0  # "refusal" label only
    partials: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    input_tokens: int = 0
    output_tokens: int = 0
    cost: float = 0.0
    cached: int = 0
    target: str = ""
    #: Per case: [samples, refusals, partials] (the clusters of the clustered statistics).
    by_case: dict[str, list[int]] = field(default_factory=dict)

    def clusters(self, metric: str = "refusal") -> list[tuple[int, int]]:
        """(samples, count) per case for `metric` ("refusal", "partial" or "declined": either)."""
        pick = {"refusal": lambda c: c[1], "partial": lambda c: c[2], "declined": lambda c: c[1] + c[2]}[metric]
        return [(c[0], pick(c)) for c in self.by_case.values()]

    @property
    def design_effect(self) -> float:
        from promptlint.live.stats import design_effect

        return design_effect(self.clusters())

    @property
    def refusal_rate(self) -> float | None:
        """None when no sample came back: a variant whose requests all failed has no rate, not 0%."""
        return self.refusals / self.samples if self.samples else None

    @property
    def partial_rate(self) -> float | None:
        return self.partials / self.samples if self.samples else None

    @property
    def interval(self) -> tuple[float, float] | None:
        """95% interval of the refusal rate, clustered by case (Wilson on the effective sample size)."""
        return clustered_interval(self.clusters()) if self.samples else None

    def add(self, outcome: Outcome) -> None:
        counts = self.by_case.setdefault(outcome.case, [0, 0, 0])
        self.cost += outcome.cost
        if outcome.error:
            self.errors[outcome.error] += 1
            return
        assert outcome.response is not None
        self.samples += 1
        self.refusals += outcome.label == "refusal"
        self.partials += outcome.label == "partial"
        counts[0] += 1
        counts[1] += outcome.label == "refusal"
        counts[2] += outcome.label == "partial"
        self.cached += outcome.response.cached
        self.input_tokens += outcome.response.input_tokens
        self.output_tokens += outcome.response.output_tokens

    def to_json(self) -> dict[str, Any]:
        interval, rate, partial = self.interval, self.refusal_rate, self.partial_rate
        return {
            "variant": self.name, "samples": self.samples, "refusals": self.refusals,
            "refusal_rate": None if rate is None else round(rate, 4),
            "refusal_ci95": None if interval is None else [round(x, 4) for x in interval],
            "partials": self.partials, "partial_rate": None if partial is None else round(partial, 4),
            "design_effect": round(self.design_effect, 3), "cases": len(self.by_case),
            "input_tokens": self.input_tokens, "output_tokens": self.output_tokens,
            "cost_usd": round(self.cost, 6), "cached": self.cached, "errors": dict(self.errors),
        }  # fmt: skip

    def case_rows(self) -> list[dict[str, Any]]:
        """Per-case figures (the JSONL report's "case" records)."""
        rows = []
        for case, (n, refusals, partials) in self.by_case.items():
            rows.append({"model": self.target, "variant": self.name, "case": case, "samples": n,
                         "refusals": refusals, "partials": partials,
                         "refusal_rate": round(refusals / n, 4) if n else None,
                         "partial_rate": round(partials / n, 4) if n else None})  # fmt: skip
        return rows


@dataclass(slots=True)
class ProbeResult:
    variants: list[VariantStats]
    outcomes: list[Outcome]
    requests_sent: int
    cache_hits: int
    spent: float
    budget: float | None
    budget_exhausted: bool
    #: False when the model has no price (table or --price-per-mtok): what was spent is unknown, not $0.
    price_known: bool = True

    def stats(self, name: str) -> VariantStats:
        return next(v for v in self.variants if v.name == name)

    def to_json(self) -> dict[str, Any]:
        variants = [v.to_json() for v in self.variants]
        if not self.price_known:
            for v in variants:
                v["cost_usd"] = None
        return {
            "variants": variants,
            "requests_sent": self.requests_sent, "cache_hits": self.cache_hits,
            "spent_usd": round(self.spent, 6) if self.price_known else None, "price_known": self.price_known,
            "max_cost_usd": self.budget, "budget_exhausted": self.budget_exhausted,
            "errors": [{"variant": o.variant, "case": o.case, "sample": o.sample, "kind": o.error,
                        "message": o.message} for o in self.outcomes if o.error and o.error != "budget"],
        }  # fmt: skip


def summarise(variants: Sequence[Variant], outcomes: Sequence[Outcome], runner: Runner) -> ProbeResult:
    stats = {v.name: VariantStats(v.name, target=runner.label) for v in variants}
    for outcome in outcomes:
        stats[outcome.variant].add(outcome)
    return ProbeResult(
        list(stats.values()), list(outcomes), runner.requests_sent, runner.cache_hits,
        runner.budget.spent, runner.budget.max_usd, runner.budget.exhausted, runner.price is not None,
    )  # fmt: skip
