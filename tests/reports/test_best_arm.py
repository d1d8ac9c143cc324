"""The best-arm-per-task claim: its p accounts for choosing the best arm after the fact.

Simulation with a known answer: A arms share one baseline (so their Δ̂ correlate, ρ = 0.5),
Δ̂ ~ N(μ, σ²Σ) and bootstrap replicates Δ^b = Δ̂ + N(0, σ²Σ) (what a correct bootstrap gives).
"""

from __future__ import annotations

import numpy as np
import pytest

from ablate.reports.best_arm import best_per_task
from ablate.stats import summarize

A, T, B, TRIALS, SIGMA = 5, 3, 400, 1500, 1.0


def _simulate(mu: np.ndarray, rng) -> tuple[np.ndarray, np.ndarray]:
    """deltas (TRIALS, A, T) and replicates (TRIALS, A, T, B); arms correlated through the baseline."""
    def draw(*shape):
        shared = rng.normal(size=(*shape[:1], 1, *shape[2:]))
        own = rng.normal(size=shape)
        return SIGMA * np.sqrt(0.5) * (own + shared)

    deltas = mu[None] + draw(TRIALS, A, T)
    return deltas, deltas[..., None] + draw(TRIALS, A, T, B)


def _rates(mu, seed=0, alpha=0.05):
    rng = np.random.default_rng(seed)
    deltas, reps = _simulate(mu, rng)
    corrected, naive = [], []
    for d, r in zip(deltas, reps):
        res = best_per_task(d, r)
        corrected.append(res.p <= alpha)
        chosen = d.argmax(axis=0)
        picked = r[chosen, np.arange(T)].mean(axis=0)
        naive.append(summarize(float(d[chosen, np.arange(T)].mean()), picked, 1 - alpha).p <= alpha
                     and d[chosen, np.arange(T)].mean() > 0)
    return np.mean(corrected), np.mean(naive)


def test_global_null_keeps_its_size_where_the_naive_p_does_not():
    corrected, naive = _rates(np.zeros((A, T)))
    # Binomial SD of a 5 % rate over 1,500 trials is 0.56 %: 0.025–0.075 is about ±4 SD.
    assert 0.025 <= corrected <= 0.075
    assert naive > 0.15  # the best of five arms looks "significant" five times too often


def test_a_real_gain_is_found():
    mu = np.zeros((A, T))
    mu[2] = 3.0  # one arm is 3σ better on every task
    corrected, _ = _rates(mu, seed=1)
    assert corrected > 0.9


def test_one_arm_is_the_plain_one_sided_bootstrap():
    rng = np.random.default_rng(2)
    d = rng.normal(size=(1, 4))
    r = d[..., None] + rng.normal(size=(1, 4, 2000))
    res = best_per_task(d, r)
    null = (r - d[..., None]).mean(axis=1)[0]
    assert res.p == pytest.approx((1 + np.count_nonzero(null >= d.mean())) / 2001)
    assert res.chosen == (0, 0, 0, 0)
    assert res.low <= res.delta <= res.high
