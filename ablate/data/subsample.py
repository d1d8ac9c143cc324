"""Which training rows a volume ablation keeps (`max_train_examples`): the same rows for every
seed and recipe, and for classification the label proportions of the full set.

Stratification matters at small volumes: a plain random 1,000 of MNLI can be off by a few
points per class, so a learning curve would mix volume with label shift.
"""

from __future__ import annotations

import numpy as np


def subsample_indices(n_rows: int, keep: int, labels: np.ndarray | None, seed: int) -> np.ndarray:
    """Sorted row indices of a ``keep``-row subsample of ``n_rows`` rows.

    ``labels`` ``(n_rows,)``, when given, makes it stratified: each label gets its share of
    ``keep`` by largest remainder (so the counts sum to ``keep`` exactly), rows drawn at random
    within the label. All rows when ``keep`` is 0 or at least ``n_rows``.
    """
    if keep <= 0 or keep >= n_rows:
        return np.arange(n_rows)
    rng = np.random.default_rng(seed)
    if labels is None:
        return np.sort(rng.choice(n_rows, size=keep, replace=False))
    labels = np.asarray(labels)
    values, counts = np.unique(labels, return_counts=True)
    exact = counts * keep / n_rows
    quota = np.floor(exact).astype(int)
    short = keep - quota.sum()
    quota[np.argsort(-(exact - quota), kind="stable")[:short]] += 1
    chosen = [rng.choice(np.flatnonzero(labels == v), size=q, replace=False) for v, q in zip(values, quota)]
    return np.sort(np.concatenate(chosen))


def subsample_rows(train, fmt: str, keep: int, seed: int):
    """``train`` (a datasets.Dataset of task format ``fmt``) cut to ``keep`` rows (0 = all), chosen
    by `subsample_indices`: stratified by label for classification."""
    if not keep or keep >= len(train):
        return train
    labels = train["label"] if fmt == "classification" else None
    return train.select(subsample_indices(len(train), keep, labels, seed))
