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


def fixed_decision(ka: int, kb: int, n: int, alpha: float = 0.05) -> str:
    """What a single Fisher test at the end of a fixed-N design says ("a-higher" / "b-higher" / "undecided")."""
    p = fisher_exact(ka, n - ka, kb, n - kb)
    if p <= alpha:
        return "a-higher" if ka > kb else "b-higher"
    return "undecided"
