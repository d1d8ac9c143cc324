"""`ablate power`: what a study with S seeds per arm can detect, and how many seeds a Δ needs.

The planner uses the default test's own variance model (ablate.stats.components): for the paired
difference of two arms at one level (language cell, task, or the overall average),

    Var(Δ̂) = σ_d² / S + V_ex

σ_d² — the variance of ONE seed's difference between the arms (its seed effect plus its own
test noise; it shrinks with more seeds); V_ex — the test-set sampling part (it shrinks only with
a larger test set). Power at a true Δ is the noncentral-t power of the two-sided test at α with
Welch–Satterthwaite degrees of freedom, exactly as the report will test it. σ_d² is estimated
from pilot runs with S_pilot − 1 degrees of freedom, so every answer is also given at the ends
of σ_d²'s 80 % chi-square interval (the planner's own uncertainty).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize
from scipy import stats as sps

from ablate.errors import AblateError
from ablate.stats import components as vc

MAX_SEEDS = 1_000
UNCERTAINTY = 0.8  # coverage of the interval reported for σ_d² (and what follows from it)


@dataclass(frozen=True)
class Components:
    """Variance components of Δ at one level, in points²: ``seed`` = σ_d² (one seed's paired
    difference), ``seed_df`` its degrees of freedom (pilot seeds − 1; None when stated, not
    estimated), ``examples`` = V_ex, ``units`` the test-set sampling units behind V_ex."""

    seed: float
    examples: float
    seed_df: int | None = None
    units: int = 10_000

    def bounds(self) -> tuple["Components", "Components"]:
        """Components at the low and high end of σ_d²'s chi-square interval (itself when stated)."""
        if not self.seed_df:
            return self, self
        tail = (1 - UNCERTAINTY) / 2
        k = self.seed_df
        lo, hi = k / sps.chi2.ppf(1 - tail, k), k / sps.chi2.ppf(tail, k)
        return (Components(self.seed * lo, self.examples, self.seed_df, self.units),
                Components(self.seed * hi, self.examples, self.seed_df, self.units))


def from_moments(m: vc.Moments) -> Components:
    """Pilot estimates from a level's moments (paired: spread of per-seed differences)."""
    s = min(m.seeds_a.shape[-1], m.seeds_b.shape[-1])
    if s < 2:
        raise AblateError("Power planning needs at least 2 pilot seeds per arm to estimate the seed variance.")
    if m.paired:
        seed = float(np.var(m.seeds_a - m.seeds_b, ddof=1))
    else:  # per-seed variance of a difference of one seed of each arm
        seed = float(np.var(m.seeds_a, ddof=1) + np.var(m.seeds_b, ddof=1))
    return Components(max(seed, float(m.noise) * s), float(max(m.example_raw - m.noise, 0.0)), s - 1, m.units)


def _df(c: Components, seeds: int) -> float:
    v_seed, v_ex = c.seed / seeds, c.examples
    denominator = v_seed**2 / (seeds - 1) + v_ex**2 / max(c.units - 1, 1)
    return (v_seed + v_ex) ** 2 / denominator if denominator > 0 else math.inf


def planned_power(c: Components, delta: float, seeds: int, alpha: float = 0.05) -> float:
    """Probability that the default test rejects at α when the true difference is ``delta``."""
    if seeds < 2:
        return float("nan")
    se = math.sqrt(c.seed / seeds + c.examples)
    if se == 0:
        return 1.0 if delta != 0 else alpha
    df, nc = _df(c, seeds), delta / se
    crit = sps.t.ppf(1 - alpha / 2, df)
    value = sps.nct.sf(crit, df, nc) + sps.nct.cdf(-crit, df, nc)
    return float(value) if np.isfinite(value) else 1.0  # nct underflows only far beyond the critical value


def detectable_effect(c: Components, seeds: int, alpha: float = 0.05, power: float = 0.8) -> float:
    """Minimum detectable |Δ| (points) at α and ``power`` with ``seeds`` per arm."""
    if seeds < 2:
        return float("inf")
    se = math.sqrt(c.seed / seeds + c.examples)
    if se == 0:
        return 0.0
    return float(optimize.brentq(lambda d: planned_power(c, d, seeds, alpha) - power, 0.0, 30 * se))  # df ≥ 1: MDE < (t_crit + t_power)·se < 30·se


def seeds_needed(c: Components, delta: float, alpha: float = 0.05, power: float = 0.8,
                 minimum: int = 2) -> int | None:
    """Seeds per arm the default test needs to detect ``delta`` with ``power`` at α; None when no
    number of seeds suffices (the test-set part alone is too large: buy a larger test set).

    ``minimum``: the fewest seeds the report tests at this level (`minimum_seeds`).
    For the checklist: "needs ≈ seeds_needed(c, 1.6) seeds per arm to detect the paper's +1.6"."""
    if delta == 0 or planned_power(Components(0.0, c.examples, c.seed_df, c.units), delta, MAX_SEEDS, alpha) < power:
        return None
    lo, hi = minimum, minimum
    while planned_power(c, delta, hi, alpha) < power:
        lo, hi = hi, hi * 2
        if hi > MAX_SEEDS:
            return None
    while lo < hi:  # power grows with seeds
        mid = (lo + hi) // 2
        lo, hi = (mid + 1, hi) if planned_power(c, delta, mid, alpha) < power else (lo, mid)
    return hi


@dataclass(frozen=True)
class PlanRow:
    level: str
    name: str
    components: Components
    mde: dict[int, tuple[float, float, float]]  # seeds -> (estimate, low, high)
    needed: tuple[int | None, int | None, int | None] | None  # for delta: (estimate, low, high)


def minimum_seeds(level: str) -> int:
    """Fewest seeds per arm with which the report gives a p at ``level`` (task and overall refuse
    fewer than MIN_CALIBRATED_SEEDS, see significance.refusal)."""
    from ablate.reports.significance import MIN_CALIBRATED_SEEDS

    return MIN_CALIBRATED_SEEDS if level in ("task", "overall") else 2


def plan(levels: list[tuple[str, str, Components]], seeds: list[int], delta: float | None, alpha: float,
         power: float) -> list[PlanRow]:
    """A PlanRow per (level, name, components); ranges follow σ_d²'s interval (see `Components.bounds`)."""
    rows = []
    for level, name, c in levels:
        low, high = c.bounds()
        least = minimum_seeds(level)
        mde = {s: tuple(detectable_effect(x, s, alpha, power) if s >= least else math.nan for x in (c, low, high))
               for s in seeds}  # NaN: the report gives no p with this few seeds at this level
        needed = None if delta is None else tuple(seeds_needed(x, delta, alpha, power, least) for x in (c, low, high))
        rows.append(PlanRow(level, name, c, mde, needed))
    return rows


def store_levels(numbers, treatment: str, per_language: bool) -> list[tuple[str, str, Components]]:
    """Pilot components for one pair from a comparison's numbers: tasks, overall, and languages."""
    out = []
    tasks = [(k[1], m) for k, m in numbers.moments.items() if k[0] == treatment and k[2] is None and k[1]]
    for task, m in tasks:
        if per_language:
            out += [("cell", f"{task}/{k[2]}", from_moments(mm)) for k, mm in numbers.moments.items()
                    if k[0] == treatment and k[1] == task and k[2] is not None]
        out.append(("task", task, from_moments(m)))
    out.append(("overall", "overall", from_moments(numbers.moments[(treatment, None, None)])))
    return out
