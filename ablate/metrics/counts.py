"""Ratios of summed sufficient statistics, vectorised over leading axes.

Every metric's `aggregate(totals)` is built from these: `totals` has shape `(..., k)` (one row
per bootstrap replicate, or a single row of sums), the result has shape `(...)` — a Python float
when `totals` is one-dimensional. Scores are on the ×100 scale.
"""

from __future__ import annotations

import numpy as np

from ablate.errors import AblateError


def check_totals(totals, stat_names: tuple[str, ...]) -> np.ndarray:
    """`totals` as a float array whose last axis has one column per name in `stat_names`."""
    array = np.asarray(totals, dtype=np.float64)
    if array.ndim == 0 or array.shape[-1] != len(stat_names):
        raise AblateError(
            f"Summed statistics have shape {array.shape}; expected (..., {len(stat_names)}) "
            f"with columns {stat_names}."
        )
    return array


def ratio(numerator: np.ndarray, denominator: np.ndarray, empty: float) -> np.ndarray:
    """numerator / denominator elementwise, `empty` where the denominator is 0."""
    numerator, denominator = np.broadcast_arrays(
        np.asarray(numerator, dtype=np.float64), np.asarray(denominator, dtype=np.float64)
    )
    out = np.full(numerator.shape, empty, dtype=np.float64)
    np.divide(numerator, denominator, out=out, where=denominator != 0)
    return out


def scalar_or_array(value: np.ndarray):
    """A 0-d result as a Python float (one corpus), anything else unchanged (replicates)."""
    value = np.asarray(value)
    return float(value) if value.ndim == 0 else value


def precision_recall_f1(tp, n_pred, n_gold) -> dict:
    """Micro precision, recall and F1 (×100) from summed counts.

    F1 = 2·tp / (n_pred + n_gold), algebraically the harmonic mean of precision and recall.
    An empty denominator gives 0, as seqeval's default `zero_division='warn'` and XTREME's
    `bucc_f1` both do.
    """
    tp = np.asarray(tp, dtype=np.float64)
    return {
        "precision": scalar_or_array(100.0 * ratio(tp, n_pred, 0.0)),
        "recall": scalar_or_array(100.0 * ratio(tp, n_gold, 0.0)),
        "f1": scalar_or_array(100.0 * ratio(2.0 * tp, np.add(n_pred, n_gold), 0.0)),
    }
