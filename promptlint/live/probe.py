"""Probing: send prompt variants × test cases N times, classify each reply, report refusal rates.

Library API (the CLI and `fix --llm --verify` both build on it):

    runner = Runner(client, cache=ResponseCache(dir), budget=Budget(0.50), concurrency=4)
    result = probe_variants(variants, cases, runner, samples=20)     # -> ProbeResult
    comparison = compare(variants[0], variants[1], cases, runner, max_samples=100)

Every reply is classified by the offline detector (`promptlint.refusal`).
Replies come from the cache when present (free, no request); a request
whose worst-case cost would take the spend past the budget is not sent.

This module probes (`jobs_for`, `probe_variants`, `compare`); the pieces live in their own modules and are
re-exported here as the library API: `suite` (suites, variants, cases), `budget` (the spending cap),
`runner` (jobs, outcomes, sending), `results` (per-variant figures), `stats` (the statistics).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from promptlint.live.budget import Budget
from promptlint.live.errors import ProbeError
from promptlint.live.results import ProbeResult, VariantStats, summarise
from promptlint.live.runner import Job, Outcome, Runner
from promptlint.live.stats import Decision, SequentialPlan, decide_clustered, equal_power_fixed_n
from promptlint.live.suite import Case, ModelSpec, Suite, Variant, load_suite, prompt_at, render

#: The library API (the modules that define the names: `budget`, `runner`, `results`, `suite`; this one probes).
__all__ = ["Budget", "Case", "Comparison", "Job", "ModelSpec", "Outcome", "ProbeError", "ProbeResult", "Runner",
           "Suite", "Variant", "VariantStats", "compare", "jobs_for", "load_suite", "probe_variants", "prompt_at",
           "render", "summarise"]  # fmt: skip


def jobs_for(variants: Iterable[Variant], cases: Sequence[Case], samples: int, start: int = 0) -> list[Job]:
    """Samples interleaved (sample-major) so a budget stop leaves every variant and case evenly sampled."""
    variants = list(variants)
    return [Job(v, c, s) for s in range(start, start + samples) for c in cases for v in variants]


def probe_variants(variants: Sequence[Variant], cases: Sequence[Case], runner: Runner, *, samples: int) -> ProbeResult:
    """`samples` replies per (variant, case), classified; per-variant rates with Wilson intervals."""
    return summarise(variants, runner.run(jobs_for(variants, cases, samples)), runner)


# -- sequential comparison -----------------------------------------------------


@dataclass(slots=True)
class Comparison:
    """Result of `compare`: the decision, what was spent, and the calls a fixed design would have made."""

    a: VariantStats
    b: VariantStats
    decision: Decision | None
    calls_used: int
    #: Calls of the fixed design with the same power as this sequential plan (Pocock's inflation factor:
    #: promptlint.live.stats.equal_power_fixed_n), and the plan's maximum (2 x max_samples).
    calls_fixed: int
    result: ProbeResult
    calls_max: int = 0

    @property
    def calls_saved(self) -> int:
        """Calls saved against the fixed design of equal power; negative when the plan used more (it may go
        up to `calls_max` when the difference is small)."""
        return self.calls_fixed - self.calls_used

    def to_json(self) -> dict[str, Any]:
        d = self.decision
        return {
            "a": self.a.to_json(), "b": self.b.to_json(),
            "decision": d.outcome if d else "stopped", "look": d.look if d else None,
            "p_value": round(d.p_value, 6) if d else None,
            "diff_ci": [round(x, 4) for x in d.diff_interval] if d else None,
            "samples_per_variant": d.n_per_variant if d else self.a.samples,
            "calls_used": self.calls_used, "calls_fixed_equal_power": self.calls_fixed,
            "calls_saved": self.calls_saved, "calls_max": self.calls_max,
            "spent_usd": round(self.result.spent, 6) if self.result.price_known else None,
            "budget_exhausted": self.result.budget_exhausted,
        }  # fmt: skip


def compare(
    a: Variant, b: Variant, cases: Sequence[Case], runner: Runner, *, max_samples: int = 100, step: int = 10,
    alpha: float = 0.05, margin: float = 0.15,
) -> Comparison:  # fmt: skip
    """Refusal rates of two variants, sampled in rounds until the group-sequential test decides.

    `max_samples` is per variant (the fixed design's N); each round adds
    `step` samples per variant spread over the cases. Cached replies count
    as calls used too (they are samples), so the saving is comparable.
    """
    plan = SequentialPlan(max_samples, step, alpha, margin)
    # Sample index i of the flattened (sample, case) sequence: round-robin over cases.
    order = [(s, c) for s in range(max_samples) for c in cases][:max_samples]
    outcomes: list[Outcome] = []
    decision: Decision | None = None
    done = 0
    for size in plan.look_sizes():
        batch = [Job(v, c, s) for s, c in order[done:size] for v in (a, b)]
        outcomes += runner.run(batch)
        done = size
        if runner.interrupted:
            break
        result = summarise([a, b], outcomes, runner)
        sa, sb = result.stats(a.name), result.stats(b.name)
        if runner.budget.exhausted or sa.samples < size or sb.samples < size:
            break  # budget or errors: the look sizes no longer hold, stop without a decision
        decision = decide_clustered(plan, sa.clusters(), sb.clusters())
        if decision is not None:
            break
    result = summarise([a, b], outcomes, runner)
    used = sum(1 for o in outcomes if o.error not in ("budget", "interrupted"))
    fixed = 2 * equal_power_fixed_n(max_samples, plan.looks)
    return Comparison(result.stats(a.name), result.stats(b.name), decision, used, fixed, result, 2 * max_samples)
