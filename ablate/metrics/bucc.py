"""BUCC 2018 bitext mining as XTREME runs it (`third_party/utils_retrieve.py`, after LASER).

1. Deduplicate the sentences of each side by their text.
2. k-NN in both directions (k = 4, or fewer when a side is smaller), cosine similarity.
3. Ratio margin: score(x, y) = cos(x, y) / ((mean cos of x's k-NN + mean cos of y's k-NN) / 2).
4. Each source sentence's best-scoring target among its k-NN (forward) and each target's best
   source (backward); the union of both lists is walked by descending score and a pair is kept
   when neither side was taken before (greedy one-to-one). Pairs with score > 0 are candidates.
5. Map sentences back to ids. XTREME drops every sentence whose text occurs under more than one
   id (`duplicates='drop'`); jiant, the paper's code, pairs all of those ids (`'all'`).
6. The threshold maximising F1 on the dev ("sample") gold is applied to test: predicted pairs
   are the candidates with score >= threshold; F1 over the set of (source id, target id) pairs.

Source = the non-English side (de, fr, ru, zh), target = English, as in the gold files.
Per source sentence: `(tp, n_pred, n_gold)`; F1 = 2Σtp / (Σn_pred + Σn_gold).
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ablate.errors import AblateError, unknown
from ablate.metrics.counts import check_totals, precision_recall_f1
from ablate.metrics.retrieval import cosine_topk

stat_names = ("tp", "n_pred", "n_gold")
primary = "f1"
DUPLICATES = ("drop", "all")

Pair = tuple[Hashable, Hashable]  # (source id, target id)


def unify(texts: Sequence[str]) -> np.ndarray:
    """For each sentence the index of its unique text, numbered in order of first occurrence."""
    first: dict[str, int] = {}
    return np.fromiter(
        (first.setdefault(t, len(first)) for t in texts), dtype=np.int64, count=len(texts)
    )


def unique_embeddings(emb, inds: np.ndarray):
    """One row per unique text: the embedding of its LAST occurrence, as XTREME picks it.

    emb: (n, d) numpy array or torch tensor (kept on its device); returns the same kind.
    """
    last = np.empty(int(inds.max()) + 1 if len(inds) else 0, dtype=np.int64)
    last[inds] = np.arange(len(inds))  # later assignments win
    if type(emb).__module__.split(".")[0] == "torch":
        import torch

        return emb[torch.as_tensor(last, device=emb.device)]
    return np.asarray(emb)[last]


def mine(x, y, *, k: int = 4, threshold: float = 0.0, **search) -> list[tuple[float, int, int]]:
    """Greedy one-to-one ratio-margin mining between unique source rows x and target rows y.

    x: (n_x, d), y: (n_y, d) arrays or tensors, normalised inside `cosine_topk`.
    Returns `(score, x index, y index)` in the order they were accepted (descending score),
    keeping pairs with score > threshold. `search` goes to `cosine_topk` (backend, chunk_size).
    """
    if len(x) == 0 or len(y) == 0:
        return []
    fwd_sim, fwd_ind = cosine_topk(x, y, min(k, len(y)), **search)
    bwd_sim, bwd_ind = cosine_topk(y, x, min(k, len(x)), **search)
    fwd_mean, bwd_mean = fwd_sim.mean(axis=1), bwd_sim.mean(axis=1)
    fwd_scores = fwd_sim / ((fwd_mean[:, None] + bwd_mean[fwd_ind]) / 2)
    bwd_scores = bwd_sim / ((bwd_mean[:, None] + fwd_mean[bwd_ind]) / 2)
    fwd_arg, bwd_arg = fwd_scores.argmax(axis=1), bwd_scores.argmax(axis=1)
    src = np.concatenate([np.arange(len(x)), bwd_ind[np.arange(len(y)), bwd_arg]])
    trg = np.concatenate([fwd_ind[np.arange(len(x)), fwd_arg], np.arange(len(y))])
    scores = np.concatenate([fwd_scores.max(axis=1), bwd_scores.max(axis=1)])
    taken_src, taken_trg = set(), set()
    mined = []
    # XTREME sorts with np.argsort(-scores) (quicksort); a stable sort only differs on exact ties.
    for i in np.argsort(-scores, kind="stable"):
        s, t = int(src[i]), int(trg[i])
        if s in taken_src or t in taken_trg:
            continue
        taken_src.add(s)
        taken_trg.add(t)  # a pair at or below the threshold still blocks its sentences
        if scores[i] > threshold:
            mined.append((float(scores[i]), s, t))
    return mined


def candidates(
    src_ids: Sequence[Hashable],
    src_texts: Sequence[str],
    src_emb,
    trg_ids: Sequence[Hashable],
    trg_texts: Sequence[str],
    trg_emb,
    *,
    k: int = 4,
    duplicates: str = "drop",
    **search,
) -> dict[Pair, float]:
    """Mined candidate pairs `{(source id, target id): margin score}` (XTREME's candidate2score).

    src_emb / trg_emb: (n, d) sentence embeddings aligned with the ids and texts.
    """
    if duplicates not in DUPLICATES:
        raise unknown("duplicates policy", duplicates, DUPLICATES)
    src_inds = _unify_side("source", src_ids, src_texts, src_emb)
    trg_inds = _unify_side("target", trg_ids, trg_texts, trg_emb)
    mined = mine(
        unique_embeddings(src_emb, src_inds),
        unique_embeddings(trg_emb, trg_inds),
        k=k,
        **search,
    )
    src_map = _ids_of_unique(src_ids, src_inds, duplicates)
    trg_map = _ids_of_unique(trg_ids, trg_inds, duplicates)
    found: dict[Pair, float] = {}
    for score, s, t in mined:
        for src_id in src_map.get(s, ()):
            for trg_id in trg_map.get(t, ()):
                found[(src_id, trg_id)] = max(score, found.get((src_id, trg_id), score))
    return found


def optimize_threshold(candidate_scores: Mapping[Pair, float], gold: Collection[Pair]) -> float:
    """The score threshold with the best F1 on `gold`, as XTREME's `bucc_optimize` finds it.

    Walks the candidates by descending score; whenever F1 strictly improves, the threshold is
    set midway between this candidate's score and the next one's. If the best cut is after the
    last candidate, XTREME raises IndexError; here the threshold is the last score. 0 when no
    candidate is correct.
    """
    gold = set(gold)
    items = sorted(candidate_scores.items(), key=lambda item: -item[1])
    threshold, best_f1, n_correct = 0.0, 0.0, 0
    for n_extracted, (pair, score) in enumerate(items, start=1):
        n_correct += pair in gold
        if n_correct == 0:
            continue
        f1 = 2 * n_correct / (n_extracted + len(gold))
        if f1 > best_f1:
            best_f1 = f1
            following = items[n_extracted][1] if n_extracted < len(items) else score
            threshold = (score + following) / 2
    return float(threshold)


def extract(candidate_scores: Mapping[Pair, float], threshold: float) -> set[Pair]:
    """The predicted pairs: candidates with score >= threshold."""
    return {pair for pair, score in candidate_scores.items() if score >= threshold}


def stats(
    predicted: Iterable[Pair], gold: Iterable[Pair], src_ids: Sequence[Hashable]
) -> np.ndarray:
    """Per source sentence `(tp, n_pred, n_gold)`, shape (len(src_ids), 3), int64, in src_ids order.

    Sentences in neither set give zero rows; they still count when a bootstrap resamples
    source sentences. Pairs are compared as sets (XTREME's `bucc_f1`).
    """
    row_of = {src_id: i for i, src_id in enumerate(src_ids)}
    if len(row_of) != len(src_ids):
        raise AblateError("Source sentence ids must be unique.")
    predicted, gold = set(predicted), set(gold)
    rows = np.zeros((len(row_of), 3), dtype=np.int64)
    for column, pairs in ((0, predicted & gold), (1, predicted), (2, gold)):
        for src_id, _ in pairs:
            if src_id not in row_of:
                raise AblateError(
                    f"Pair source id {src_id!r} is not among the source sentence ids."
                )
            rows[row_of[src_id], column] += 1
    return rows


def aggregate(totals) -> dict:
    """Precision, recall, F1 (×100) from summed `(tp, n_pred, n_gold)`, shape (..., 3)."""
    totals = check_totals(totals, stat_names)
    return precision_recall_f1(totals[..., 0], totals[..., 1], totals[..., 2])


@dataclass(frozen=True)
class Split:
    """One BUCC split of a language pair: both sides' ids, texts and embeddings, and gold pairs."""

    src_ids: Sequence[Hashable]
    src_texts: Sequence[str]
    src_emb: object  # (n_src, d) array or tensor
    trg_ids: Sequence[Hashable]
    trg_texts: Sequence[str]
    trg_emb: object  # (n_trg, d) array or tensor
    gold: Collection[Pair]


@dataclass(frozen=True)
class Result:
    """Threshold chosen on dev, and the test split's predictions and per-source statistics."""

    threshold: float
    dev_f1: float
    predicted: frozenset
    stats: np.ndarray  # (n_test_src, 3)


def evaluate(dev: Split, test: Split, *, k: int = 4, duplicates: str = "drop", **search) -> Result:
    """Mine both splits, pick the F1-optimal threshold on dev, apply it to test."""

    def mined(split: Split) -> dict[Pair, float]:
        return candidates(
            split.src_ids, split.src_texts, split.src_emb, split.trg_ids, split.trg_texts,
            split.trg_emb, k=k, duplicates=duplicates, **search,
        )

    dev_candidates = mined(dev)
    threshold = optimize_threshold(dev_candidates, dev.gold)
    dev_stats = stats(extract(dev_candidates, threshold), dev.gold, dev.src_ids)
    predicted = extract(mined(test), threshold)
    return Result(
        threshold=threshold,
        dev_f1=aggregate(dev_stats.sum(axis=0))["f1"],
        predicted=frozenset(predicted),
        stats=stats(predicted, test.gold, test.src_ids),
    )


def _unify_side(side: str, ids: Sequence, texts: Sequence[str], emb) -> np.ndarray:
    n_emb = len(emb)
    if not len(ids) == len(texts) == n_emb:
        raise AblateError(
            f"BUCC {side} side has {len(ids)} ids, {len(texts)} texts and {n_emb} embeddings; "
            "they must align one to one."
        )
    if len(set(ids)) != len(ids):
        raise AblateError(f"BUCC {side} sentence ids must be unique.")
    return unify(texts)


def _ids_of_unique(ids: Sequence, inds: np.ndarray, duplicates: str) -> dict[int, list]:
    """Unique-text index → the sentence ids it stands for ('drop': only texts with one id)."""
    grouped: dict[int, list] = {}
    for sentence_id, u in zip(ids, inds.tolist()):
        grouped.setdefault(u, []).append(sentence_id)
    if duplicates == "drop":
        return {u: group for u, group in grouped.items() if len(group) == 1}
    return grouped
