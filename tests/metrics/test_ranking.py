"""mAP@20 (LAReQA, Mewsli-X) against an independent re-implementation of XTREME-R's own code.

The references below transcribe google-research/xtreme's rules in their own shape: LAReQA's
`average_precision_at_k` works on a 0/1 relevance vector over the ranked candidate positions
(utils_lareqa.py: hits over `ranked_predictions[:i]`, divisor min(len(targets), k)); Mewsli-X's
`evaluate` maps example ids to top-k prediction lists, counts a missing prediction as 0 and
returns the mean reciprocal rank (utils_mewslix.py). ablate's per-query statistics, summed and
aggregated, must give the same corpus numbers on shared random inputs, in every regime: fewer
relevant items than k, more than k, none retrieved, duplicates, short and empty rankings.
"""

from __future__ import annotations

import numpy as np
import pytest

from ablate.metrics import ranking


def _xtreme_ap_at_k(targets: list[int], ranked: list[int], k: int) -> float:
    ranked = ranked[:k]
    score, hits = 0.0, 0.0
    for i, pred in enumerate(ranked):
        if pred in targets and pred not in ranked[:i]:
            hits += 1.0
            score += hits / (i + 1.0)
    return score / min(len(targets), k)


def _xtreme_mewslix(gold: dict[str, list[str]], predictions: dict[str, list[str]], k: int) -> float:
    rrs = []
    for example_id, labels in gold.items():
        top = predictions.get(example_id, [])[:k]
        flags = [int(p == labels[0].strip()) for p in top]
        rrs.append(next((1.0 / r for r, f in enumerate(flags, start=1) if f), 0.0))
    return sum(rrs) / len(rrs) if rrs else 0.0


def _scores_to_ranking(scores: np.ndarray) -> list[int]:
    return list(np.argsort(scores)[::-1])  # XTREME-R: np.squeeze(scores).argsort()[::-1]


@pytest.mark.parametrize("n_relevant", [1, 3, 11, 25])  # 25 > k: the divisor is k, not 25
def test_lareqa_map20_matches_xtreme_rule(n_relevant):
    rng = np.random.default_rng(n_relevant)
    n_candidates, n_questions = 60, 40
    ours, theirs = [], []
    for _ in range(n_questions):
        targets = sorted(rng.choice(n_candidates, n_relevant, replace=False).tolist())
        scores = rng.normal(size=n_candidates)
        scores[targets] += rng.uniform(0, 2)  # relevant items tend to rank higher
        ranked = _scores_to_ranking(scores)
        theirs.append(_xtreme_ap_at_k(targets, ranked, 20))
        ours.append(ranking.average_precision(set(targets), ranked))
    total = ranking.aggregate(ranking.stats(ours).sum(0))["map20"]
    assert total == pytest.approx(100 * np.mean(theirs), abs=1e-9)
    assert 0 < total < 100


def test_lareqa_rule_edge_cases():
    assert ranking.average_precision({5}, [1, 2, 3]) == 0.0  # never retrieved
    assert ranking.average_precision({1}, []) == 0.0  # nothing retrieved
    assert ranking.average_precision(set(), [1]) == 0.0  # no relevant item: 0, not a division by 0
    # a repeated relevant id counts once, exactly as XTREME's `pred not in ranked[:i]`
    assert ranking.average_precision({1, 2}, [1, 1, 2]) == pytest.approx(_xtreme_ap_at_k([1, 2], [1, 1, 2], 20))
    # the 21st item is outside the cut: a relevant item there adds nothing
    ranked = list(range(100, 120)) + [7]
    assert ranking.average_precision({7}, ranked) == 0.0 == _xtreme_ap_at_k([7], ranked, 20)


def test_mewslix_map20_matches_xtreme_rule_with_missing_predictions():
    rng = np.random.default_rng(0)
    entities = [f"Q{i}" for i in range(50)]
    gold = {f"ex{i}": [str(rng.choice(entities))] for i in range(80)}
    predictions = {}
    for i, example in enumerate(gold):
        if i % 9 == 0:
            continue  # unpredicted examples score 0 in XTREME-R's evaluate
        n = int(rng.integers(0, 30))  # some lists are longer than k, some empty
        predictions[example] = [str(x) for x in rng.choice(entities, n, replace=False)]
    theirs = _xtreme_mewslix(gold, predictions, 20)
    ours = [ranking.reciprocal_rank(g[0], predictions.get(e, [])) for e, g in gold.items()]
    assert ranking.aggregate(ranking.stats(ours).sum(0))["map20"] == pytest.approx(100 * theirs, abs=1e-9)
    assert 0 < theirs < 1


def test_with_one_relevant_item_ap_is_the_reciprocal_rank():
    """Why XTREME-R calls Mewsli-X's MRR "mAP@20": the two rules agree for a single gold."""
    rng = np.random.default_rng(1)
    for _ in range(50):
        ranked = list(rng.permutation(40))
        gold = int(rng.integers(40))
        assert ranking.average_precision({gold}, ranked) == pytest.approx(ranking.reciprocal_rank(gold, ranked))


def test_aggregate_of_bootstrap_replicates_and_empty():
    stats = ranking.stats([1.0, 0.5, 0.0, 0.25])
    weights = np.array([[1, 1, 1, 1], [2, 0, 2, 0], [0, 0, 0, 0]])
    out = ranking.aggregate(weights @ stats)["map20"]
    assert out[0] == pytest.approx(43.75) and out[1] == pytest.approx(50.0) and np.isnan(out[2])
