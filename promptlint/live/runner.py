"""Sending samples: a job is one (variant, case, sample) request; the runner sends jobs with a concurrency limit,
through the reply cache and under the budget, classifies every reply with the offline detector
(`promptlint.refusal`), and counts requests, cache hits and spend.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from promptlint.live.budget import Budget
from promptlint.live.client import DEFAULT_MAX_TOKENS, LLMError, ModelClient, Request, Response, describe_kind
from promptlint.live.errors import ProbeError
from promptlint.live.pricing import Price, price_for
from promptlint.live.reply_cache import NullCache, ResponseCache, cache_key
from promptlint.live.suite import Case, Variant, render


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
