"""The ready-made aggregations: known values, broadcasting over leading axes, empty sets."""

import numpy as np

from ablate.stats import ACCURACY, F1_COUNTS, SPAN_QA, per_seed_scores


def test_accuracy_span_qa_f1_known_values():
    assert ACCURACY(np.array([3.0, 4.0])) == 0.75
    assert SPAN_QA(np.array([2.0, 3.0, 4.0])) == (0.5 + 0.75) / 2
    assert F1_COUNTS(np.array([3.0, 4.0, 6.0])) == 0.6


def test_f1_is_zero_when_nothing_predicted_or_gold():
    assert F1_COUNTS(np.array([0.0, 0.0, 0.0])) == 0.0


def test_aggregations_broadcast_over_leading_axes():
    totals = np.random.default_rng(0).integers(1, 9, size=(4, 5, 3)).astype(float)
    assert ACCURACY(totals[..., :2]).shape == (4, 5)
    expected = 2 * totals[..., 0] / (totals[..., 1] + totals[..., 2])
    np.testing.assert_allclose(F1_COUNTS(totals), expected)


def test_per_seed_scores_sums_examples():
    stats = np.zeros((2, 4, 2))
    stats[..., 1] = 1
    stats[0, :3, 0] = 1  # seed 0: 3/4 correct
    stats[1, :1, 0] = 1  # seed 1: 1/4 correct
    np.testing.assert_allclose(per_seed_scores(stats, ACCURACY), [0.75, 0.25])
