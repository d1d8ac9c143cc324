"""Learning curves over intermediate-data volume, and arms compared at equal volume.

Input: ``curves[arm]`` = ``(volumes (V,), scores (V, S))`` — per volume (number of intermediate
training examples; 0 = the whole set) the per-seed score in points; ``baseline`` ``(S_b,)``
optional, to show gains.

Per point: the seed mean with a t interval. Trend: least-squares slope of score on log10(volume)
over every (volume > 0, seed) observation, t test with N − 2 degrees of freedom (points per
tenfold more data). At equal volumes, each arm vs the first with a Welch t, Holm over volumes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

from ablate.stats import holm
from ablate.studies.analyses.contrast import contrast


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
    return Trend(arm, slope, lo, hi, p, verdict)


def equal_volume(curves: dict[str, tuple[np.ndarray, np.ndarray]], alpha: float = 0.05) -> list[EqualVolume]:
    """Each arm vs the first arm at every volume both have (Welch t, Holm over the lines)."""
    arms = list(curves)
    if len(arms) < 2:
        return []
    ref_vol, ref_scores = curves[arms[0]]
    lines = []
    for arm in arms[1:]:
        vols, scores = curves[arm]
        for v, row in zip(vols, scores):
            match = np.flatnonzero(ref_vol == v)
            if match.size:
                c = contrast([row, ref_scores[match[0]]], [1.0, -1.0], alpha)
                lines.append(EqualVolume(arm, arms[0], int(v), c.estimate, c.low, c.high, c.p, math.nan))
    for line, ph in zip(lines, holm(np.array([m.p for m in lines])) if lines else []):
        line.p_holm = float(ph)
    return lines
