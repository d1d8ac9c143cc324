"""Typological distance vs zero-shot degradation: Spearman ρ across languages.

Input per (arm, task, feature family): ``distance`` ``(L,)`` — URIEL distance between English and
each language; ``degradation`` ``(S, L)`` — per seed, English score − language score in points
(retrieval tasks have no English test set, English being the pivot: their degradation is
100 − score, which ranks languages the same way).

ρ is Spearman's correlation of the distance with the seed-mean degradation. The p-value is a
permutation test over languages (exact under the null of exchangeable languages, whatever the
seeds); the interval is a percentile bootstrap that resamples languages and, within them, seeds —
the two sources of uncertainty a claim "across languages" has.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

USEFUL_HALF_WIDTH = 0.25  # a CI for ρ wider than ±0.25 cannot tell a weak from a strong relationship
PLANNING_RHO = 0.5  # the effect the "languages needed" line plans for when ρ̂ is smaller


@dataclass
class Correlation:
    rho: float
    p: float
    low: float
    high: float
    languages: int
    seeds: int
    verdict: str  # "positive relationship" | "negative relationship" | "no relationship detected"
    support: str  # what the data can and cannot support
    languages_needed: int  # for 80 % power at |ρ| = max(|ρ̂|, PLANNING_RHO)


def standardized_ranks(x: np.ndarray) -> np.ndarray:
    """Ranks along the last axis (ties averaged), centred and scaled to unit norm: the dot
    product of two such vectors is Spearman's ρ."""
    r = sps.rankdata(x, axis=-1)
    r = r - r.mean(axis=-1, keepdims=True)
    norm = np.linalg.norm(r, axis=-1, keepdims=True)
    return np.divide(r, norm, out=np.zeros_like(r), where=norm > 0)


def permutation_p(distance: np.ndarray, mean_degradation: np.ndarray, n_perm: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """ρ̂ ``(...,)`` and two-sided permutation p ``(...,)`` for ``mean_degradation`` ``(..., L)``
    against ``distance`` ``(L,)``: the same ``n_perm`` language permutations for every row."""
    x = standardized_ranks(distance)
    y = standardized_ranks(mean_degradation)
    rho = y @ x
    perms = np.argsort(rng.random((n_perm, x.shape[-1])), axis=1)
    null = y @ x[perms].T  # (..., n_perm)
    extreme = (np.abs(null) >= np.abs(rho)[..., None] - 1e-12).sum(axis=-1)
    return rho, (1 + extreme) / (n_perm + 1)


def bootstrap_interval(distance: np.ndarray, degradation: np.ndarray, n_boot: int, alpha: float, rng) -> tuple[float, float]:
    """Percentile interval of ρ resampling languages, then seeds, with replacement."""
    s, n = degradation.shape
    langs = rng.integers(0, n, (n_boot, n))
    seeds = rng.integers(0, s, (n_boot, s))
    # y[b, j] = mean over the resampled seeds of language langs[b, j]
    y = degradation[seeds[:, :, None], langs[:, None, :]].mean(axis=1)
    rho = np.einsum("bl,bl->b", standardized_ranks(distance[langs]), standardized_ranks(y))
    lo, hi = np.quantile(rho, [alpha / 2, 1 - alpha / 2])
    return float(lo), float(hi)


def languages_needed(rho: float, alpha: float = 0.05, power: float = 0.8) -> int:
    """Languages for a two-sided test of ρ = 0 to reach `power` at the given ρ (Fisher z with the
    Fieller–Hartley–Pearson variance 1.06/(L − 3) for Spearman's ρ)."""
    rho = min(abs(rho), 0.99)
    z = sps.norm.ppf(1 - alpha / 2) + sps.norm.ppf(power)
    return int(math.ceil(3 + 1.06 * (z / math.atanh(rho)) ** 2)) if rho > 0 else 10**6


def languages_for_precision(alpha: float = 0.05) -> int:
    """Languages for a ±USEFUL_HALF_WIDTH interval around ρ = 0 (same variance as above)."""
    z = sps.norm.ppf(1 - alpha / 2)
    return int(math.ceil(3 + 1.06 * (z / math.atanh(USEFUL_HALF_WIDTH)) ** 2))


def correlate(distance: np.ndarray, degradation: np.ndarray, rng, n_perm: int = 10_000, n_boot: int = 10_000,
              alpha: float = 0.05) -> Correlation:
    """Spearman ρ of ``distance`` ``(L,)`` with ``degradation`` ``(S, L)`` (see the module docstring)."""
    distance, degradation = np.asarray(distance, float), np.asarray(degradation, float)
    s, n = degradation.shape
    if n < 3:
        return Correlation(float("nan"), float("nan"), float("nan"), float("nan"), n, s, "not estimable",
                           f"{n} languages: a rank correlation needs at least 3 (more than 10 to say anything useful).",
                           languages_needed(PLANNING_RHO, alpha))
    if np.ptp(degradation.mean(axis=0)) == 0 or np.ptp(distance) == 0:
        what = "degradation" if np.ptp(degradation.mean(axis=0)) == 0 else "distance"
        return Correlation(float("nan"), float("nan"), float("nan"), float("nan"), n, s, "not estimable",
                           f"{n} languages: the {what} is the same for every language, so there is nothing to rank.",
                           languages_needed(PLANNING_RHO, alpha))
    rho, p = permutation_p(distance, degradation.mean(axis=0), n_perm, rng)
    rho, p = float(rho), float(p)
    low, high = bootstrap_interval(distance, degradation, n_boot, alpha, rng)
    if p <= alpha:
        verdict = "positive relationship" if rho > 0 else "negative relationship"
    else:
        verdict = "no relationship detected"
    need = languages_needed(max(abs(rho), PLANNING_RHO), alpha)
    ci = f"{100 * (1 - alpha):g} % CI [{low:+.2f}, {high:+.2f}]"
    if (high - low) / 2 > USEFUL_HALF_WIDTH:
        support = (f"{n} languages, {s} seeds: ρ is not estimable with useful precision ({ci}); about "
                   f"{languages_for_precision(alpha)} languages would give a ±{USEFUL_HALF_WIDTH} interval, and "
                   f"{need} detect |ρ| = {max(abs(rho), PLANNING_RHO):.2f} with 80 % power.")
    else:
        support = f"{n} languages, {s} seeds: ρ = {rho:+.2f} ({ci}) is precise enough to rank the families."
    if s < 2:
        support += " One seed: the interval ignores seed variation."
    return Correlation(rho, p, low, high, n, s, verdict, support, need)
