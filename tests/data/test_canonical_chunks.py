"""`canonical` converts a split a chunk at a time (its peak memory is the dataset plus one chunk);
the result must not depend on where the chunk boundaries fall."""

from __future__ import annotations

import datasets
import pytest

from ablate.data import load
from ablate.errors import AblateError
from ablate.tasks import get_task
from ablate.tasks.definitions import MNLI_TRAIN


def _raw(labels):
    features = datasets.Features({
        "premise": datasets.Value("string"), "hypothesis": datasets.Value("string"),
        "label": datasets.ClassLabel(names=["entailment", "neutral", "contradiction"]), "idx": datasets.Value("int32")})
    n = len(labels)
    # -1 (no gold) is what the Hub's test splits hold; ClassLabel columns accept it
    return datasets.Dataset.from_dict({"premise": [f"p{i}" for i in range(n)], "hypothesis": [f"h{i}" for i in range(n)],
                                       "label": labels, "idx": list(range(100, 100 + n))}, features=features)


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 20_000])
def test_chunk_boundaries_do_not_change_the_rows(monkeypatch, chunk):
    raw = _raw([0, -1, 2, -1, -1, 1, 0])
    monkeypatch.setattr(load, "CANONICAL_CHUNK", chunk)
    out = load.canonical(raw, MNLI_TRAIN, get_task("mnli"))
    assert out.to_dict() == {
        "id": ["en:100", "en:102", "en:105", "en:106"], "parallel_id": ["en:100", "en:102", "en:105", "en:106"],
        "text_a": ["p0", "p2", "p5", "p6"], "text_b": ["h0", "h2", "h5", "h6"], "label": [0, 2, 1, 0]}
    assert out.features["label"] == datasets.Value("int64") and out.features["id"] == datasets.Value("string")


def test_a_chunk_without_gold_rows_keeps_the_columns_types(monkeypatch):
    monkeypatch.setattr(load, "CANONICAL_CHUNK", 2)
    out = load.canonical(_raw([-1, -1, 1, 0]), MNLI_TRAIN, get_task("mnli"))
    assert out["label"] == [1, 0] and out.features["text_a"] == datasets.Value("string")


def test_no_gold_row_at_all_is_one_clear_error(monkeypatch):
    monkeypatch.setattr(load, "CANONICAL_CHUNK", 2)
    with pytest.raises(AblateError, match="every row lacks a gold label"):
        load.canonical(_raw([-1, -1, -1]), MNLI_TRAIN, get_task("mnli"))
