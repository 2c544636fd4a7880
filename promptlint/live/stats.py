"""Statistics for probing: Wilson intervals, Fisher's exact test, and a group-sequential comparison.

Why sequential: a fixed design spends N samples per variant even when the
first twenty already show one variant refusing 60% and the other 5%. The
plan here looks at the data every `step` samples per variant and stops as
soon as either (a) Fisher's exact test rejects equality at the alpha spent
so far, or (b) the Newcombe interval for the difference lies inside
±`margin` (the variants are equivalent for practical purposes). Every
look tests at Pocock's constant nominal level (0.0106 for ten looks at an
overall alpha of 0.05, from the published table), which keeps the chance of
a false "different" over the whole run at alpha; Fisher's test is itself
conservative, so the true rate is lower. Outside the table (other alpha or
look counts) each look k of K is tested at alpha·(t_k − t_{k−1}) instead
(linear alpha spending with a Bonferroni bound: valid, more conservative).
The same level serves the equivalence test (two one-sided tests). The cost
is some power against a fixed-N Fisher test at level alpha;
benchmarks/probe_sequential.py measures both sides.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist


def z_for(alpha: float) -> float:
    """Two-sided normal quantile: 1.96 for alpha 0.05."""
    return NormalDist().inv_cdf(1 - alpha / 2)


def wilson(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for k successes in n trials; (0, 1) when n is 0."""
    if n <= 0:
        return 0.0, 1.0
    z = z_for(1 - confidence)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (0.0 if k == 0 else max(0.0, centre - half)), (1.0 if k == n else min(1.0, centre + half))


def newcombe(ka: int, na: int, kb: int, nb: int, confidence: float = 0.95) -> tuple[float, float]:
    """Newcombe's hybrid score interval for p_a − p_b (method 10), built from the two Wilson intervals."""
    pa, pb = ka / na, kb / nb
    la, ua = wilson(ka, na, confidence)
    lb, ub = wilson(kb, nb, confidence)
    d = pa - pb
    return d - math.hypot(pa - la, ub - pb), d + math.hypot(ua - pa, pb - lb)


def _log_choose(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def fisher_exact(a: int, b: int, c: int, d: int) -> float:
    """Two-sided p-value of Fisher's exact test for [[a, b], [c, d]] (sum of tables no likelier than observed)."""
    row1, col1, n = a + b, a + c, a + b + c + d
    lo, hi = max(0, col1 - (n - row1)), min(row1, col1)
    denom = _log_choose(n, col1)

    def logp(x: int) -> float:
        return _log_choose(row1, x) + _log_choose(n - row1, col1 - x) - denom

    observed = logp(a)
    total = sum(math.exp(lp) for x in range(lo, hi + 1) if (lp := logp(x)) <= observed + 1e-7)
    return min(1.0, total)


@dataclass(frozen=True, slots=True)
class Decision:
    """Where a comparison ended: `outcome` is "a-higher", "b-higher", "equivalent" or "undecided"."""

    outcome: str
    look: int
    n_per_variant: int
    p_value: float
    diff_interval: tuple[float, float]


#: Pocock's critical values for K equally spaced looks, two-sided alpha 0.05 (Jennison & Turnbull 2000,
#: Table 2.1): testing at nominal level 2·(1 − Φ(c_K)) at every look keeps the overall level at 0.05.
POCOCK_005 = {1: 1.960, 2: 2.178, 3: 2.289, 4: 2.361, 5: 2.413, 6: 2.453, 7: 2.485, 8: 2.512, 9: 2.535,
              10: 2.555, 11: 2.572, 12: 2.588, 15: 2.626, 20: 2.672}  # fmt: skip


@dataclass(frozen=True, slots=True)
class SequentialPlan:
    """Looks every `step` samples per variant up to `max_n`; see the module docstring for the rule."""

    max_n: int
    step: int = 10
    alpha: float = 0.05
    margin: float = 0.15
    #: "pocock" (the tabulated constant nominal level; alpha 0.05 only) or "bonferroni" (linear spending).
    boundary: str = "pocock"

    @property
    def looks(self) -> int:
        return math.ceil(self.max_n / self.step)

    def look_sizes(self) -> list[int]:
        return [min(self.max_n, self.step * (k + 1)) for k in range(self.looks)]

    def alpha_at(self, n: int) -> float:
        """Nominal level of the test at the look with n samples per variant."""
        sizes = self.look_sizes()
        critical = POCOCK_005.get(len(sizes))
        if self.boundary == "pocock" and critical is not None and abs(self.alpha - 0.05) < 1e-12:
            return 2 * (1 - NormalDist().cdf(critical))
        k = sizes.index(n)
        previous = sizes[k - 1] if k else 0
        return self.alpha * (n - previous) / self.max_n

    def decide(self, ka: int, na: int, kb: int, nb: int) -> Decision | None:
        """A decision at this look, or None to keep sampling (always a decision at the last look)."""
        n = min(na, nb)
        level = self.alpha_at(n)
        p = fisher_exact(ka, na - ka, kb, nb - kb)
        interval = newcombe(ka, na, kb, nb, 1 - 2 * level)  # two one-sided tests at `level` each
        look = self.look_sizes().index(n) + 1
        if p <= level:
            return Decision("a-higher" if ka / na > kb / nb else "b-higher", look, n, p, interval)
        if -self.margin < interval[0] and interval[1] < self.margin:
            return Decision("equivalent", look, n, p, interval)
        if n >= self.max_n:
            return Decision("undecided", look, n, p, interval)
        return None


def decide_clustered(plan: SequentialPlan, a: list[tuple[int, int]], b: list[tuple[int, int]]) -> Decision | None:
    """`plan.decide` on the counts of each variant divided by its design effect (cases as clusters): the
    same looks and levels, with the samples of one case no longer counted as independent."""
    na, nb = sum(n for n, _ in a), sum(n for n, _ in b)
    n = min(na, nb)
    level = plan.alpha_at(n)
    diff, p_value, interval = clustered_difference(a, b, 1 - 2 * level)
    look = plan.look_sizes().index(n) + 1
    if p_value <= level and diff != 0:
        return Decision("a-higher" if diff > 0 else "b-higher", look, n, p_value, interval)
    if -plan.margin < interval[0] and interval[1] < plan.margin:
        return Decision("equivalent", look, n, p_value, interval)
    if n >= plan.max_n:
        return Decision("undecided", look, n, p_value, interval)
    return None


def fixed_decision(ka: int, kb: int, n: int, alpha: float = 0.05) -> str:
    """What a single Fisher test at the end of a fixed-N design says ("a-higher" / "b-higher" / "undecided")."""
    p = fisher_exact(ka, n - ka, kb, n - kb)
    if p <= alpha:
        return "a-higher" if ka > kb else "b-higher"
    return "undecided"


# -- clustering by case ------------------------------------------------------------------------------------
#
# The samples of one case are not independent draws from "the model's refusal rate": a case that the model
# refuses 9 times in 10 and a case it never refuses give 50% together, but another run with other cases may
# give 20%. Treating all samples as independent makes intervals too narrow and tests too eager. Following
# Rao & Scott (1992, "A simple method for the analysis of clustered binary data", Biometrics 48), each
# variant's counts are divided by its design effect: the ratio of the cluster-robust variance of the rate
# (cases as clusters) to the binomial variance. Intervals and tests then run on the effective counts. The
# design effect is floored at 1 (never narrower than the binomial), and is 1 with a single case (the samples
# of one case are independent draws from that case's rate).


def design_effect(clusters: list[tuple[int, int]]) -> float:
    """Design effect of a rate estimated from (samples, refusals) per case; at least 1."""
    clusters = [(n, k) for n, k in clusters if n > 0]
    total_n = sum(n for n, _ in clusters)
    count = len(clusters)
    if count < 2 or total_n == 0:
        return 1.0
    p = sum(k for _, k in clusters) / total_n
    if p <= 0.0 or p >= 1.0:
        return 1.0
    robust = count / (count - 1) * sum((k - p * n) ** 2 for n, k in clusters) / total_n**2
    binomial = p * (1 - p) / total_n
    return max(1.0, robust / binomial)


def effective(clusters: list[tuple[int, int]]) -> tuple[float, float]:
    """(effective refusals, effective samples): the counts divided by the design effect."""
    n = sum(n for n, _ in clusters)
    k = sum(k for _, k in clusters)
    deff = design_effect(clusters)
    return k / deff, n / deff


def _round_counts(k: float, n: float) -> tuple[int, int]:
    n_int = max(1, round(n)) if n > 0 else 0
    return min(n_int, round(k)), n_int


def clustered_interval(clusters: list[tuple[int, int]], confidence: float = 0.95) -> tuple[float, float] | None:
    """Wilson interval on the effective counts (None when nothing was sampled)."""
    _k, n = effective(clusters)
    if n <= 0:
        return None
    total_n = sum(c[0] for c in clusters)
    p = sum(c[1] for c in clusters) / total_n
    low, high = wilson_real(p, n, confidence)
    return low, high


def wilson_real(p: float, n: float, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion p observed over an effective (real) sample size n."""
    if n <= 0:
        return 0.0, 1.0
    z = z_for(1 - confidence)
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(max(0.0, p * (1 - p)) / n + z * z / (4 * n * n)) / denom
    return (0.0 if p <= 0 else max(0.0, centre - half)), (1.0 if p >= 1 else min(1.0, centre + half))


def clustered_difference(a: list[tuple[int, int]], b: list[tuple[int, int]],
                         confidence: float = 0.95) -> tuple[float, float, tuple[float, float]]:
    """(difference p_a - p_b, two-sided p-value, Newcombe interval), each variant on its effective counts.

    The p-value is Fisher's exact test on the effective counts rounded to whole samples; the interval
    is Newcombe's hybrid score interval built from the two clustered Wilson intervals."""
    ka, na = effective(a)
    kb, nb = effective(b)
    pa = sum(c[1] for c in a) / max(1, sum(c[0] for c in a))
    pb = sum(c[1] for c in b) / max(1, sum(c[0] for c in b))
    ia, ib = _round_counts(ka, na), _round_counts(kb, nb)
    p_value = fisher_exact(ia[0], ia[1] - ia[0], ib[0], ib[1] - ib[0]) if ia[1] and ib[1] else 1.0
    la, ua = wilson_real(pa, na, confidence)
    lb, ub = wilson_real(pb, nb, confidence)
    d = pa - pb
    interval = (d - math.hypot(pa - la, ub - pb), d + math.hypot(ua - pa, pb - lb))
    return d, p_value, interval


# -- what a fixed design of equal power would cost -----------------------------------------------------------
#
# A group-sequential design must allow more samples at most than a fixed design with the same power: it
# spends part of its alpha at early looks. The ratio of the two maximum sample sizes is the inflation
# factor R (Jennison & Turnbull 2000, section 2.4). With Pocock's boundary at two-sided alpha 0.05 and
# power 0.8 (table below, computed by `pocock_inflation` with a 201-point grid; J&T Table 2.2 gives 1.110,
# 1.166, 1.202, 1.229 for 2-5 looks),
# a fixed design of equal power needs max_n / R samples per variant. The savings a comparison reports are
# against that design, not against max_n.
POCOCK_INFLATION_080 = {1: 1.000, 2: 1.110, 3: 1.166, 4: 1.202, 5: 1.228, 6: 1.248, 7: 1.264, 8: 1.278, 9: 1.290,
                        10: 1.300, 11: 1.309, 12: 1.317, 15: 1.337, 20: 1.362}  # fmt: skip


def pocock_power(drift: float, looks: int, critical: float, grid: int = 161) -> float:
    """Power of a K-look two-sided design rejecting when |Z_k| >= critical, for standardised drift
    `drift` (the mean of Z at the last look), equally spaced looks. Numerical integration of the score
    process S_k (Armitage, McPherson & Rowe 1969): the density of S inside the continuation region
    |S_k| < c sqrt(k) is carried on a grid from look to look, and the chance of crossing at each look is
    integrated exactly from normal tails."""
    theta = drift / math.sqrt(looks)  # mean increment of S per look
    norm = NormalDist()

    def crossing(y: float, limit: float) -> float:
        return 1 - (norm.cdf(limit - y - theta) - norm.cdf(-limit - y - theta))

    rejected = crossing(0.0, critical)
    limit = critical
    xs = [-limit + (i + 0.5) * 2 * limit / grid for i in range(grid)]
    step = 2 * limit / grid
    density = [norm.pdf(x - theta) for x in xs]
    for k in range(2, looks + 1):
        limit = critical * math.sqrt(k)
        rejected += step * sum(d * crossing(y, limit) for y, d in zip(xs, density, strict=True))
        if k == looks:
            break
        new_xs = [-limit + (i + 0.5) * 2 * limit / grid for i in range(grid)]
        new_step = 2 * limit / grid
        density = [step * sum(d * norm.pdf(x - y - theta) for y, d in zip(xs, density, strict=True)) for x in new_xs]
        xs, step = new_xs, new_step
    return rejected


def pocock_inflation(looks: int, power: float = 0.8, alpha: float = 0.05, grid: int = 161) -> float:
    """Max sample size of the K-look Pocock design over that of the fixed design with the same power."""
    critical = POCOCK_005[looks] if abs(alpha - 0.05) < 1e-12 and looks in POCOCK_005 else None
    if critical is None:
        raise ValueError("tabulated for alpha 0.05 and the look counts of POCOCK_005 only")
    fixed = z_for(alpha) + NormalDist().inv_cdf(power)
    low, high = fixed, fixed * 1.6
    for _ in range(30):
        mid = (low + high) / 2
        if pocock_power(mid, looks, critical, grid) < power:
            low = mid
        else:
            high = mid
    return ((low + high) / 2 / fixed) ** 2


def equal_power_fixed_n(max_n: int, looks: int) -> int:
    """Samples per variant of the fixed design with the power of a Pocock design of `looks` looks up to max_n."""
    factor = POCOCK_INFLATION_080.get(looks)
    if factor is None:
        nearest = max(k for k in POCOCK_INFLATION_080 if k <= looks) if looks > 1 else 1
        factor = POCOCK_INFLATION_080[nearest]
    return max(1, math.ceil(max_n / factor))
