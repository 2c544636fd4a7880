"""Does the sequential comparison in `promptlint probe --compare` save calls, and what does it cost in errors?

Run from the repository root (no network; a few seconds):

    python benchmarks/probe_sequential.py            # 400 simulated comparisons per scenario
    python benchmarks/probe_sequential.py --runs 100 --fake   # fewer, plus one run through the fake API

Part 1 simulates comparisons of two variants with known refusal rates, N=100
samples per variant for the fixed design (200 calls), looks every 10 samples
per variant: the same `SequentialPlan` the CLI uses. For each scenario it
reports the mean calls the sequential plan used, and how often each design
declared a difference (power when the rates differ, false alarms when they
do not). The fixed design is one Fisher exact test at alpha 0.05 after all
200 calls.

Part 2 (`--fake`) runs `compare()` end to end through the real SDK against
tests/fakeapi.py and counts the requests the server received.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
from pathlib import Path

from promptlint.live.stats import SequentialPlan, fixed_decision

SCENARIOS = [(0.6, 0.1), (0.4, 0.2), (0.3, 0.15), (0.5, 0.45), (0.3, 0.3), (0.05, 0.05)]


def simulate(pa: float, pb: float, runs: int, plan: SequentialPlan, seed: int) -> dict[str, float]:
    rng = random.Random(seed)
    calls, seq_diff, fixed_diff, equivalent = [], 0, 0, 0
    for _ in range(runs):
        a = [rng.random() < pa for _ in range(plan.max_n)]
        b = [rng.random() < pb for _ in range(plan.max_n)]
        for n in plan.look_sizes():
            decision = plan.decide(sum(a[:n]), n, sum(b[:n]), n)
            if decision is not None:
                break
        assert decision is not None
        calls.append(2 * decision.n_per_variant)
        seq_diff += decision.outcome in ("a-higher", "b-higher")
        equivalent += decision.outcome == "equivalent"
        fixed_diff += fixed_decision(sum(a), sum(b), plan.max_n, plan.alpha) != "undecided"
    return {
        "mean_calls": statistics.fmean(calls), "median_calls": statistics.median(calls),
        "seq_diff": seq_diff / runs, "fixed_diff": fixed_diff / runs, "equivalent": equivalent / runs,
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
        print(f"  seed {seed}: {d.outcome if d else '-'} after {result.calls_used} calls "
              f"(server saw {sent}), fixed design {result.calls_fixed}, saved {result.calls_saved}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=400)
    parser.add_argument("--max-n", type=int, default=100)
    parser.add_argument("--step", type=int, default=10)
    parser.add_argument("--fake", action="store_true", help="also run compare() against the fake API")
    args = parser.parse_args()
    plan = SequentialPlan(args.max_n, args.step)
    fixed = 2 * args.max_n
    print(f"fixed design: {fixed} calls; sequential looks every {args.step} per variant, alpha 0.05, "
          f"margin ±{plan.margin}; {args.runs} runs per scenario\n")  # fmt: skip
    print(f"{'p_a':>5} {'p_b':>5} | {'mean calls':>10} {'median':>6} {'saved':>6} | "
          f"{'seq: differ':>11} {'equiv':>6} | {'fixed: differ':>13}")  # fmt: skip
    for i, (pa, pb) in enumerate(SCENARIOS):
        r = simulate(pa, pb, args.runs, plan, seed=i)
        print(f"{pa:5.2f} {pb:5.2f} | {r['mean_calls']:10.1f} {r['median_calls']:6.0f} "
              f"{1 - r['mean_calls'] / fixed:6.0%} | {r['seq_diff']:11.1%} {r['equivalent']:6.1%} | "
              f"{r['fixed_diff']:13.1%}")  # fmt: skip
    if args.fake:
        fake_run()


if __name__ == "__main__":
    main()
