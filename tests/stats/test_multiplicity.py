"""Holm / BH against statsmodels (method given explicitly), k̂ of L, the resolution rule."""

import numpy as np
import pytest
from statsmodels.stats.multitest import multipletests

from ablate.errors import AblateError
from ablate.stats import benjamini_hochberg, count_wins, holm, resolve_replicates


@pytest.mark.parametrize("seed", range(5))
def test_holm_and_bh_equal_statsmodels_on_unsorted_input(seed):
    rng = np.random.default_rng(seed)
    p = np.concatenate([rng.uniform(0, 0.05, 7), rng.uniform(0, 1, 33)])
    p[[3, 17]] = p[5]  # ties
    rng.shuffle(p)
    np.testing.assert_allclose(holm(p), multipletests(p, method="holm")[1], rtol=0, atol=1e-15)
    np.testing.assert_allclose(
        benjamini_hochberg(p), multipletests(p, method="fdr_bh")[1], rtol=0, atol=1e-15
    )


def test_adjusted_values_are_in_input_order_monotone_and_capped():
    p = np.array([0.5, 0.01, 0.04, 0.03, 0.9])
    for adjusted in (holm(p), benjamini_hochberg(p)):
        order = np.argsort(p)
        assert np.all(np.diff(adjusted[order]) >= 0)  # monotone in p
        assert np.all(adjusted >= p) and np.all(adjusted <= 1)
    np.testing.assert_allclose(holm(p), [1.0, 0.05, 0.12, 0.12, 1.0])


def test_count_wins_needs_positive_delta_and_significance():
    delta = np.array([0.02, 0.03, -0.04, 0.01])
    p_holm = np.array([0.01, 0.2, 0.001, 0.04])
    wins = count_wins(delta, p_holm)
    assert wins == (2, 4) and str(wins) == "2 of 4"


def test_resolution_rule_raises_b_never_lowers():
    assert resolve_replicates(10_000, 40, 0.05) == (10_000, False)
    assert resolve_replicates(1_000, 40, 0.05) == (8_000, True)
    assert resolve_replicates(1_000, 9, 0.05) == (1_800, True)
    assert resolve_replicates(50_000, 1, 0.01) == (50_000, False)


def test_bad_p_values_are_rejected_with_a_reason():
    with pytest.raises(AblateError, match=r"\[0, 1\]"):
        holm(np.array([0.1, 1.2]))
