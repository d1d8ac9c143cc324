"""Learning curves over intermediate-data volume, and arms compared at equal volume.

Input: ``curves[arm]`` = ``(volumes (V,), scores (V, S))`` — per volume (number of intermediate
training examples; 0 = the whole set) the per-seed score in points; ``baseline`` ``(S_b,)``
optional, to show gains.

Per point: the seed mean with a t interval. Trend: least-squares slope of score on log10(volume)
over every (volume > 0, seed) observation, t test with N − 2 degrees of freedom (points per
tenfold more data). At equal volumes (a multi-task run's total = one task's count), each
multi-task arm minus each single-task arm with a Welch t, Holm over all (volume, pair) lines.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

from ablate.reports.power import MAX_SEEDS
from ablate.stats import holm
from ablate.studies.analyses.contrast import PLANNING_EFFECT, contrast


@dataclass
class CurvePoint:
    arm: str
    volume: int
    mean: float
    low: float
    high: float
    seeds: int


@dataclass
class Trend:
    arm: str
    slope: float  # points per tenfold increase in intermediate examples
    low: float
    high: float
    p: float
    verdict: str
    seeds: int = 0  # per volume
    planned: float = 0.0  # the slope the next field plans for: max(|slope|, 1 point per 10×)
    seeds_needed: int | None = None  # per volume for 80 % power at `planned`, same volumes


@dataclass
class EqualVolume:
    arm: str
    reference: str
    volume: int
    difference: float
    low: float
    high: float
    p: float
    p_holm: float


def points(arm: str, volumes: np.ndarray, scores: np.ndarray, alpha: float = 0.05) -> list[CurvePoint]:
    out = []
    for v, row in zip(volumes, scores):
        row = row[np.isfinite(row)]
        half = sps.t.ppf(1 - alpha / 2, len(row) - 1) * row.std(ddof=1) / math.sqrt(len(row)) if len(row) > 1 else math.nan
        out.append(CurvePoint(arm, int(v), float(row.mean()), float(row.mean() - half), float(row.mean() + half), len(row)))
    return out


def slope_test(volumes: np.ndarray, scores: np.ndarray, alpha: float = 0.05) -> tuple[np.ndarray, ...]:
    """Vectorised over leading axes of ``scores`` ``(..., V, S)``: (slope, low, high, p) per
    tenfold volume, from the (volume > 0) rows."""
    keep = volumes > 0
    x = np.repeat(np.log10(volumes[keep].astype(float)), scores.shape[-1])
    y = scores[..., keep, :].reshape(*scores.shape[:-2], -1)
    n = x.size
    xc = x - x.mean()
    sxx = (xc**2).sum()
    slope = (y * xc).sum(axis=-1) / sxx
    resid = y - y.mean(axis=-1, keepdims=True) - slope[..., None] * xc
    se = np.sqrt((resid**2).sum(axis=-1) / (n - 2) / sxx)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = 2 * sps.t.sf(np.abs(slope / se), n - 2)
    half = sps.t.ppf(1 - alpha / 2, n - 2) * se
    return slope, slope - half, slope + half, p


def trend(arm: str, volumes: np.ndarray, scores: np.ndarray, alpha: float = 0.05) -> Trend | None:
    """None when fewer than 2 distinct positive volumes (or 3 observations) exist."""
    if (volumes > 0).sum() < 2 or (volumes > 0).sum() * scores.shape[-1] < 3:
        return None
    slope, lo, hi, p = (float(v) for v in slope_test(volumes, scores, alpha))
    verdict = ("grows with volume" if slope > 0 else "falls with volume") if p <= alpha else "no trend detected"
    planned = max(abs(slope), PLANNING_EFFECT)
    x = np.log10(volumes[volumes > 0].astype(float))
    y = scores[volumes > 0]
    resid = y - (y.mean() + slope * (x - x.mean()))[:, None]
    n = y.size
    sigma2 = float((resid**2).sum() / (n - 2)) if n > 2 else math.nan
    needed = slope_seeds_needed(float(((x - x.mean()) ** 2).sum()), sigma2, planned, alpha, volumes=len(x))
    return Trend(arm, slope, lo, hi, p, verdict, scores.shape[-1], planned, needed)


def trend_support(t: Trend) -> str:
    """How many seeds the trend test of ``t`` needs, in words."""
    if t.seeds_needed is None:
        return f"{t.arm}: seeds needed for a slope of {t.planned:.1f} points per 10× not estimable (no residual variance, or more than {MAX_SEEDS})."
    enough = "enough" if t.seeds_needed <= t.seeds else "needed"
    return (f"{t.arm}: about {t.seeds_needed} seeds per volume ({enough}; {t.seeds} now) detect a slope of "
            f"{t.planned:.1f} points per 10× examples with 80 % power on these volumes.")


def slope_power(sxx: float, sigma2: float, slope: float, seeds: int, volumes: int, alpha: float = 0.05) -> float:
    """Power of the trend test at a true ``slope`` with ``seeds`` per volume: noncentral t with
    the test's own N − 2 degrees of freedom (``sxx``: Σ (log10 v − mean)² over the volumes)."""
    df = seeds * volumes - 2
    nc = slope / math.sqrt(sigma2 / (seeds * sxx))
    crit = sps.t.ppf(1 - alpha / 2, df)
    return float(sps.nct.sf(crit, df, nc) + sps.nct.cdf(-crit, df, nc))


def slope_seeds_needed(sxx: float, sigma2: float, slope: float, alpha: float = 0.05, power: float = 0.8,
                       volumes: int | None = None) -> int | None:
    """Seeds per volume for ``power`` at ``slope`` (None: no residual variance measured, or more
    than MAX_SEEDS). The power planner models a difference of two arms; a slope's test has its
    own variance (σ² / (S · sxx)) and degrees of freedom, so it is computed here the same way."""
    if not (np.isfinite(sigma2) and sigma2 > 0 and sxx > 0):
        return None
    v = volumes or 2
    for seeds in range(max(2, -(-3 // v)), MAX_SEEDS + 1):
        if slope_power(sxx, sigma2, slope, seeds, v, alpha) >= power:
            return seeds
    return None


def matched(curves: dict[str, tuple[np.ndarray, np.ndarray]], pairs: list[tuple[str, str]],
            alpha: float = 0.05) -> list[EqualVolume]:
    """``arm − reference`` for each pair of ``pairs`` (e.g. multi-task vs one task) at every volume
    both curves have, one Welch t per volume, Holm over all the lines."""
    lines = []
    for arm, reference in pairs:
        ref_vol, ref_scores = curves[reference]
        for v, row in zip(*curves[arm]):
            match = np.flatnonzero(ref_vol == v)
            if match.size:
                c = contrast([row, ref_scores[match[0]]], [1.0, -1.0], alpha)
                lines.append(EqualVolume(arm, reference, int(v), c.estimate, c.low, c.high, c.p, math.nan))
    for line, ph in zip(lines, holm(np.array([m.p for m in lines])) if lines else []):
        line.p_holm = float(ph)
    return lines
