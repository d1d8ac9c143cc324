"""Accuracy (XNLI, PAWS-X, multiple choice; XTREME's metric) and macro-F1 from per-example stats.

Accuracy: per example `(correct, n)` with n = 1; accuracy = 100·Σcorrect/Σn.

Macro-F1 (research question 3): per example and class c the counts `(tp_c, pred_c, gold_c)`,
each 0 or 1; F1_c = 2·tp_c/(pred_c + gold_c) and macro-F1 = the mean over the classes that occur
in the gold labels or the predictions — scikit-learn's `f1_score(average='macro')` with its
default `labels=None`. A class absent from a bootstrap resample therefore drops out of the mean,
exactly as if scikit-learn were rerun on the resample.

    >>> aggregate(stats([1, 0, 2], [1, 1, 2]).sum(axis=0))["accuracy"]  # doctest: +ELLIPSIS
    66.66...
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np

from ablate.errors import AblateError
from ablate.metrics.counts import check_totals, ratio, scalar_or_array

stat_names = ("correct", "n")
primary = "accuracy"


def stats(predictions: Sequence[Hashable], golds: Sequence[Hashable]) -> np.ndarray:
    """Per-example `(correct, n)`, shape (n_examples, 2), int64."""
    _check_lengths(predictions, golds)
    rows = np.ones((len(golds), 2), dtype=np.int64)
    rows[:, 0] = [int(p == g) for p, g in zip(predictions, golds)]
    return rows


def aggregate(totals) -> dict:
    """Accuracy ×100 from summed `(correct, n)`, shape (..., 2) → (...); NaN when n is 0."""
    totals = check_totals(totals, stat_names)
    return {"accuracy": scalar_or_array(100.0 * ratio(totals[..., 0], totals[..., 1], np.nan))}


class MacroF1:
    """Macro-F1 over a fixed, ordered label set, with the same shape as a metric module.

    Columns: `tp:<label>, pred:<label>, gold:<label>` for each label in order.
    """

    primary = "macro_f1"

    def __init__(self, labels: Sequence[Hashable]):
        self.labels = tuple(labels)
        if len(set(self.labels)) != len(self.labels) or not self.labels:
            raise AblateError(f"Macro-F1 needs a non-empty list of distinct labels, got {labels}.")
        self._index = {label: i for i, label in enumerate(self.labels)}
        self.stat_names = tuple(
            f"{kind}:{label}" for label in self.labels for kind in ("tp", "pred", "gold")
        )

    def stats(self, predictions: Sequence[Hashable], golds: Sequence[Hashable]) -> np.ndarray:
        """Per-example per-class `(tp_c, pred_c, gold_c)`, shape (n_examples, 3·n_labels), int64."""
        _check_lengths(predictions, golds)
        n_labels = len(self.labels)
        counts = np.zeros((len(golds), n_labels, 3), dtype=np.int64)
        rows = np.arange(len(golds))
        pred_idx = np.array([self._lookup(p) for p in predictions], dtype=np.int64)
        gold_idx = np.array([self._lookup(g) for g in golds], dtype=np.int64)
        counts[rows, pred_idx, 1] = 1
        counts[rows, gold_idx, 2] = 1
        counts[rows, gold_idx, 0] = (pred_idx == gold_idx).astype(np.int64)
        return counts.reshape(len(golds), 3 * n_labels)

    def aggregate(self, totals) -> dict:
        """Macro-F1 ×100 and per-class F1 ×100 (NaN for classes absent from both sides)."""
        totals = check_totals(totals, self.stat_names)
        per_class = totals.reshape(*totals.shape[:-1], len(self.labels), 3)
        tp, pred, gold = per_class[..., 0], per_class[..., 1], per_class[..., 2]
        present = (pred + gold) > 0
        f1 = 100.0 * ratio(2.0 * tp, pred + gold, np.nan)
        n_present = present.sum(axis=-1)
        macro = ratio(np.where(present, f1, 0.0).sum(axis=-1), n_present, np.nan)
        result = {"macro_f1": scalar_or_array(macro)}
        for i, label in enumerate(self.labels):
            result[f"f1:{label}"] = scalar_or_array(f1[..., i])
        return result

    def _lookup(self, label: Hashable) -> int:
        try:
            return self._index[label]
        except (KeyError, TypeError):
            raise AblateError(
                f"Label {label!r} is not one of the macro-F1 labels {list(self.labels)}."
            ) from None


def _check_lengths(predictions: Sequence, golds: Sequence) -> None:
    if len(predictions) != len(golds):
        raise AblateError(f"{len(predictions)} predictions but {len(golds)} gold labels.")
