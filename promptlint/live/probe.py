"""Probing: send prompt variants × test cases N times, classify each reply, report refusal rates.

Library API (the CLI and `fix --llm --verify` both build on it):

    runner = Runner(client, cache=ResponseCache(dir), budget=Budget(0.50), concurrency=4)
    result = probe_variants(variants, cases, runner, samples=20)     # -> ProbeResult
    comparison = compare(variants[0], variants[1], cases, runner, max_samples=100)

Every reply is classified by the offline detector (`promptlint.refusal`).
Replies come from the cache when present (free, no request); a request
whose worst-case cost would take the spend past the budget is not sent.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from promptlint.live.client import DEFAULT_MAX_TOKENS, LLMError, ModelClient, Request, Response, describe_kind
from promptlint.live.pricing import Price, price_for
from promptlint.live.reply_cache import NullCache, ResponseCache, cache_key
from promptlint.live.stats import Decision, SequentialPlan, clustered_interval, decide_clustered, equal_power_fixed_n
from promptlint.live.suite import Case, ModelSpec, ProbeError, Suite, Variant, load_suite, prompt_at, render

__all__ = ["Budget", "Case", "Comparison", "Job", "ModelSpec", "Outcome", "ProbeError", "ProbeResult", "Runner",
           "Suite", "Variant", "VariantStats", "compare", "jobs_for", "load_suite", "probe_variants", "prompt_at",
           "render", "summarise"]  # fmt: skip


# -- running -------------------------------------------------------------------


class Budget:
    """A spending cap: a request is sent only if its worst-case cost still fits (thread-safe).

    The first request that does not fit ends the run's sending: later ones are refused too, even if
    settled requests cost less than reserved and freed room. Otherwise how many get sent would depend
    on thread timing, and a stop would no longer leave every variant and case evenly sampled.
    """

    def __init__(self, max_usd: float | None) -> None:
        self.max_usd = max_usd
        self.spent = 0.0
        self._reserved = 0.0
        self._lock = threading.Lock()
        self.exhausted = False

    def reserve(self, worst_case: float) -> bool:
        with self._lock:
            if self.exhausted:
                return False
            if self.max_usd is not None and self.spent + self._reserved + worst_case > self.max_usd + 1e-12:
                self.exhausted = True
                return False
            self._reserved += worst_case
            return True

    def settle(self, reserved: float, actual: float) -> None:
        with self._lock:
            self._reserved -= reserved
            self.spent += actual


@dataclass(slots=True)
class Outcome:
    """One sample: the reply and its verdict, or why there is none (`error` kind, or "budget")."""

    variant: str
    case: str
    sample: int
    response: Response | None = None
    label: str | None = None  # "compliance" | "refusal" | "partial"
    target: str = ""  # the model's name (a matrix run probes several)
    evidence: str = ""  # what the detector (or the judge) based the label on
    cost: float = 0.0
    error: str | None = None  # an LLMError kind, "budget", or "rejected" (the job's `accept` refused the reply)
    message: str | None = None
    key: str | None = None  # the cache key of the reply
    #: What `accept` raised when the reply was rejected (the caller re-raises it: a RewriteError, a VerifyError).
    rejection: Exception | None = None
    uncertain: bool = False  # the detector was unsure (probe --judge asks a model about these)
    judged: bool = False


@dataclass(frozen=True, slots=True)
class Job:
    """One sample to take. `accept(response)` (optional) raises when a reply is unusable (no <rewrite> block,
    no label): such a reply is neither cached nor classified, and its outcome has error "rejected"."""

    variant: Variant
    case: Case
    sample: int
    accept: Callable[[Response], object] | None = field(default=None, compare=False)


class Runner:
    """Sends jobs with a concurrency limit, through the cache and under the budget; counts requests."""

    def __init__(
        self, client: ModelClient, *, cache: ResponseCache | NullCache | None = None, budget: Budget | None = None,
        concurrency: int = 4, max_tokens: int = DEFAULT_MAX_TOKENS, price: Price | None = None,
        on_outcome: Callable[[Outcome], None] | None = None, params: tuple[tuple[str, Any], ...] = (),
        defaults: tuple[tuple[str, str], ...] = (), label: str = "",
    ) -> None:  # fmt: skip
        self.client = client
        #: Sampling parameters sent with every request, the suite's vars, and the model's name in reports.
        self.params = params
        self.defaults = defaults
        self.label = label or client.model
        self.cache = cache if cache is not None else NullCache()
        self.budget = budget or Budget(None)
        self.concurrency = max(1, concurrency)
        self.max_tokens = max_tokens
        self.price = price if price is not None else price_for(client.provider, client.model)
        if self.budget.max_usd is not None and self.price is None:
            raise ProbeError(f"no price known for model {client.model!r}: cannot keep to max-cost-usd "
                             "(give one with --price-per-mtok INPUT,OUTPUT; 0,0 for a free local model)")
        self.on_outcome = on_outcome
        self.requests_sent = 0
        self.cache_hits = 0
        self._token_estimates: dict[Request, int] = {}
        #: Set by an authentication failure: later jobs are not sent (every one would fail the same way).
        self.fatal: str | None = None
        #: Set by Ctrl-C: later jobs are not sent (see `run`).
        self.interrupted = False
        #: Status lines (promptlint.live.status.StatusLog), or None.
        self.status: Callable[[str], None] | None = None
        self._lock = threading.Lock()

    def run(self, jobs: Sequence[Job]) -> list[Outcome]:
        """Outcomes in job order.

        Ctrl-C (KeyboardInterrupt) stops sending: the requests in flight are waited for (their replies
        are paid for, so they are cached), every later job gets error "interrupted", and `interrupted`
        is set for the caller to report and exit 130. A second Ctrl-C while waiting aborts at once."""
        if self.concurrency == 1 or len(jobs) <= 1:
            outcomes = []
            for job in jobs:
                try:
                    outcomes.append(self._skipped(job) if self.interrupted else self._run_one(job))
                except KeyboardInterrupt:
                    self._interrupt(0)
                    outcomes.append(self._skipped(job))
            return outcomes
        pool = ThreadPoolExecutor(max_workers=self.concurrency)
        futures = [pool.submit(self._run_one, job) for job in jobs]
        try:
            return [future.result() for future in futures]
        except KeyboardInterrupt:
            for future in futures:
                future.cancel()
            self._interrupt(sum(1 for f in futures if f.running()))
            pool.shutdown(wait=True)
            return [f.result() if f.done() and not f.cancelled() else self._skipped(job)
                    for f, job in zip(futures, jobs, strict=True)]  # fmt: skip
        finally:
            pool.shutdown(wait=False)

    def _interrupt(self, in_flight: int) -> None:
        self.interrupted = True
        if self.status is not None:
            waiting = f"; waiting for {in_flight} request(s) in flight (Ctrl-C again to abort)" if in_flight else ""
            self.status(f"interrupted: no further requests are sent{waiting}")

    def _skipped(self, job: Job) -> Outcome:
        return self.outcome(job, error="interrupted", message=describe_kind("interrupted"))

    def _run_one(self, job: Job) -> Outcome:
        outcome = self._sample(job)
        if self.on_outcome is not None:
            self.on_outcome(outcome)
        return outcome

    def request(self, job: Job) -> Request:
        """The request a job sends (the variant and case rendered with this runner's settings)."""
        return render(job.variant, job.case, self.max_tokens, self.params, self.defaults)

    def key(self, job: Job, request: Request) -> str:
        return cache_key(self.client.provider, self.client.model, request, job.sample, _endpoint(self.client))

    def outcome(self, job: Job, **fields: Any) -> Outcome:
        return Outcome(job.variant.name, job.case.name, job.sample, target=self.label, **fields)

    def _sample(self, job: Job) -> Outcome:
        from promptlint.refusal import detect

        request = self.request(job)
        key = self.key(job, request)
        outcome = self.outcome(job, key=key)
        response = self.cache.get(key)
        if response is not None and job.accept is not None and _rejects(job, response) is not None:
            self.cache.discard(key)  # written before rejected replies were kept out of the cache
            response = None
        if response is not None:
            with self._lock:
                self.cache_hits += 1
        elif self.fatal is not None:
            outcome.error, outcome.message = "aborted", f"not sent: {self.fatal}"
            return outcome
        elif self.interrupted:
            outcome.error, outcome.message = "interrupted", describe_kind("interrupted")
            return outcome
        else:
            worst = self.worst_case(request)
            if not self.budget.reserve(worst):
                outcome.error, outcome.message = "budget", describe_kind("budget")
                return outcome
            try:
                with self._lock:
                    self.requests_sent += 1
                response = self.client.send(request)
            except LLMError as exc:
                # Failed attempts are not billed by the API (errors carry no usage); nothing is cached.
                self.budget.settle(worst, 0.0)
                outcome.error, outcome.message = exc.kind, str(exc)
                if exc.kind == "auth":
                    self.fatal = str(exc)
                return outcome
            cost = self.price.cost(response.input_tokens, response.output_tokens) if self.price else 0.0
            self.budget.settle(worst, cost)
            outcome.cost = cost
            rejection = _rejects(job, response)
            if rejection is not None:
                outcome.response, outcome.rejection = response, rejection
                outcome.error, outcome.message = "rejected", str(rejection)
                return outcome
            self.cache.put(key, response)
        outcome.response = response
        verdict = detect(response.text, response.stop_reason, request.messages[-1][1] if request.messages else None)
        outcome.label, outcome.evidence, outcome.uncertain = verdict.label, verdict.evidence, verdict.uncertain
        return outcome

    def forget(self, outcome: Outcome) -> None:
        """Drop an outcome's reply from the cache: it was rejected after the fact (a rewrite that failed its checks)."""
        if outcome.key is not None:
            self.cache.discard(outcome.key)

    def worst_case(self, request: Request, *, batch: bool = False) -> float:
        """Cost if the input is as counted (or estimated at 1 token per 3 characters) and the output maxes out."""
        if self.price is None or self.budget.max_usd is None:
            return 0.0
        tokens = self._token_estimates.get(request)
        if tokens is None:
            counted = self.client.count_tokens(request)
            chars = len(request.system or "") + sum(len(c) for _, c in request.messages)
            tokens = counted if counted is not None else math.ceil(chars / 3) + 10
            self._token_estimates[request] = tokens
        return self.price.cost(tokens, request.max_tokens, batch=batch)


def _rejects(job: Job, response: Response) -> Exception | None:
    """What the job's `accept` raised for this reply, or None when it is usable."""
    if job.accept is None:
        return None
    try:
        job.accept(response)
    except Exception as exc:
        return exc
    return None


def _endpoint(client: ModelClient) -> str:
    """The client's base URL for the cache key ("" for a test double without one)."""
    return str(getattr(client, "endpoint", "") or "")


# -- results -------------------------------------------------------------------


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


def jobs_for(variants: Iterable[Variant], cases: Sequence[Case], samples: int, start: int = 0) -> list[Job]:
    """Samples interleaved (sample-major) so a budget stop leaves every variant and case evenly sampled."""
    variants = list(variants)
    return [Job(v, c, s) for s in range(start, start + samples) for c in cases for v in variants]


def summarise(variants: Sequence[Variant], outcomes: Sequence[Outcome], runner: Runner) -> ProbeResult:
    stats = {v.name: VariantStats(v.name, target=runner.label) for v in variants}
    for outcome in outcomes:
        stats[outcome.variant].add(outcome)
    return ProbeResult(
        list(stats.values()), list(outcomes), runner.requests_sent, runner.cache_hits,
        runner.budget.spent, runner.budget.max_usd, runner.budget.exhausted, runner.price is not None,
    )  # fmt: skip


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
