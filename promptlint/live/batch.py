"""`probe --batch`: the whole suite through the Message Batches API (half price), waiting with progress.

Cached samples are not resubmitted. Before submitting, the worst-case cost
of every uncached request (at the batch price) is reserved against the
budget; requests that do not fit are left out and reported as "budget".
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from promptlint.live.cache import cache_key
from promptlint.live.client import AnthropicClient, LLMError, classify_exception, describe_kind, message_to_response
from promptlint.live.probe import Job, Outcome, ProbeError, Runner, render


def run_batch(
    runner: Runner, jobs: Sequence[Job], *, poll_interval: float = 10.0, timeout: float = 24 * 3600,
    on_poll: Callable[[int, int], None] | None = None, sleep: Callable[[float], None] = time.sleep,
) -> list[Outcome]:  # fmt: skip
    """Outcomes in job order; `on_poll(done, total)` after each status check."""
    from promptlint.refusal import detect

    client = runner.client
    if not isinstance(client, AnthropicClient):
        raise ProbeError("--batch needs provider 'anthropic' (the Message Batches API)")
    outcomes: list[Outcome] = [Outcome(j.variant.name, j.case.name, j.sample) for j in jobs]
    pending: dict[str, tuple[int, str, float]] = {}  # custom_id -> (job index, cache key, reserved)
    requests: list[dict[str, Any]] = []
    for index, job in enumerate(jobs):
        request = render(job.variant, job.case, runner.max_tokens)
        key = cache_key(client.provider, client.model, request, job.sample, client.endpoint)
        cached = runner.cache.get(key)
        if cached is not None:
            runner.cache_hits += 1
            outcomes[index].response, outcomes[index].label = cached, detect(cached.text, cached.stop_reason).label
            continue
        worst = runner.worst_case(request, batch=True)
        if not runner.budget.reserve(worst):
            outcomes[index].error, outcomes[index].message = "budget", describe_kind("budget")
            continue
        custom_id = f"r{index}"
        pending[custom_id] = (index, key, worst)
        requests.append({"custom_id": custom_id, "params": client._params(request)})
    if requests:
        _submit_and_collect(runner, client, requests, pending, outcomes, poll_interval, timeout, on_poll, sleep)
    return outcomes


def _submit_and_collect(
    runner: Runner, client: AnthropicClient, requests: list[dict[str, Any]], pending: dict[str, tuple[int, str, float]],
    outcomes: list[Outcome], poll_interval: float, timeout: float, on_poll: Callable[[int, int], None] | None,
    sleep: Callable[[float], None],
) -> None:  # fmt: skip
    from promptlint.refusal import detect

    batches = client.sdk.messages.batches
    try:
        batch = batches.create(requests=requests)
        runner.requests_sent += 1
        deadline = time.monotonic() + timeout
        while batch.processing_status != "ended":
            counts = batch.request_counts
            if on_poll is not None:
                on_poll(len(requests) - int(counts.processing or 0), len(requests))
            if time.monotonic() > deadline:
                raise LLMError("timeout", "batch did not end in time (it keeps running; its results stay unpaid)")
            sleep(poll_interval)
            batch = batches.retrieve(batch.id)
        if on_poll is not None:
            on_poll(len(requests), len(requests))
        results = list(batches.results(batch.id))
    except LLMError as exc:
        _fail_all(runner, pending, outcomes, exc.kind, str(exc))
        return
    except Exception as exc:
        err = classify_exception(exc)
        _fail_all(runner, pending, outcomes, err.kind, str(err))
        return
    price = runner.price
    for item in results:
        entry = pending.pop(item.custom_id, None)
        if entry is None:
            continue
        index, key, reserved = entry
        outcome = outcomes[index]
        if item.result.type != "succeeded":
            runner.budget.settle(reserved, 0.0)
            outcome.error, outcome.message = "server", f"batch request {item.result.type}"
            continue
        try:
            response = message_to_response(item.result.message, client.model)
        except LLMError as exc:
            runner.budget.settle(reserved, 0.0)
            outcome.error, outcome.message = exc.kind, str(exc)
            continue
        cost = price.cost(response.input_tokens, response.output_tokens, batch=True) if price else 0.0
        runner.budget.settle(reserved, cost)
        runner.cache.put(key, response)
        outcome.response, outcome.cost = response, cost
        outcome.label = detect(response.text, response.stop_reason).label
    _fail_all(runner, pending, outcomes, "malformed", "batch result missing")


def _fail_all(
    runner: Runner, pending: dict[str, tuple[int, str, float]], outcomes: list[Outcome], kind: str, message: str
) -> None:
    for index, _key, reserved in pending.values():
        runner.budget.settle(reserved, 0.0)
        outcomes[index].error, outcomes[index].message = kind, message
    pending.clear()
