"""Accuracy and macro-F1 from per-example statistics, checked against scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score

from ablate.errors import AblateError
from ablate.metrics import classification
from ablate.metrics.classification import MacroF1


def test_accuracy_by_hand():
    rows = classification.stats(["a", "b", "c", "a"], ["a", "b", "b", "b"])
    assert rows.tolist() == [[1, 1], [1, 1], [0, 1], [0, 1]]
    assert classification.aggregate(rows.sum(axis=0)) == {"accuracy": 50.0}


def test_accuracy_matches_sklearn_and_is_vectorised():
    rng = np.random.default_rng(0)
    pred, gold = rng.integers(0, 3, 200), rng.integers(0, 3, 200)
    rows = classification.stats(pred.tolist(), gold.tolist())
    assert classification.aggregate(rows.sum(axis=0))["accuracy"] == pytest.approx(
        100 * accuracy_score(gold, pred)
    )
    weights = rng.multinomial(200, np.full(200, 1 / 200), size=4)
    batch = classification.aggregate(weights @ rows)["accuracy"]
    for b in range(4):
        assert batch[b] == pytest.approx(100 * accuracy_score(gold, pred, sample_weight=weights[b]))


def test_macro_f1_by_hand():
    metric = MacroF1(["e", "n", "c"])
    rows = metric.stats(["e", "e", "n", "c"], ["e", "n", "n", "e"])
    result = metric.aggregate(rows.sum(axis=0))
    # e: tp 1, pred 2, gold 2 → 50; n: tp 1, pred 1, gold 2 → 66.7; c: tp 0, pred 1, gold 0 → 0
    assert result["f1:e"] == pytest.approx(50.0)
    assert result["f1:n"] == pytest.approx(200 / 3)
    assert result["f1:c"] == 0.0
    assert result["macro_f1"] == pytest.approx((50 + 200 / 3 + 0) / 3)


@pytest.mark.parametrize("seed", range(10))
def test_macro_f1_matches_sklearn_on_resamples(seed):
    rng = np.random.default_rng(seed)
    labels = ["a", "b", "c", "d"]
    n = 40
    # skewed labels so that some classes vanish from some resamples
    gold = rng.choice(labels, n, p=[0.6, 0.3, 0.08, 0.02]).tolist()
    pred = [g if rng.random() < 0.6 else rng.choice(labels[:3]) for g in gold]
    metric = MacroF1(labels)
    rows = metric.stats(pred, gold)
    assert metric.aggregate(rows.sum(axis=0))["macro_f1"] == pytest.approx(
        100 * f1_score(gold, pred, average="macro")
    )
    weights = rng.multinomial(n, np.full(n, 1 / n), size=20)
    batch = metric.aggregate(weights @ rows)["macro_f1"]
    for b in range(20):
        idx = np.repeat(np.arange(n), weights[b])
        want = f1_score([gold[i] for i in idx], [pred[i] for i in idx], average="macro")
        assert batch[b] == pytest.approx(100 * want, rel=1e-12)


def test_macro_f1_rejects_unknown_labels():
    with pytest.raises(AblateError, match="Label 'x' is not one of"):
        MacroF1(["a", "b"]).stats(["x"], ["a"])
    with pytest.raises(AblateError, match="distinct labels"):
        MacroF1(["a", "a"])
