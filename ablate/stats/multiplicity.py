"""Multiple comparisons: Holm (claims), Benjamini–Hochberg (screening), k̂ of L, resolution.

All adjusters take p-values ``(m,)`` in any order and return adjusted values ``(m,)`` in the
SAME order, capped at 1 (deepsig's Bonferroni returns sorted values for unsorted input; statsmodels'
`multipletests` defaults to Holm–Šidák — these are plain Holm and BH).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from ablate.errors import AblateError


def _pvalues(p: np.ndarray) -> np.ndarray:
    p = np.asarray(p, dtype=np.float64)
    if p.ndim != 1 or p.size == 0 or np.any(~np.isfinite(p)) or np.any((p < 0) | (p > 1)):
        raise AblateError(f"p-values must be a non-empty 1-D array in [0, 1], got {p!r}.")
    return p


def holm(p: np.ndarray) -> np.ndarray:
    """Holm step-down adjusted p-values: ``(m,) -> (m,)``, input order, monotone, ≤ 1."""
    p = _pvalues(p)
    m = p.size
    order = np.argsort(p, kind="stable")
    adjusted = np.maximum.accumulate((m - np.arange(m)) * p[order])
    out = np.empty(m)
    out[order] = np.minimum(adjusted, 1.0)
    return out


def benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg q-values (FDR): ``(m,) -> (m,)``, input order, monotone, ≤ 1."""
    p = _pvalues(p)
    m = p.size
    order = np.argsort(p, kind="stable")
    scaled = p[order] * m / np.arange(1, m + 1)
    q = np.minimum.accumulate(scaled[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(q, 1.0)
    return out


class WinCount(NamedTuple):
    """A > B significantly on ``wins`` of ``total`` cells (Dror et al. 2017's k̂ of L)."""

    wins: int
    total: int

    def __str__(self) -> str:
        return f"{self.wins} of {self.total}"


def count_wins(delta: np.ndarray, p_adjusted: np.ndarray, alpha: float = 0.05) -> WinCount:
    """k̂: cells with Δ̂ > 0 and (Holm-)adjusted two-sided p ≤ alpha; delta, p_adjusted ``(L,)``."""
    delta = np.asarray(delta, dtype=np.float64)
    p_adjusted = _pvalues(p_adjusted)
    if delta.shape != p_adjusted.shape:
        raise AblateError(
            f"delta and p_adjusted must have the same shape, got {delta.shape} and "
            f"{p_adjusted.shape}."
        )
    return WinCount(int(np.count_nonzero((delta > 0) & (p_adjusted <= alpha))), int(delta.size))


def resolve_replicates(requested: int, family_size: int, alpha: float = 0.05) -> tuple[int, bool]:
    """B to use so the smallest p, 1/(B+1), can survive Holm over ``family_size`` tests.

    Rule: B ≥ 10·m/α (40 languages at α = 0.05 → 8,000). Returns ``(B, raised)``; B is never
    lowered below ``requested``.
    """
    if requested < 1 or family_size < 1 or not 0 < alpha < 1:
        raise AblateError(
            f"Need requested ≥ 1, family_size ≥ 1 and 0 < alpha < 1; got {requested}, "
            f"{family_size}, {alpha}."
        )
    needed = math.ceil(10 * family_size / alpha - 1e-9)
    return (needed, True) if needed > requested else (int(requested), False)


def holm_batch(p: np.ndarray) -> np.ndarray:
    """Holm along the last axis of ``(..., m)`` p-values (simulations test many families at once)."""
    p = np.asarray(p, dtype=np.float64)
    m = p.shape[-1]
    order = np.argsort(p, axis=-1, kind="stable")
    ranked = np.take_along_axis(p, order, axis=-1) * (m - np.arange(m))
    adjusted = np.minimum(np.maximum.accumulate(ranked, axis=-1), 1.0)
    out = np.empty_like(adjusted)
    np.put_along_axis(out, order, adjusted, axis=-1)
    return out
