"""A linear contrast of independent seed means with a Welch–Satterthwaite t test.

Every study analysis that compares arms reduces to Σ_k w_k · mean(x_k): arm minus baseline
(granularity), a difference in differences (task × size), one volume vs another. The seeds of
different cells are independent runs, so Var = Σ w_k² s_k² / n_k, with Welch–Satterthwaite
degrees of freedom — exact for two cells with equal variances, a close approximation otherwise,
and calibrated with as few as 2–5 seeds per cell where a bootstrap over seeds is not (it
ignores the t tails of a variance estimated from a handful of seeds).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

from ablate.reports import power as pw

PLANNING_EFFECT = 1.0  # points: the smallest effect a seeds-needed statement plans for


@dataclass
class Contrast:
    estimate: float
    se: float
    df: float
    p: float
    low: float
    high: float


def contrast_arrays(means: np.ndarray, variances: np.ndarray, counts: np.ndarray, weights: np.ndarray,
                    alpha: float = 0.05) -> tuple[np.ndarray, ...]:
    """Vectorised: ``means``/``variances`` ``(..., K)`` (sample variance, ddof=1), ``counts`` and
    ``weights`` ``(K,)`` -> (estimate, se, df, p, low, high), each ``(...)``."""
    w2v = weights**2 * variances / counts
    est = (means * weights).sum(axis=-1)
    var = w2v.sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        df = var**2 / (w2v**2 / (counts - 1)).sum(axis=-1)
        se = np.sqrt(var)
        t = est / se
    df = np.where(np.isfinite(df), df, np.inf)
    # no spread at all: p is 1 for a zero difference, 0 otherwise; a cell with one seed: no test (nan)
    p = np.where(se > 0, 2 * sps.t.sf(np.abs(t), df), np.where(est == 0, 1.0, 0.0))
    p = np.where(np.isfinite(se), p, np.nan)
    half = sps.t.ppf(1 - alpha / 2, df) * se
    return est, se, df, p, est - half, est + half


def contrast(samples: list[np.ndarray], weights: list[float], alpha: float = 0.05) -> Contrast:
    """Σ w_k mean(samples[k]) over cells of per-seed values (at least 2 seeds each)."""
    means = np.array([np.mean(x) for x in samples])
    variances = np.array([np.var(x, ddof=1) if len(x) > 1 else np.nan for x in samples])  # one seed: no variance
    counts = np.array([len(x) for x in samples], dtype=float)
    est, se, df, p, lo, hi = contrast_arrays(means, variances, counts, np.asarray(weights, float), alpha)
    return Contrast(float(est), float(se), float(df), float(p), float(lo), float(hi))


def bootstrap_interval(samples: list[np.ndarray], weights: list[float], n_boot: int, alpha: float, rng) -> tuple[float, float]:
    """Percentile interval of the contrast resampling seeds within each cell (reported beside the
    t interval; with few seeds it is too narrow, which is why the verdict uses the t test)."""
    total = np.zeros(n_boot)
    for x, w in zip(samples, weights):
        x = np.asarray(x, float)
        total += w * x[rng.integers(0, len(x), (n_boot, len(x)))].mean(axis=1)
    lo, hi = np.quantile(total, [alpha / 2, 1 - alpha / 2])
    return float(lo), float(hi)


def seeds_needed(variances: np.ndarray, weights: np.ndarray, seeds: int, estimate: float, alpha: float = 0.05,
                 power: float = 0.8) -> tuple[int | None, float, float]:
    """(seeds per cell for ``power`` at the planning effect, that effect = max(|estimate|,
    PLANNING_EFFECT), the effect detectable with ``power`` at the current ``seeds``) from the
    power planner. One seed of every cell adds Σ w_k² s_k² to the contrast's variance; the
    planner's S − 1 degrees of freedom are fewer than Welch–Satterthwaite's, so both answers err
    on the safe side. (None, effect, inf) when a cell has no variance estimate."""
    sigma2 = float((np.asarray(weights, float) ** 2 * np.asarray(variances, float)).sum())
    target = max(abs(float(estimate)), PLANNING_EFFECT) if np.isfinite(estimate) else PLANNING_EFFECT
    if not np.isfinite(sigma2) or sigma2 <= 0 or seeds < 2:
        return None, target, float("inf")
    c = pw.Components(sigma2, 0.0, seeds - 1)
    return pw.seeds_needed(c, target, alpha, power), target, pw.detectable_effect(c, seeds, alpha, power)
