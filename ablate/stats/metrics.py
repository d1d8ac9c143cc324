"""Corpus metrics as vectorised aggregations of summed per-example sufficient statistics.

A *metric* here is a function ``g(totals) -> scores`` where ``totals`` has shape ``(..., k)``
(per-example statistics summed over a test set, possibly with bootstrap weights) and the result
has shape ``(...)``. Because the significance tests only ever resample and re-sum the statistics,
a metric never re-reads predictions (sacrebleu's split of a metric into statistics + aggregation).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Metric = Callable[[np.ndarray], np.ndarray]
"""``g(totals: (..., k)) -> (...)``: corpus score from summed sufficient statistics."""


def _ratio(num: np.ndarray, den: np.ndarray, empty: float) -> np.ndarray:
    """num / den elementwise, ``empty`` where den == 0 (no division warning)."""
    num, den = np.broadcast_arrays(np.asarray(num, dtype=float), np.asarray(den, dtype=float))
    out = np.full(num.shape, empty, dtype=float)
    np.divide(num, den, out=out, where=den != 0)
    return out


def accuracy(totals: np.ndarray) -> np.ndarray:
    """Accuracy from stats ``(correct, 1)``: ``(..., 2) -> (...)``; NaN for an empty set."""
    return _ratio(totals[..., 0], totals[..., 1], np.nan)


def span_qa(totals: np.ndarray) -> np.ndarray:
    """XTREME span-QA score (EM + F1) / 2 from stats ``(em, f1, 1)``: ``(..., 3) -> (...)``."""
    return _ratio(totals[..., 0] + totals[..., 1], 2.0 * totals[..., 2], np.nan)


def f1_counts(totals: np.ndarray) -> np.ndarray:
    """F1 = 2·tp / (n_pred + n_gold) from stats ``(tp, n_pred, n_gold)``: ``(..., 3) -> (...)``.

    0 when nothing was predicted and nothing was gold (seqeval's convention).
    """
    return _ratio(2.0 * totals[..., 0], totals[..., 1] + totals[..., 2], 0.0)


def macro_f1(totals: np.ndarray) -> np.ndarray:
    """Macro-F1 from stats ``(tp_c, pred_c, gold_c)`` per class c: ``(..., 3C) -> (...)``.

    The unweighted mean of F1_c = 2·tp_c / (pred_c + gold_c) over the classes present in gold or
    predictions (scikit-learn's ``f1_score(average='macro')``); NaN when no class is present.
    """
    per_class = np.asarray(totals, dtype=float).reshape(*np.shape(totals)[:-1], -1, 3)
    den = per_class[..., 1] + per_class[..., 2]
    present = den > 0
    f1 = _ratio(2.0 * per_class[..., 0], den, 0.0)
    return _ratio(f1.sum(axis=-1), present.sum(axis=-1), np.nan)


ACCURACY: Metric = accuracy
SPAN_QA: Metric = span_qa
F1_COUNTS: Metric = f1_counts
MACRO_F1: Metric = macro_f1


def per_seed_scores(stats: np.ndarray, metric: Metric) -> np.ndarray:
    """Corpus metric of every seed: ``stats (S, n, k) -> (S,)`` = g(Σ_i stats[s, i])."""
    return metric(np.asarray(stats, dtype=float).sum(axis=1))
