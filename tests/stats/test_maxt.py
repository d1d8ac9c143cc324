"""Step-down max-T adjustment of k̂ (ablate.stats.maxt) against closed forms and simulation."""

import numpy as np
import pytest
from scipy import stats as sps

from ablate.stats import components as vc
from ablate.stats import maxt


def test_independent_members_with_normal_tails_give_sidak_step_down():
    t = np.array([2.9, 0.4, 2.2, 1.1])
    p = 2 * sps.norm.sf(t)
    adjusted = maxt.stepdown(t, np.full(4, np.inf), np.ones(4), 0.0)
    order = np.argsort(p)
    sidak = 1 - (1 - p[order]) ** (4 - np.arange(4))
    expected = np.empty(4)
    expected[order] = np.maximum.accumulate(sidak)
    np.testing.assert_allclose(adjusted, expected, rtol=2e-3, atol=1e-6)


def test_one_member_is_the_t_test():
    for t, df in ((2.5, 4.0), (1.2, 9.0), (3.4, 30.0), (8.0, 3.0)):
        got = maxt.stepdown(np.array([t]), np.array([df]), np.ones(1), 0.0)[0]
        assert got == pytest.approx(2 * sps.t.sf(t, df), rel=1e-4)


def test_members_that_move_together_need_no_multiplicity_penalty():
    # Every member's variance is shared through the seeds: the maximum of L copies of one t is that t.
    t = np.array([2.6, 2.5, 2.55, 2.45, 2.5, 2.52])
    adjusted = maxt.stepdown(t, np.full(6, 4.0), np.ones(6), 1.0)
    raw = 2 * sps.t.sf(t, 4.0)
    assert adjusted.max() < 1.6 * raw.max()  # Holm would multiply the smallest p by 6
    assert np.all(adjusted >= raw - 1e-9)


def test_shared_covariance_recovers_the_seed_effect_common_to_members():
    rng = np.random.default_rng(3)
    sims, seeds, members = 4000, 5, 4
    common = rng.normal(0, 2.0, (sims, seeds, 1))  # per-seed effect shared by all members
    parts = []
    for _ in range(members):
        own = rng.normal(0, 1.0, (sims, seeds, 1))
        scores_a = common + own + rng.normal(0, 0.1, (sims, seeds, 50))
        parts.append(vc.cell_moments(scores_a, np.zeros_like(scores_a), paired=True))
    c = maxt.shared_covariance(parts)
    assert c.mean() == pytest.approx(4.0 / seeds, rel=0.05)  # Var(common)/S


def test_independent_members_with_own_degrees_of_freedom_give_the_product_of_their_t_laws():
    # No shared seed covariance: each member's denominator is its own (independent q_l, ν_l), so
    # P(max |T_l| ≥ t) = 1 − Π_l P(|t_ν_l| < t) over the members still in the step — one shared q
    # with the smallest ν would be conservative here (the 2.7–3.6 % 'k̂ ≥ 1' of the
    # test-dominated regime).
    t = np.array([3.1, 0.7, 2.4, 1.5])
    df = np.array([4.0, 12.0, 7.0, 30.0])
    adjusted = maxt.stepdown(t, df, np.ones(4), 0.0)
    order = np.argsort(-t)
    step = [1 - np.prod(1 - 2 * sps.t.sf(t[i], df[order[j:]])) for j, i in enumerate(order)]
    expected = np.empty(4)
    expected[order] = np.maximum.accumulate(step)
    np.testing.assert_allclose(adjusted, expected, rtol=1e-4, atol=1e-7)


def test_partly_shared_variance_lies_between_the_two_limits():
    t = np.array([2.8, 2.1, 1.2])
    df = np.full(3, 6.0)
    independent, partly, shared = (maxt.stepdown(t, df, np.ones(3), c) for c in (0.0, 0.5, 0.99))
    assert shared[0] < partly[0] < independent[0]
    raw = 2 * sps.t.sf(2.8, 6.0)
    assert raw <= shared[0] < 1.3 * raw  # correlation 0.99: nearly one statistic
