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


# --- clustering by case and the fixed design of equal power (issue 17) ------------------------------------


def test_design_effect_is_one_for_homogeneous_cases_and_large_when_cases_differ() -> None:
    from promptlint.live.stats import design_effect

    assert design_effect([(10, 5)]) == 1.0  # one case: its samples are independent draws
    assert design_effect([(10, 5), (10, 5), (10, 5)]) == 1.0  # no between-case variation (floored at 1)
    # Two cases refused always and two never: 40 samples say 50%, but there are really 4 observations.
    deff = design_effect([(10, 10), (10, 10), (10, 0), (10, 0)])
    assert deff == pytest.approx(40 / 3)  # robust variance (4/3) * 100 / 40^2 over binomial 0.25 / 40


def test_clustered_interval_is_wider_than_the_binomial_one_when_cases_differ() -> None:
    from promptlint.live.stats import clustered_interval

    clusters = [(10, 10), (10, 10), (10, 0), (10, 0)]
    low, high = clustered_interval(clusters)
    plain_low, plain_high = wilson(20, 40)
    assert low < plain_low and high > plain_high
    assert clustered_interval([(40, 20)]) == pytest.approx(wilson(20, 40))


def test_the_clustered_test_does_not_call_case_driven_differences_significant() -> None:
    """Samples of one case are not independent: 4 cases x 25 samples is not 100 independent samples."""
    from promptlint.live.stats import clustered_difference

    a = [(25, 25), (25, 20), (25, 0), (25, 3)]   # 48% overall, driven by two cases
    b = [(25, 20), (25, 5), (25, 0), (25, 0)]    # 25% overall
    naive = fisher_exact(48, 52, 25, 75)
    diff, p_value, _interval = clustered_difference(a, b)
    assert naive < 0.01 and p_value > 0.05 and diff == pytest.approx(0.23)


def test_clustered_false_alarm_rate_with_heterogeneous_cases_stays_near_alpha() -> None:
    """Cases whose true rates differ a lot, equal for both variants: the naive Fisher test on pooled counts
    raises false alarms far above 5%; the clustered test stays close to it."""
    from promptlint.live.stats import clustered_difference

    rng = random.Random(11)
    runs, naive_alarms, clustered_alarms = 300, 0, 0
    for _ in range(runs):
        rates = [rng.choice([0.02, 0.1, 0.5, 0.9]) for _ in range(8)]  # a fresh draw of cases each run
        rates_b = [rng.choice([0.02, 0.1, 0.5, 0.9]) for _ in range(8)]
        a = [(10, sum(rng.random() < p for _ in range(10))) for p in rates]
        b = [(10, sum(rng.random() < p for _ in range(10))) for p in rates_b]
        ka, kb = sum(k for _, k in a), sum(k for _, k in b)
        naive_alarms += fisher_exact(ka, 80 - ka, kb, 80 - kb) <= 0.05
        clustered_alarms += clustered_difference(a, b)[1] <= 0.05
    assert naive_alarms / runs > 0.2
    assert clustered_alarms / runs <= 0.08


def test_pocock_inflation_matches_the_published_table() -> None:
    """Jennison & Turnbull (2000) Table 2.2: R_P(K, alpha 0.05, power 0.8) = 1.110, 1.166 for K = 2, 3."""
    from promptlint.live.stats import POCOCK_INFLATION_080, equal_power_fixed_n, pocock_inflation

    assert pocock_inflation(2, grid=81) == pytest.approx(1.110, abs=2e-3)
    assert pocock_inflation(3, grid=81) == pytest.approx(1.166, abs=2e-3)
    assert POCOCK_INFLATION_080[10] == pytest.approx(1.30, abs=0.01)
    assert equal_power_fixed_n(100, 10) == 77
