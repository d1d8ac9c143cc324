"""Variance decomposition: known zeros, shares, and the crossed variance."""

import numpy as np
import pytest

from ablate.stats import (
    ACCURACY,
    draw_example_weights,
    draw_seed_indices,
    seed_score_replicates,
    variance_decomposition,
)


def decompose(u_a, u_b, rng, B=2_000):
    n = u_a.shape[1]
    idx = draw_seed_indices(rng, B, [u_a.shape[0], u_b.shape[0]], False)
    w = draw_example_weights(rng, B, n)
    weighted = seed_score_replicates([u_a, u_b], ACCURACY, w)
    unweighted = seed_score_replicates([u_a, u_b], ACCURACY)
    return variance_decomposition(tuple(weighted), tuple(unweighted), idx)


def stats(correct):
    return np.stack([correct, np.ones_like(correct)], -1).astype(float)


def test_identical_seeds_have_no_seed_variance():
    rng = np.random.default_rng(0)
    one_a, one_b = rng.random(300) < 0.7, rng.random(300) < 0.6
    res = decompose(stats(np.tile(one_a, (5, 1))), stats(np.tile(one_b, (5, 1))), rng)
    assert res.seeds == pytest.approx(0, abs=1e-20) and res.example_share == pytest.approx(1)
    assert res.both == pytest.approx(res.examples, rel=1e-12)  # same weights, seeds identical


def test_seeds_that_are_all_right_or_all_wrong_have_no_example_variance():
    rng = np.random.default_rng(1)
    per_seed = rng.random((5, 1)) < 0.5  # each seed gets every example right, or every one wrong
    res = decompose(stats(np.tile(per_seed, (1, 200))), stats(np.zeros((5, 200))), rng)
    assert res.examples == pytest.approx(0, abs=1e-20) and res.seed_share == pytest.approx(1)
    assert res.seeds > 0


def test_crossed_variance_is_at_least_each_component():
    rng = np.random.default_rng(2)
    difficulty = rng.normal(1, 1.5, 400)

    def arm():
        logit = difficulty + rng.normal(0, 0.3, (5, 1))
        return stats(rng.random((5, 400)) < 1 / (1 + np.exp(-logit)))

    res = decompose(arm(), arm(), rng)
    assert res.seed_share + res.example_share == pytest.approx(1)
    assert res.both > max(res.seeds, res.examples)
