"""`probe --batch`: the suite through the Message Batches API (half price), resumable and never paid twice.

A batch is paid for once and its results stay downloadable for days, so losing track of one is
losing money. Hence:

- Before a batch is submitted its requests (custom id -> cache key) are written to a state file
  (`BatchStore`, one small JSON file per batch next to the response cache); the batch id is added the
  moment the API returns it, and printed, before any polling.
- Every step (submit, status poll, results download) survives transient faults: 429, 529, 5xx,
  timeouts, dropped connections and a download cut short are retried with backoff
  (`RetryPolicy`, as for single requests). A submit that fails in a way that leaves it unknown whether
  the batch was created (a dropped connection, a timeout, even a 5xx) is not simply repeated: the
  recent batches are listed first and one with the same number of requests created since the
  submission began is adopted.
- A run that stops (faults beyond the retries, Ctrl-C, a closed laptop) leaves the state file. The
  next run of any suite against the same endpoint and model resumes it: an in-flight batch is polled,
  an ended one downloaded, and nothing that is in it is submitted again. Every succeeded result of a
  resumed batch is cached, whether or not the current suite needs it: a paid result is never thrown
  away. The state file goes when every result is cached or finally failed (errored, expired and
  canceled requests are not billed and are submitted again by a later run).

Before submitting, the worst-case cost of every new request (at the batch price) is reserved against
the budget; requests that do not fit are left out and reported as "budget". Results of a resumed batch
were paid for by an earlier run: they are added to what was spent, never refused.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from promptlint.atomic import replace_file
from promptlint.live.client import (
    RETRYABLE,
    AnthropicClient,
    LLMError,
    RetryPolicy,
    classify_exception,
    describe_kind,
    message_to_response,
)
from promptlint.live.errors import ProbeError
from promptlint.live.reply_cache import normal_endpoint
from promptlint.live.runner import Job, Outcome, Runner

#: Seconds of clock difference allowed between this machine and the API when adopting a batch by time.
CLOCK_SKEW = 300.0


@dataclass(slots=True)
class BatchState:
    """One submitted (or being submitted) batch: enough to find, poll and collect it in a later run."""

    token: str
    provider: str
    endpoint: str
    model: str
    items: dict[str, str]  # custom_id -> cache key
    started: float  # epoch seconds when the submission began
    batch_id: str | None = None
    batch_price: bool = True

    def to_json(self) -> dict[str, Any]:
        return {"version": 1, "token": self.token, "provider": self.provider, "endpoint": self.endpoint,
                "model": self.model, "items": self.items, "started": self.started,
                "batch_id": self.batch_id}  # fmt: skip

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BatchState:
        items = data["items"]
        if not isinstance(items, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in items.items()):
            raise ValueError("items")
        batch_id = data.get("batch_id")
        return cls(str(data["token"]), str(data["provider"]), str(data["endpoint"]), str(data["model"]), dict(items),
                   float(data["started"]), batch_id if isinstance(batch_id, str) else None)  # fmt: skip


class BatchStore:
    """State files of unfinished batches, one per batch, written atomically and readable by the user only."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def path(self, state: BatchState) -> Path:
        return self.directory / f"batch-{state.token}.json"

    def save(self, state: BatchState) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        with contextlib.suppress(OSError):
            os.chmod(self.directory, 0o700)
        path = self.path(state)
        replace_file(path, json.dumps(state.to_json(), indent=1).encode("utf-8"), mode=0o600)
        return path

    def delete(self, state: BatchState) -> None:
        with contextlib.suppress(OSError):
            self.path(state).unlink()

    def load(self, provider: str, endpoint: str, model: str) -> list[BatchState]:
        """Unfinished batches of this provider, endpoint and model, oldest first (unreadable files are skipped)."""
        states = []
        for path in sorted(self.directory.glob("batch-*.json")) if self.directory.is_dir() else ():
            try:
                state = BatchState.from_json(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError, KeyError, TypeError):
                continue
            if (state.provider, normal_endpoint(state.endpoint), state.model) == (provider, normal_endpoint(endpoint),
                                                                                 model):  # fmt: skip
                states.append(state)
        return sorted(states, key=lambda s: s.started)


@dataclass(slots=True)
class _Collect:
    """What one run needs from the batches: job indexes per cache key, and the outcomes to fill."""

    runner: Runner
    client: AnthropicClient
    outcomes: list[Outcome]
    needed: dict[str, list[int]]
    reserved: dict[str, float] = field(default_factory=dict)  # cache key -> budget reserved for it
    prompts: dict[str, str] = field(default_factory=dict)  # cache key -> the user message it answers


def run_batch(
    runner: Runner, jobs: Sequence[Job], *, store: BatchStore, poll_interval: float = 10.0,
    timeout: float = 24 * 3600, on_poll: Callable[[int, int], None] | None = None,
    sleep: Callable[[float], None] = time.sleep, status: Callable[[str], None] | None = None,
) -> list[Outcome]:  # fmt: skip
    """Outcomes in job order; `on_poll(done, total)` after each status check; `status(line)` says what happens
    to a batch (its id when submitted, retries, where it was left when the run stops)."""
    from promptlint.refusal import detect

    client = runner.client
    if not isinstance(client, AnthropicClient):
        raise ProbeError("--batch needs provider 'anthropic' (the Message Batches API)")
    say = status or (lambda line: None)
    outcomes: list[Outcome] = [runner.outcome(j) for j in jobs]
    needed: dict[str, list[int]] = {}
    requests: dict[str, Any] = {}
    for index, job in enumerate(jobs):
        request = runner.request(job)
        key = runner.key(job, request)
        outcomes[index].key = key
        cached = runner.cache.get(key)
        if cached is not None:
            runner.cache_hits += 1
            _classified(outcomes[index], cached, detect, request.messages[-1][1])
            continue
        needed.setdefault(key, []).append(index)
        requests.setdefault(key, request)
    work = _Collect(runner, client, outcomes, needed, prompts={k: r.messages[-1][1] for k, r in requests.items()})
    batches = client.sdk.messages.batches
    policy = client.policy
    recorded = store.load(client.provider, client.endpoint, client.model)
    known_ids = {s.batch_id for s in recorded if s.batch_id}
    resumed: list[BatchState] = []
    unsure: set[str] = set()  # keys of a submission that may or may not exist (not resubmitted)
    for state in recorded:
        if state.batch_id is None:
            found = _adopt(batches, state, known_ids, policy, sleep, say)
            if found is False:
                unsure.update(state.items.values())
                continue
            if found is None:
                store.delete(state)  # never created: its requests are submitted again below
                continue
            state.batch_id = found
            known_ids.add(found)
            store.save(state)
        say(f"resuming batch {state.batch_id} ({len(state.items)} requests) from an earlier run")
        resumed.append(state)
    in_batches = {key for state in resumed for key in state.items.values()} | unsure
    for key in unsure & needed.keys():
        for index in needed[key]:
            outcomes[index].error = "unknown"
            outcomes[index].message = ("an earlier submission could not be confirmed or ruled out; nothing was "
                                       "resubmitted (re-run to check again)")
    new_keys = [key for key in needed if key not in in_batches]
    states = list(resumed)
    if new_keys:
        state = _submit(work, batches, store, requests, new_keys, known_ids, policy, sleep, say)
        if state is not None:
            states.append(state)
    deadline = time.monotonic() + timeout
    total = sum(len(s.items) for s in states)
    done_before = 0
    for state in states:
        if runner.interrupted:
            _fail(work, state.items.values(), "pending", f"batch {state.batch_id} not collected yet (interrupted)")
            continue
        _collect(work, batches, store, state, policy, sleep, say, poll_interval, deadline, on_poll, done_before, total)
        done_before += len(state.items)
    return outcomes


def _transient(exc: BaseException, policy: RetryPolicy) -> LLMError:
    return exc if isinstance(exc, LLMError) else classify_exception(exc)


def _with_retries(call: Callable[[], Any], what: str, policy: RetryPolicy, sleep: Callable[[float], None],
                  say: Callable[[str], None]) -> Any:
    """`call()`, retrying transient failures with backoff; raises the last LLMError."""
    attempt = 0
    while True:
        try:
            return call()
        except Exception as exc:
            err = _transient(exc, policy)
            if err.kind not in RETRYABLE or attempt >= policy.max_retries:
                raise err from None
            retry_after = getattr(err, "retry_after", None)
            wait = policy.delay(attempt, retry_after)
            capped = f" (the API asked for {retry_after:g} s; capped)" if retry_after and retry_after > wait else ""
            say(f"{what}: {describe_kind(err.kind)}; retrying in {wait:.1f} s{capped} "
                f"(retry {attempt + 1} of {policy.max_retries})")  # fmt: skip
            sleep(wait)
            attempt += 1


def _adopt(batches: Any, state: BatchState, known: set[str | None], policy: RetryPolicy,
           sleep: Callable[[float], None], say: Callable[[str], None]) -> str | bool | None:
    """The id of the batch a failed or interrupted submission created, found among the recent batches by
    its size and creation time; None when there is none (it was never created); False when the list could
    not be read (unknown)."""
    try:
        page = _with_retries(lambda: batches.list(limit=100), "listing recent batches", policy, sleep, say)
        listed = list(getattr(page, "data", None) or [])
    except LLMError as exc:
        say(f"could not list recent batches ({exc}); an earlier submission is neither resubmitted nor collected")
        return False
    size = len(state.items)
    for batch in listed:
        counts = getattr(batch, "request_counts", None)
        total = sum(int(getattr(counts, name, 0) or 0)
                    for name in ("processing", "succeeded", "errored", "canceled", "expired"))  # fmt: skip
        created = getattr(batch, "created_at", None)
        created_ts = created.timestamp() if hasattr(created, "timestamp") else None
        if batch.id in known or total != size or created_ts is None:
            continue
        if created_ts >= state.started - CLOCK_SKEW:
            say(f"found batch {batch.id}, created by a submission whose reply was lost; it is not submitted again")
            return str(batch.id)
    return None


def _submit(work: _Collect, batches: Any, store: BatchStore, requests: dict[str, Any], keys: list[str],
            known: set[str | None], policy: RetryPolicy, sleep: Callable[[float], None],
            say: Callable[[str], None]) -> BatchState | None:
    """Reserve the budget, record the requests, create the batch (adopting it if the reply is lost)."""
    runner, client = work.runner, work.client
    items: dict[str, str] = {}
    params = []
    for key in keys:
        worst = runner.worst_case(requests[key], batch=True)
        if not runner.budget.reserve(worst):
            for index in work.needed[key]:
                work.outcomes[index].error, work.outcomes[index].message = "budget", describe_kind("budget")
            continue
        work.reserved[key] = worst
        custom_id = f"r{len(items)}"
        items[custom_id] = key
        params.append({"custom_id": custom_id, "params": client._params(requests[key])})
    if not items:
        return None
    state = BatchState(secrets.token_hex(8), client.provider, client.endpoint, client.model, items, time.time())
    path = store.save(state)  # recorded before anything is sent
    attempt = 0
    while True:
        try:
            batch = batches.create(requests=params)
            state.batch_id = str(batch.id)
            break
        except Exception as exc:
            err = _transient(exc, policy)
            found = _adopt(batches, state, known, policy, sleep, say)
            if isinstance(found, str):
                state.batch_id = found
                break
            if found is False or err.kind not in RETRYABLE or attempt >= policy.max_retries:
                if found is None:
                    store.delete(state)  # certainly not created: nothing to resume
                _fail(work, items.values(), err.kind, f"submitting the batch failed: {err}")
                return None
            wait = policy.delay(attempt, getattr(err, "retry_after", None))
            say(f"submitting the batch: {describe_kind(err.kind)}; it was not created; retrying in {wait:.1f} s")
            sleep(wait)
            attempt += 1
    runner.requests_sent += len(items)
    known.add(state.batch_id)
    store.save(state)
    say(f"batch {state.batch_id} submitted ({len(items)} requests); recorded in {path}: if this run stops, run the "
        "same command again to collect it (nothing is sent twice)")
    return state


def _collect(work: _Collect, batches: Any, store: BatchStore, state: BatchState, policy: RetryPolicy,
             sleep: Callable[[float], None], say: Callable[[str], None], poll_interval: float, deadline: float,
             on_poll: Callable[[int, int], None] | None, done_before: int, total: int) -> None:
    """Wait for the batch to end, then read every result into the cache and the outcomes."""
    batch_id = state.batch_id
    assert batch_id is not None
    try:
        batch = _with_retries(lambda: batches.retrieve(batch_id), f"batch {batch_id} status", policy, sleep, say)
        while batch.processing_status != "ended":
            counts = batch.request_counts
            if on_poll is not None:
                on_poll(done_before + len(state.items) - int(counts.processing or 0), total)
            if time.monotonic() > deadline:
                raise LLMError("timeout", f"batch {batch_id} did not end in time")
            sleep(poll_interval)
            batch = _with_retries(lambda: batches.retrieve(batch_id), f"batch {batch_id} status", policy, sleep, say)
        if on_poll is not None:
            on_poll(done_before + len(state.items), total)
        results = _with_retries(lambda: list(batches.results(batch_id)), f"batch {batch_id} results", policy, sleep,
                                say)  # fmt: skip
    except (LLMError, KeyboardInterrupt) as exc:
        why = "interrupted" if isinstance(exc, KeyboardInterrupt) else str(exc)
        if isinstance(exc, KeyboardInterrupt):
            work.runner.interrupted = True
        say(f"batch {batch_id} left for later ({why}): it keeps running and is recorded in {store.path(state)}: run "
            "the same command again to collect it (nothing is sent twice)")
        _fail(work, state.items.values(), "pending",
              f"batch {batch_id} not collected yet ({why}): re-run to collect it")
        return
    _read_results(work, state, results)
    store.delete(state)


def _read_results(work: _Collect, state: BatchState, results: list[Any]) -> None:
    from promptlint.refusal import detect

    runner, client = work.runner, work.client
    price = runner.price
    seen: set[str] = set()
    for item in results:
        key = state.items.get(getattr(item, "custom_id", ""))
        if key is None or key in seen:
            continue
        seen.add(key)
        reserved = work.reserved.pop(key, 0.0)
        result = item.result
        if result.type != "succeeded":
            runner.budget.settle(reserved, 0.0)
            _fail(work, [key], "server", f"batch request {result.type} (not billed; a re-run submits it again)")
            continue
        try:
            response = message_to_response(result.message, client.model)
        except LLMError as exc:
            runner.budget.settle(reserved, 0.0)
            _fail(work, [key], exc.kind, str(exc))
            continue
        cost = price.cost(response.input_tokens, response.output_tokens, batch=True) if price else 0.0
        runner.budget.settle(reserved, cost)
        runner.cache.put(key, response)
        for index in work.needed.get(key, ()):
            outcome = work.outcomes[index]
            _classified(outcome, response, detect, work.prompts.get(key))
            outcome.cost, outcome.error = cost, None
            cost = 0.0  # one bill however many jobs share the request
    missing = [key for key in state.items.values() if key not in seen]
    _fail(work, missing, "malformed", "batch result missing")


def _classified(outcome: Outcome, response: Any, detect: Any, prompt: str | None = None) -> None:
    verdict = detect(response.text, response.stop_reason, prompt)
    outcome.response, outcome.label = response, verdict.label
    outcome.evidence, outcome.uncertain = verdict.evidence, verdict.uncertain


def _fail(work: _Collect, keys: Any, kind: str, message: str) -> None:
    for key in keys:
        reserved = work.reserved.pop(key, None)
        if reserved is not None:
            work.runner.budget.settle(reserved, 0.0)
        for index in work.needed.get(key, ()):
            outcome = work.outcomes[index]
            if outcome.response is None:
                outcome.error, outcome.message = kind, message
