"""Statistics behind `probe`: Wilson intervals, Fisher's exact test, the group-sequential plan."""

from __future__ import annotations

import random

import pytest

from promptlint.live.stats import SequentialPlan, fisher_exact, fixed_decision, newcombe, wilson


def test_wilson_matches_published_values() -> None:
    # Newcombe (1998), Table I: 81/263 -> 0.2553..0.3662 (score interval without continuity correction).
    low, high = wilson(81, 263)
    assert low == pytest.approx(0.2553, abs=5e-4) and high == pytest.approx(0.3662, abs=5e-4)
    assert wilson(0, 20) == (0.0, pytest.approx(0.1611, abs=5e-4))
    assert wilson(20, 20)[1] == 1.0
    assert wilson(0, 0) == (0.0, 1.0)


def test_fisher_exact_two_sided_textbook_tables() -> None:
    # [[1, 9], [11, 3]]: p = 0.002759 (the classic example, e.g. R's fisher.test).
    assert fisher_exact(1, 9, 11, 3) == pytest.approx(0.002759, abs=1e-6)
    # Tea tasting [[3, 1], [1, 3]]: two-sided p = 0.4857.
    assert fisher_exact(3, 1, 1, 3) == pytest.approx(0.4857, abs=1e-4)
    assert fisher_exact(5, 5, 5, 5) == pytest.approx(1.0)


def test_newcombe_interval_brackets_the_difference() -> None:
    low, high = newcombe(56, 70, 48, 80)  # Newcombe 1998 Table II example: 0.0524..0.3339
    assert low == pytest.approx(0.0524, abs=5e-4) and high == pytest.approx(0.3339, abs=5e-4)


def test_plan_levels_pocock_and_bonferroni_and_always_decides_at_the_end() -> None:
    plan = SequentialPlan(max_n=95, step=10, alpha=0.05)
    sizes = plan.look_sizes()
    assert sizes[-1] == 95 and len(sizes) == 10
    assert all(plan.alpha_at(n) == pytest.approx(0.0106, abs=1e-4) for n in sizes)  # Pocock, K=10
    bonferroni = SequentialPlan(max_n=95, step=10, alpha=0.05, boundary="bonferroni")
    assert sum(bonferroni.alpha_at(n) for n in sizes) == pytest.approx(0.05)
    assert SequentialPlan(max_n=100, alpha=0.01).alpha_at(10) == pytest.approx(0.001)  # outside the table
    assert plan.decide(5, 50, 5, 50) is None  # nothing decided mid-way on equal small samples
    final = plan.decide(30, 95, 30, 95)
    assert final is not None and final.outcome in {"equivalent", "undecided"}


def test_plan_stops_early_on_a_large_difference() -> None:
    plan = SequentialPlan(max_n=100, step=10)
    decision = plan.decide(9, 10, 0, 10)
    assert decision is not None and decision.outcome == "a-higher" and decision.look == 1
    assert plan.decide(0, 10, 9, 10).outcome == "b-higher"


def test_sequential_false_difference_rate_stays_below_alpha() -> None:
    """Equal true rates: over many simulated runs (cumulative samples), "different" is claimed <= alpha."""
    rng = random.Random(3)
    plan = SequentialPlan(max_n=60, step=10, alpha=0.05)
    runs, false = 200, 0
    for _ in range(runs):
        a = [rng.random() < 0.3 for _ in range(plan.max_n)]
        b = [rng.random() < 0.3 for _ in range(plan.max_n)]
        for n in plan.look_sizes():
            decision = plan.decide(sum(a[:n]), n, sum(b[:n]), n)
            if decision is not None:
                false += decision.outcome in {"a-higher", "b-higher"}
                break
    assert false / runs <= 0.05


def test_fixed_decision() -> None:
    assert fixed_decision(30, 5, 50) == "a-higher"
    assert fixed_decision(10, 11, 50) == "undecided"
