"""Cosine top-k search and Tatoeba accuracy."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
import torch

from ablate.errors import AblateError
from ablate.metrics import retrieval


def brute_force_topk(q, y, k):
    q = q / np.linalg.norm(q, axis=1, keepdims=True)
    y = y / np.linalg.norm(y, axis=1, keepdims=True)
    sims = q @ y.T
    order = np.argsort(-sims, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(sims, order, axis=1), order


@pytest.mark.parametrize("chunk_size", [1, 7, None])
def test_topk_numpy_matches_brute_force(chunk_size):
    rng = np.random.default_rng(0)
    q, y = rng.normal(size=(23, 8)), rng.normal(size=(31, 8))
    sims, inds = retrieval.cosine_topk(q, y, 4, chunk_size=chunk_size)
    want_sims, want_inds = brute_force_topk(q.astype(np.float32), y.astype(np.float32), 4)
    np.testing.assert_array_equal(inds, want_inds)
    np.testing.assert_allclose(sims, want_sims, rtol=1e-5)


def test_topk_ties_go_to_the_lower_index():
    y = np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 0.0], [1.0, 0.0]])
    _, inds = retrieval.cosine_topk(np.array([[1.0, 0.0]]), y, 3)
    assert inds.tolist() == [[0, 2, 3]]


def test_topk_torch_matches_numpy():
    rng = np.random.default_rng(1)
    q, y = rng.normal(size=(17, 6)).astype(np.float32), rng.normal(size=(40, 6)).astype(np.float32)
    sims_np, inds_np = retrieval.cosine_topk(q, y, 5)
    q_t, y_t = torch.from_numpy(q), torch.from_numpy(y)
    sims_t, inds_t = retrieval.cosine_topk(q_t, y_t, 5, chunk_size=4)
    np.testing.assert_array_equal(inds_t, inds_np)
    np.testing.assert_allclose(sims_t, sims_np, rtol=1e-5)


def test_topk_errors():
    x = np.ones((3, 4))
    with pytest.raises(AblateError, match="k=4 neighbours requested from 3 keys"):
        retrieval.cosine_topk(x, x, 4)
    with pytest.raises(AblateError, match="Unknown retrieval backend 'numpi'. Did you mean"):
        retrieval.cosine_topk(x, x, 1, backend="numpi")
    with pytest.raises(AblateError, match="differs from key dim"):
        retrieval.cosine_topk(x, np.ones((3, 5)), 1)


@pytest.mark.skipif(importlib.util.find_spec("faiss") is not None, reason="faiss is installed")
def test_faiss_backend_names_the_extra_when_missing():
    with pytest.raises(AblateError, match=r"ablate\[faiss\]"):
        retrieval.cosine_topk(np.ones((2, 3)), np.ones((2, 3)), 1, backend="faiss")


def test_tatoeba_identical_embeddings_score_100():
    emb = np.random.default_rng(2).normal(size=(50, 16))
    rows = retrieval.tatoeba_stats(emb, emb)
    assert rows.shape == (50, 2)
    assert retrieval.aggregate(rows.sum(axis=0)) == {"accuracy": 100.0}


def test_tatoeba_permutation():
    english = np.random.default_rng(3).normal(size=(6, 16))
    perm = np.array([0, 2, 1, 3, 5, 4])  # other[i] translates english[perm[i]]; fixed points 0, 3
    other = english[perm]
    # nearest other-language sentence of english[j] is other[i] with perm[i] == j
    assert retrieval.tatoeba_predictions(other, english).tolist() == np.argsort(perm).tolist()
    rows = retrieval.tatoeba_stats(other, english)
    assert rows[:, 0].tolist() == [1, 0, 0, 1, 0, 0]
    assert retrieval.aggregate(rows.sum(axis=0))["accuracy"] == pytest.approx(100 * 2 / 6)
    # with the true alignment as gold, every prediction is right
    gold = np.argsort(perm)
    assert retrieval.aggregate(retrieval.tatoeba_stats(other, english, gold).sum(axis=0))[
        "accuracy"
    ] == 100.0
