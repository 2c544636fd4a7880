"""Does the sequential comparison in `promptlint probe --compare` save calls against a fixed design of equal power?

Run from the repository root (no network; about a minute):

    python benchmarks/probe_sequential.py            # 400 simulated comparisons per scenario
    python benchmarks/probe_sequential.py --runs 100 --fake   # fewer, plus runs through the fake API

Part 1 simulates comparisons of two variants with known refusal rates: at most N=100 samples per variant,
spread round-robin over 5 cases, looks every 10 samples per variant, the same clustered decision the CLI
uses (`decide_clustered`). A group-sequential plan must allow more samples at most than a fixed design with
the same power, so "saved" is counted against the fixed design of equal power: N / R per variant, R being
Pocock's inflation factor for the number of looks (1.300 for 10; `promptlint.live.stats`). The table shows
the mean calls, the saving against that design and against the maximum, and how often each design declared
a difference: the sequential plan, the fixed design of equal power (one clustered test at alpha 0.05 after
N / R per variant) and the fixed design of the maximum size. Equal power shows as equal "differ" columns
where the rates differ by the planned effect; where they differ a lot the sequential plan stops early; where
they hardly differ it runs longer than the fixed design of equal power (a negative saving).

Part 2 (`--fake`) runs `compare()` end to end through the real SDK against tests/fakeapi.py and counts the
requests the server received.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
from pathlib import Path

from promptlint.live.stats import SequentialPlan

#: (p_a, p_b): a large difference, differences around the one the plan has 80% power for (0.45 vs 0.25, 0.5 vs
#: 0.3), smaller ones, and none.
SCENARIOS = [(0.6, 0.1), (0.5, 0.25), (0.45, 0.25), (0.5, 0.3), (0.4, 0.2), (0.3, 0.15), (0.5, 0.45), (0.3, 0.3),
             (0.05, 0.05)]


CASES = 5


def _clusters(samples: list[bool], n: int) -> list[tuple[int, int]]:
    """(samples, refusals) per case of the first n samples, dealt round-robin over CASES cases."""
    out = [[0, 0] for _ in range(CASES)]
    for i in range(n):
        out[i % CASES][0] += 1
        out[i % CASES][1] += samples[i]
    return [(a, b) for a, b in out if a]


def _fixed_differs(a: list[bool], b: list[bool], n: int, alpha: float) -> bool:
    from promptlint.live.stats import clustered_difference

    return clustered_difference(_clusters(a, n), _clusters(b, n))[1] <= alpha


def simulate(pa: float, pb: float, runs: int, plan: SequentialPlan, seed: int) -> dict[str, float]:
    from promptlint.live.stats import decide_clustered, equal_power_fixed_n

    rng = random.Random(seed)
    n_equal = equal_power_fixed_n(plan.max_n, plan.looks)
    calls, seq_diff, fixed_diff, equal_diff, equivalent = [], 0, 0, 0, 0
    for _ in range(runs):
        a = [rng.random() < pa for _ in range(plan.max_n)]
        b = [rng.random() < pb for _ in range(plan.max_n)]
        for n in plan.look_sizes():
            decision = decide_clustered(plan, _clusters(a, n), _clusters(b, n))
            if decision is not None:
                break
        assert decision is not None
        calls.append(2 * decision.n_per_variant)
        seq_diff += decision.outcome in ("a-higher", "b-higher")
        equivalent += decision.outcome == "equivalent"
        fixed_diff += _fixed_differs(a, b, plan.max_n, plan.alpha)
        equal_diff += _fixed_differs(a, b, n_equal, plan.alpha)
    return {
        "mean_calls": statistics.fmean(calls), "median_calls": statistics.median(calls),
        "seq_diff": seq_diff / runs, "fixed_diff": fixed_diff / runs, "equal_diff": equal_diff / runs,
        "equivalent": equivalent / runs, "equal_calls": 2 * n_equal,
    }  # fmt: skip


def fake_run() -> None:
    import os

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from fakeapi import FakeAPI, Rule

    from promptlint.live.client import AnthropicClient, RetryPolicy
    from promptlint.live.probe import Case, Runner, Variant, compare

    os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
    rules = [Rule(match="helpful", refusal_p=0.6), Rule(match="locksmith", refusal_p=0.1)]
    a = Variant("bare", "You are a helpful assistant.")
    b = Variant("anchored", "You are a locksmith training assistant for licensed apprentices.")
    cases = [Case("picking", "How does lock picking work?"), Case("bump", "What is a bump key?")]
    print("\nend to end through the SDK and tests/fakeapi.py (true rates 0.60 vs 0.10, N=100 per variant):")
    for seed in range(5):
        with FakeAPI(rules, seed=seed) as fake:
            client = AnthropicClient("claude-haiku-4-5", fake.api_key, base_url=fake.base_url,
                                     policy=RetryPolicy(sleep=lambda s: None))  # fmt: skip
            result = compare(a, b, cases, Runner(client, concurrency=4), max_samples=100)
            sent = fake.count("/v1/messages")
        d = result.decision
        print(f"  seed {seed}: {d.outcome if d else '-'} after {result.calls_used} calls (server saw {sent}), "
              f"fixed design of equal power {result.calls_fixed}, saved {result.calls_saved}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=400)
    parser.add_argument("--max-n", type=int, default=100)
    parser.add_argument("--step", type=int, default=10)
    parser.add_argument("--fake", action="store_true", help="also run compare() against the fake API")
    args = parser.parse_args()
    plan = SequentialPlan(args.max_n, args.step)
    maximum = 2 * args.max_n
    from promptlint.live.stats import equal_power_fixed_n

    equal = 2 * equal_power_fixed_n(args.max_n, plan.looks)
    print(f"sequential: looks every {args.step} per variant up to {args.max_n} ({maximum} calls), {CASES} cases, "
          f"alpha 0.05, margin ±{plan.margin}; fixed design of equal power: {equal} calls; {args.runs} runs per "
          "scenario\n")  # fmt: skip
    print(f"{'p_a':>5} {'p_b':>5} | {'mean calls':>10} {'median':>6} | {'saved vs equal power':>20} "
          f"{'vs max':>7} | {'seq differ':>10} {'equiv':>6} | {'equal-power differ':>18} {'max-N differ':>12}")
    for i, (pa, pb) in enumerate(SCENARIOS):
        r = simulate(pa, pb, args.runs, plan, seed=i)
        print(f"{pa:5.2f} {pb:5.2f} | {r['mean_calls']:10.1f} {r['median_calls']:6.0f} | "
              f"{1 - r['mean_calls'] / equal:20.0%} {1 - r['mean_calls'] / maximum:7.0%} | "
              f"{r['seq_diff']:10.1%} {r['equivalent']:6.1%} | {r['equal_diff']:18.1%} {r['fixed_diff']:12.1%}")
    if args.fake:
        fake_run()


if __name__ == "__main__":
    main()
