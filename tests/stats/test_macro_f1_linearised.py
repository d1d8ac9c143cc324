"""Macro-F1 in the significance machinery: the linearised per-example scores average to the
corpus macro-F1 exactly, and their variance matches the simulated sampling variance of
macro-F1 (balanced classes, a rare class, entity-like counts where most examples have none)."""

from __future__ import annotations

import numpy as np
import pytest

from ablate.metrics.classification import MacroF1
from ablate.reports.significance import per_example_scores, points, stat_columns
from ablate.stats import MACRO_F1


def _classification_stats(rng, n: int, priors, accuracy: float) -> np.ndarray:
    """(n, 3C) macro-F1 statistics of a classifier right with probability `accuracy`."""
    k = len(priors)
    gold = rng.choice(k, size=n, p=priors)
    wrong = (gold + rng.integers(1, k, size=n)) % k
    pred = np.where(rng.random(n) < accuracy, gold, wrong)
    return MacroF1(range(k)).stats(pred.tolist(), gold.tolist())


def _entity_stats(rng, n: int) -> np.ndarray:
    """(n, 9): per sentence and type (tp, n_pred, n_gold) counts; many sentences have none."""
    gold = rng.poisson([0.8, 0.4, 0.15], size=(n, 3))
    tp = rng.binomial(gold, [0.8, 0.6, 0.4])
    pred = tp + rng.poisson([0.2, 0.3, 0.2], size=(n, 3))
    return np.stack([tp, pred, gold], axis=-1).reshape(n, 9)


def test_row_mean_is_the_corpus_macro_f1_per_seed_even_with_an_absent_class():
    rng = np.random.default_rng(1)
    seeds = [_classification_stats(rng, 50, [0.5, 0.3, 0.2], 0.7) for _ in range(3)]
    seeds.append(_classification_stats(rng, 50, [0.6, 0.4, 0.0], 1.0))  # class 2 never occurs
    u = np.stack(seeds)
    y = per_example_scores(u, "macro_f1")
    assert y.shape == (4, 50)
    expected = points("macro_f1")(u.sum(axis=1))
    np.testing.assert_allclose(y.mean(axis=1), expected, rtol=1e-12)
    np.testing.assert_allclose(expected, [MacroF1(range(3)).aggregate(s.sum(0))["macro_f1"] for s in seeds])
    assert expected[-1] == pytest.approx(100.0)  # the absent class drops out of the mean


@pytest.mark.parametrize("make", [
    lambda rng: _classification_stats(rng, 400, [1 / 3] * 3, 0.75),
    lambda rng: _classification_stats(rng, 400, [0.6, 0.35, 0.05], 0.8),
    lambda rng: _entity_stats(rng, 400),
], ids=["balanced", "rare-class", "entities"])
def test_linearised_standard_error_matches_the_simulated_sampling_sd(make):
    rng = np.random.default_rng(12345)
    scores, estimated = [], []
    for _ in range(2000):
        u = make(rng)
        scores.append(100 * MACRO_F1(u.sum(0)))
        y = per_example_scores(u[None], "macro_f1")[0]
        estimated.append(y.var(ddof=1) / len(y))
    true_sd = np.std(scores, ddof=1)
    assert np.sqrt(np.mean(estimated)) == pytest.approx(true_sd, rel=0.1)


def test_macro_columns_are_every_class_triple_in_order():
    names = ("correct", "n", "tp:0", "pred:0", "gold:0", "tp:1", "pred:1", "gold:1")
    assert stat_columns("macro_f1", names) == names[2:]
    assert stat_columns("accuracy", names) == ("correct", "n")
