"""mAP@20 of XTREME-R's two ranked-retrieval tasks, from per-query statistics.

Both follow google-research/xtreme (third_party/utils_lareqa.py, utils_mewslix.py), on the ×100
scale, per query `(ap, n)` with n = 1, so map@20 = 100·Σap/Σn (summable, bootstrappable):

- LAReQA (`average_precision`): the ranked candidate list is cut at k; each relevant candidate
  at (1-based) rank r adds hits_so_far / r (a repeated id counts once); the sum is divided by
  min(#relevant, k). The relevant candidates of a question are the answer sentences of its
  xling_id in every language (11 per question in XQuAD-R).
- Mewsli-X (`reciprocal_rank`): one gold entity per mention; the top-k predictions are scanned and
  the first hit at rank r scores 1/r, a miss (or no prediction at all) 0. With a single relevant
  item AP@k is this reciprocal rank, which is why XTREME-R calls it mAP@20 (evaluate.py's
  `mewslix_map20`) while utils_mewslix computes "MRR".

    >>> average_precision({"a", "b"}, ["a", "x", "b"], k=20)  # (1/1 + 2/3) / 2
    0.8333333333333333
    >>> reciprocal_rank("b", ["a", "b"], k=20)
    0.5
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np

from ablate.metrics.counts import check_totals, ratio, scalar_or_array

K = 20  # XTREME-R evaluates the top 20 retrieved items (utils_mewslix.TOP_K, mean_avg_prec_at_k k=20)
stat_names = ("ap", "n")
primary = "map20"


def average_precision(relevant: Collection, ranked: Sequence, k: int = K) -> float:
    """AP@k of one ranked list against a set of relevant ids (LAReQA's rule); 0 when none relevant."""
    if not relevant:
        return 0.0
    ranked = list(ranked)[:k]
    score, hits, seen = 0.0, 0, set()
    for rank, item in enumerate(ranked, start=1):
        if item in relevant and item not in seen:
            hits += 1
            score += hits / rank
        seen.add(item)
    return score / min(len(relevant), k)


def reciprocal_rank(gold, ranked: Sequence, k: int = K) -> float:
    """1/rank of the first `gold` among the top k (Mewsli-X's rule), 0 when it is not there."""
    for rank, item in enumerate(list(ranked)[:k], start=1):
        if item == gold:
            return 1.0 / rank
    return 0.0


def stats(scores: Sequence[float]) -> np.ndarray:
    """Per-query `(ap, n)`, shape (n_queries, 2), float64."""
    out = np.ones((len(scores), 2), dtype=np.float64)
    out[:, 0] = np.asarray(scores, dtype=np.float64)
    return out


def aggregate(totals) -> dict:
    """map@20 ×100 from summed `(ap, n)`, shape (..., 2) → (...); NaN when n is 0."""
    totals = check_totals(totals, stat_names)
    return {"map20": scalar_or_array(100.0 * ratio(totals[..., 0], totals[..., 1], np.nan))}
