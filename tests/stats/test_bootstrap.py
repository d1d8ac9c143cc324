"""Crossed paired bootstrap: oracles (hand loop, scipy) and properties (sharing, aggregation)."""

import numpy as np
import pytest
from scipy import stats as sps

from ablate.errors import AblateError
from ablate.stats import (
    ACCURACY,
    F1_COUNTS,
    SPAN_QA,
    aggregate,
    arm_replicates,
    draw_example_weights,
    draw_seed_indices,
    paired_bootstrap,
    seed_score_replicates,
    shared_weight_replicates,
    summarize,
)


def accuracy_stats(correct: np.ndarray) -> np.ndarray:
    """(S, n) 0/1 correctness -> (S, n, 2) stats (correct, 1)."""
    correct = np.atleast_2d(correct).astype(float)
    return np.stack([correct, np.ones_like(correct)], axis=-1)


def seeded_cell(rng, n=400, s_a=5, s_b=5, p_a=0.72, p_b=0.70):
    """Accuracy stats for two arms sharing example difficulty, with per-seed offsets."""
    difficulty = rng.normal(1.0, 1.5, n)

    def arm(s, p):
        logit = difficulty + np.log(p / (1 - p)) - 1.0 + rng.normal(0, 0.15, (s, 1))
        return accuracy_stats(rng.random((s, n)) < 1 / (1 + np.exp(-logit)))

    return arm(s_a, p_a), arm(s_b, p_b)


def loop_replicates(u_a, u_b, metric, weights_matrix, seed_draws):
    """The definition, one replicate at a time."""
    out = []
    for b, w in enumerate(weights_matrix):
        m = [
            np.mean([metric(w @ u[j]) for j in idx[b]])
            for u, idx in ((u_a, seed_draws[0]), (u_b, seed_draws[1]))
        ]
        out.append(m[0] - m[1])
    return np.array(out)


@pytest.mark.parametrize(
    "metric,k", [(ACCURACY, 2), (SPAN_QA, 3), (F1_COUNTS, 3)], ids=["acc", "qa", "f1"]
)
@pytest.mark.parametrize("paired", [True, False])
def test_vectorised_replicates_equal_the_loop_on_the_same_draws(metric, k, paired):
    rng = np.random.default_rng(0)
    n, B = 60, 50
    u_a = rng.integers(0, 3, size=(4, n, k)).astype(float)
    u_b = rng.integers(0, 3, size=(4, n, k)).astype(float)
    if metric is SPAN_QA:  # (em, f1, 1) with fractional f1: the float64 path
        u_a[..., 1], u_b[..., 1] = rng.random((4, n)), rng.random((4, n))
        u_a[..., 2] = u_b[..., 2] = 1.0
    idx = draw_seed_indices(rng, B, [4, 4], paired)
    w = draw_example_weights(rng, B, n, block_entries=7 * n)  # several blocks, last one short
    res = paired_bootstrap(u_a, u_b, metric, seed_draws=idx, weights=w)
    expected = loop_replicates(u_a, u_b, metric, w.matrix(), idx)
    np.testing.assert_allclose(res.replicates, expected, rtol=0, atol=1e-12)
    assert res.delta == pytest.approx(metric(u_a.sum(1)).mean() - metric(u_b.sum(1)).mean())


def test_weights_are_multinomial_counts_reproducible_and_block_independent():
    rng = np.random.default_rng(1)
    w = draw_example_weights(rng, 1_000, 50, block_entries=50 * 64)
    m = w.matrix()
    assert m.shape == (1_000, 50) and w.n_blocks == 16
    np.testing.assert_array_equal(m.sum(axis=1), 50)
    np.testing.assert_array_equal(m, w.matrix())  # re-iterable: same weights every pass
    np.testing.assert_array_equal(w.block(3), m[192:256])
    assert abs(m.mean() - 1) < 0.01 and abs(m.var() - (1 - 1 / 50)) < 0.03  # Mult(n, 1/n)


def test_same_rng_stream_gives_same_result_and_workers_do_not_change_it():
    def run(workers):
        rng = np.random.default_rng(7)
        u_a, u_b = seeded_cell(rng)
        idx = draw_seed_indices(rng, 300, [5, 5], True)
        w = draw_example_weights(rng, 300, 400, block_entries=4_000)
        scores = seed_score_replicates([u_a, u_b], ACCURACY, w, workers=workers)
        return arm_replicates(scores[0], idx[0]) - arm_replicates(scores[1], idx[1])

    np.testing.assert_array_equal(run(1), run(1))
    np.testing.assert_array_equal(run(1), run(2))


def test_single_seed_agrees_with_an_independent_loop_within_monte_carlo_error():
    rng = np.random.default_rng(2)
    u_a, u_b = seeded_cell(rng, n=500, s_a=1, s_b=1)
    B = 4_000
    res = paired_bootstrap(
        u_a, u_b, ACCURACY,
        seed_draws=draw_seed_indices(rng, B, [1, 1], True),
        weights=draw_example_weights(rng, B, 500),
    )
    d = u_a[0, :, 0] - u_b[0, :, 0]
    loop = np.array([d[rng.integers(0, 500, 500)].mean() for _ in range(B)])
    sd = loop.std()
    assert abs(res.replicates.std() - sd) < 0.05 * sd
    assert abs(res.low - np.quantile(loop, 0.025)) < 0.25 * sd
    assert abs(res.high - np.quantile(loop, 0.975)) < 0.25 * sd


def test_single_seed_ci_agrees_with_scipy_paired_percentile_bootstrap():
    rng = np.random.default_rng(3)
    u_a, u_b = seeded_cell(rng, n=600, s_a=1, s_b=1)
    B = 4_000
    res = paired_bootstrap(
        u_a, u_b, ACCURACY,
        seed_draws=draw_seed_indices(rng, B, [1, 1], True),
        weights=draw_example_weights(rng, B, 600),
    )
    ref = sps.bootstrap(
        (u_a[0, :, 0], u_b[0, :, 0]),
        lambda a, b, axis: a.mean(axis) - b.mean(axis),
        paired=True, vectorized=True, method="percentile", n_resamples=B, random_state=rng,
    )
    sd = ref.standard_error
    assert abs(res.replicates.std() - sd) < 0.05 * sd
    assert abs(res.low - ref.confidence_interval.low) < 0.25 * sd
    assert abs(res.high - ref.confidence_interval.high) < 0.25 * sd


@pytest.mark.parametrize("seed", range(2))
def test_single_seed_p_agrees_with_scipy_paired_permutation_test(seed):
    rng = np.random.default_rng(seed)
    n, B = 2_000, 4_999
    u_a = accuracy_stats(rng.random(n) < 0.71)
    u_b = accuracy_stats(rng.random(n) < 0.69)
    res = paired_bootstrap(
        u_a, u_b, ACCURACY,
        seed_draws=draw_seed_indices(rng, B, [1, 1], True),
        weights=draw_example_weights(rng, B, n),
    )
    ref = sps.permutation_test(
        (u_a[0, :, 0], u_b[0, :, 0]),
        lambda a, b, axis: a.mean(axis) - b.mean(axis),
        permutation_type="samples", vectorized=True, n_resamples=B, random_state=rng,
    )
    # Two tests of the same null (shifted bootstrap vs sign flips): equal up to Monte-Carlo
    # error (4 SDs of the difference) plus an O(1/n) allowance for the two null distributions.
    mc_sd = np.sqrt(2 * ref.pvalue * (1 - ref.pvalue) / B)
    assert abs(res.p - ref.pvalue) < 4 * mc_sd + 0.01


def test_identical_arms_give_delta_zero_and_p_one():
    rng = np.random.default_rng(5)
    u, _ = seeded_cell(rng)
    for paired in (True, False):
        res = paired_bootstrap(
            u, u.copy(), ACCURACY,
            seed_draws=draw_seed_indices(rng, 500, [5, 5], paired),
            weights=draw_example_weights(rng, 500, 400),
        )
        assert res.delta == 0 and res.p == 1
        if paired:
            assert np.all(res.replicates == 0)


@pytest.mark.parametrize("seed", range(5))
def test_ci_contains_point_estimate_and_p_is_in_range(seed):
    rng = np.random.default_rng(seed)
    u_a, u_b = seeded_cell(rng, s_a=5, s_b=3)
    res = paired_bootstrap(
        u_a, u_b, ACCURACY,
        seed_draws=draw_seed_indices(rng, 1_000, [5, 3], False),
        weights=draw_example_weights(rng, 1_000, 400),
    )
    assert res.low <= res.delta <= res.high
    assert 1 / 1_001 <= res.p <= 1


def test_summarize_p_value_definition():
    res = summarize(0.5, np.array([0.1, 0.5, 0.9, 1.2]))  # only 1.2 is ≥ |Δ̂| = 0.5 from Δ̂
    assert res.p == pytest.approx(2 / 5)
    res = summarize(0.5, np.array([0.0, 1.0, 0.6]))  # 0.0 and 1.0 are ≥ 0.5 away
    assert res.p == pytest.approx(3 / 4)


def test_parallel_ids_share_weights_across_languages():
    """Two languages of a parallel test set: same examples in another order, one id missing."""
    rng = np.random.default_rng(6)
    n_ids, B = 120, 400
    u_a, u_b = seeded_cell(rng, n=n_ids)
    w = draw_example_weights(rng, B, n_ids)  # once per task, over parallel ids
    idx = draw_seed_indices(rng, B, [5, 5], True)  # once per task
    lang1 = paired_bootstrap(
        u_a, u_b, ACCURACY, seed_draws=idx, weights=w, clusters=np.arange(n_ids)
    )
    order = rng.permutation(n_ids)
    lang2 = paired_bootstrap(
        u_a[:, order], u_b[:, order], ACCURACY, seed_draws=idx, weights=w, clusters=order
    )
    np.testing.assert_allclose(lang2.replicates, lang1.replicates, atol=1e-12)
    # Effective per-example weights of a language are the id weights looked up by clusters.
    keep = order[:-1]  # one parallel id lost in translation
    lang3 = paired_bootstrap(
        u_a[:, keep], u_b[:, keep], ACCURACY, seed_draws=idx, weights=w, clusters=keep
    )
    expected = loop_replicates(u_a[:, keep], u_b[:, keep], ACCURACY, w.matrix()[:, keep], idx)
    np.testing.assert_allclose(lang3.replicates, expected, atol=1e-12)


def test_one_pass_over_shared_weights_equals_cell_by_cell():
    rng = np.random.default_rng(12)
    n_ids, B = 80, 300
    w = draw_example_weights(rng, B, n_ids, block_entries=n_ids * 64)
    cells = []
    for keep in (np.arange(n_ids), np.sort(rng.choice(n_ids, 70, replace=False))):
        u_a, u_b = seeded_cell(rng, n=keep.size)
        cells.append(([u_a, u_b], keep))
    together = shared_weight_replicates(cells, ACCURACY, w)
    for (stats, keep), scores in zip(cells, together):
        alone = seed_score_replicates(stats, ACCURACY, w, clusters=keep)
        for x, y in zip(scores, alone):
            np.testing.assert_array_equal(x, y)


def test_clusters_with_several_examples_per_unit_resample_whole_units():
    rng = np.random.default_rng(8)
    clusters = np.repeat(np.arange(30), 3)  # e.g. 3 questions per paragraph
    u_a, u_b = seeded_cell(rng, n=90, s_a=2, s_b=2)
    w = draw_example_weights(rng, 200, 30)
    idx = draw_seed_indices(rng, 200, [2, 2], True)
    res = paired_bootstrap(u_a, u_b, ACCURACY, seed_draws=idx, weights=w, clusters=clusters)
    expected = loop_replicates(u_a, u_b, ACCURACY, w.matrix()[:, clusters], idx)
    np.testing.assert_allclose(res.replicates, expected, atol=1e-12)


def test_task_aggregate_is_mean_of_cell_replicates():
    rng = np.random.default_rng(9)
    idx = draw_seed_indices(rng, 500, [5, 5], True)
    cells = []
    for n in (300, 200, 250):
        u_a, u_b = seeded_cell(rng, n=n)
        w = draw_example_weights(rng, 500, n)
        cells.append(paired_bootstrap(u_a, u_b, ACCURACY, seed_draws=idx, weights=w))
    task = aggregate(cells)
    np.testing.assert_allclose(task.replicates, np.mean([c.replicates for c in cells], axis=0))
    assert task.delta == pytest.approx(np.mean([c.delta for c in cells]))
    assert task.p == summarize(task.delta, task.replicates).p
    other = aggregate(cells[:2])
    xtreme = aggregate([task, other])
    np.testing.assert_allclose(xtreme.replicates, (task.replicates + other.replicates) / 2)


def test_bad_input_names_the_problem():
    rng = np.random.default_rng(10)
    u_a, u_b = seeded_cell(rng, n=50)
    idx = draw_seed_indices(rng, 10, [5, 5], True)
    w40, w50 = draw_example_weights(rng, 10, 40), draw_example_weights(rng, 10, 50)
    with pytest.raises(AblateError, match="50 examples"):
        paired_bootstrap(u_a, u_b, ACCURACY, seed_draws=idx, weights=w40)
    with pytest.raises(AblateError, match="examples, stats"):
        paired_bootstrap(u_a, u_b[:, :40], ACCURACY, seed_draws=idx, weights=w50)
    with pytest.raises(AblateError, match="same number of seeds"):
        draw_seed_indices(rng, 10, [5, 4], paired=True)
