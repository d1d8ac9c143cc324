"""Seed-level tests: exact permutation p against brute force, min attainable p, P(A>B), Welch."""

import itertools

import numpy as np
import pytest
from scipy import stats as sps

from ablate.errors import AblateError
from ablate.stats import (
    permutation_test,
    probability_of_improvement,
    seed_summary,
    welch_t,
)


def brute_sign_flip(a, b):
    d = np.asarray(a) - np.asarray(b)
    t = abs(d.mean())
    flips = [abs(np.mean(np.array(s) * d)) for s in itertools.product([1, -1], repeat=d.size)]
    return np.mean([f >= t - 1e-12 for f in flips])


def brute_relabel(a, b):
    x = np.concatenate([a, b])
    t = abs(np.mean(a) - np.mean(b))
    hits = [
        abs(np.mean(x[list(p[: len(a)])]) - np.mean(x[list(p[len(a) :])])) >= t - 1e-12
        for p in itertools.permutations(range(x.size))
    ]
    return np.mean(hits)


def test_min_attainable_p_for_five_paired_seeds_is_0_0625():
    a = np.array([0.71, 0.72, 0.73, 0.74, 0.75])
    res = permutation_test(a, a - 0.05, paired=True)
    assert res.exact and res.n_permutations == 32
    assert res.min_p == 0.0625 and res.p == 0.0625  # A wins on every seed: still not < 0.05


@pytest.mark.parametrize("seed", range(4))
def test_exact_sign_flip_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    a, b = rng.normal(0.7, 0.01, 6), rng.normal(0.695, 0.01, 6)
    assert permutation_test(a, b, paired=True).p == pytest.approx(brute_sign_flip(a, b))


@pytest.mark.parametrize("seed", range(3))
def test_exact_label_permutation_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    a, b = rng.normal(0.7, 0.01, 4), rng.normal(0.69, 0.01, 3)
    res = permutation_test(a, b, paired=False)
    assert res.exact and res.n_permutations == 35 and res.min_p == 1 / 35
    assert res.p == pytest.approx(brute_relabel(a, b))


def test_unpaired_equal_arms_min_p_counts_the_swap():
    res = permutation_test(np.arange(5.0) + 10, np.arange(5.0), paired=False)
    assert res.min_p == 2 / 252 and res.p == 2 / 252


def test_monte_carlo_agrees_with_exact_enumeration():
    rng = np.random.default_rng(5)
    a, b = rng.normal(0.7, 0.01, 18), rng.normal(0.694, 0.01, 18)
    exact = permutation_test(a, b, paired=True, max_exact=2**18)
    mc = permutation_test(a, b, paired=True, rng=rng, n_resamples=20_000)
    assert exact.exact and not mc.exact and mc.min_p == 1 / 20_001
    assert abs(mc.p - exact.p) < 4 * np.sqrt(exact.p * (1 - exact.p) / 20_000) + 1e-4


def test_monte_carlo_needs_a_generator():
    with pytest.raises(AblateError, match="rng"):
        permutation_test(np.arange(20.0), np.arange(20.0), paired=True)


@pytest.mark.parametrize("seed", range(4))
def test_probability_of_improvement_is_mann_whitney_u_over_pairs(seed):
    rng = np.random.default_rng(seed)
    a = np.round(rng.normal(0.70, 0.01, 5), 2)  # rounding makes ties
    b = np.round(rng.normal(0.70, 0.01, 6), 2)
    res = probability_of_improvement(a, b, rng)
    u = sps.mannwhitneyu(a, b, alternative="two-sided").statistic
    assert res.p == pytest.approx(u / (5 * 6))
    assert 0 <= res.low <= res.high <= 1


def test_welch_matches_scipy_and_summary_uses_ddof_1():
    a, b = np.array([0.70, 0.72, 0.71, 0.74]), np.array([0.69, 0.70, 0.68])
    ref = sps.ttest_ind(a, b, equal_var=False)
    res = welch_t(a, b)
    assert (res.t, res.p) == pytest.approx((ref.statistic, ref.pvalue))
    summary = seed_summary(a)
    assert summary.mean == pytest.approx(0.7175) and summary.sd == pytest.approx(np.std(a, ddof=1))
    assert np.isnan(seed_summary(a[:1]).sd)
