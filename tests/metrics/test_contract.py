"""Every metric: one stats column per name; the corpus metric re-derives from summed stats."""

from __future__ import annotations

import numpy as np
import pytest

from ablate.metrics import TASK_METRICS, bucc, classification, mlqa, retrieval, seqeval_f1, squad
from ablate.metrics.classification import MacroF1


def examples():
    rng = np.random.default_rng(0)
    emb = rng.normal(size=(12, 8))
    pairs = {("a", "1"): 1.3, ("b", "2"): 1.2, ("c", "3"): 1.1}
    labels = ["x", "y", "z"]
    yield classification, classification.stats(["x", "y", "y", "z"], ["x", "y", "z", "z"])
    yield MacroF1(labels), MacroF1(labels).stats(["x", "y", "y", "z"], ["x", "y", "z", "z"])
    yield squad, squad.stats(["the cat", "a dog", None], [["cat"], ["dog house"], ["x"]])
    yield mlqa, mlqa.stats(["北京大学", "x"], [["北京"], ["y"]], "zh")
    yield seqeval_f1, seqeval_f1.stats(
        [["B-PER", "O"], ["NOUN", "X"]], [["B-PER", "B-LOC"], ["NOUN", "X"]]
    )
    yield retrieval, retrieval.tatoeba_stats(emb, emb + 0.5 * rng.normal(size=emb.shape))
    gold = {("a", "1"), ("c", "3")}
    yield bucc, bucc.stats(bucc.extract(pairs, 1.15), gold, ["a", "b", "c", "d"])


def metric_id(value) -> str:
    return getattr(value, "__name__", type(value).__name__)


@pytest.mark.parametrize("metric, rows", list(examples()), ids=metric_id)
def test_contract(metric, rows):
    assert rows.ndim == 2 and rows.shape[1] == len(metric.stat_names)
    corpus = metric.aggregate(rows.sum(axis=0))
    assert metric.primary in corpus
    assert all(isinstance(v, float) for v in corpus.values())
    n = len(rows)
    resample = np.random.default_rng(1).multinomial(n, np.full(n, 1 / n))
    weights = np.vstack([np.ones(n), resample])  # row 0: the corpus itself
    batch = metric.aggregate(weights @ rows)
    for key, value in corpus.items():
        assert batch[key].shape == (2,)
        np.testing.assert_allclose(batch[key][0], value, equal_nan=True)


def test_every_xtreme_task_has_a_metric():
    from ablate.metrics.xtreme_score import TASK_LANGUAGES

    assert set(TASK_METRICS) == set(TASK_LANGUAGES)
