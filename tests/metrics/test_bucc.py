"""BUCC mining, threshold choice and F1 — against a loop-by-loop re-implementation of XTREME's."""

from __future__ import annotations

import numpy as np
import pytest

from ablate.errors import AblateError
from ablate.metrics import bucc


def reference_candidates(src_ids, src_texts, x, trg_ids, trg_texts, y, k=4):
    """XTREME's mine_bitext (retrieval='max', ratio margin) + read_candidate2score, in loops."""

    def unify(texts):
        index, inds = {}, []
        for t in texts:
            inds.append(index.setdefault(t, len(index)))
        last = {u: i for i, u in enumerate(inds)}
        return [texts[last[u]] for u in range(len(index))], [last[u] for u in range(len(index))]

    src_unique, src_rows = unify(src_texts)
    trg_unique, trg_rows = unify(trg_texts)
    xu = x[src_rows] / np.linalg.norm(x[src_rows], axis=1, keepdims=True)
    yu = y[trg_rows] / np.linalg.norm(y[trg_rows], axis=1, keepdims=True)
    sim = xu @ yu.T
    kx, ky = min(k, len(yu)), min(k, len(xu))
    knn_x = [sorted(range(len(yu)), key=lambda j: (-sim[i, j], j))[:kx] for i in range(len(xu))]
    knn_y = [sorted(range(len(xu)), key=lambda i: (-sim[i, j], i))[:ky] for j in range(len(yu))]
    mean_x = [np.mean([sim[i, j] for j in knn_x[i]]) for i in range(len(xu))]
    mean_y = [np.mean([sim[i, j] for i in knn_y[j]]) for j in range(len(yu))]

    def margin(i, j):
        return sim[i, j] / ((mean_x[i] + mean_y[j]) / 2)

    entries = []
    for i in range(len(xu)):
        j = max(knn_x[i], key=lambda j: (margin(i, j), -knn_x[i].index(j)))
        entries.append((margin(i, j), i, j))
    for j in range(len(yu)):
        i = max(knn_y[j], key=lambda i: (margin(i, j), -knn_y[j].index(i)))
        entries.append((margin(i, j), i, j))
    order = sorted(range(len(entries)), key=lambda e: -entries[e][0])
    seen_i, seen_j, mined = set(), set(), []
    for e in order:
        score, i, j = entries[e]
        if i not in seen_i and j not in seen_j:
            seen_i.add(i)
            seen_j.add(j)
            if score > 0:
                mined.append((score, src_unique[i], trg_unique[j]))

    def sent2id(ids, texts):
        mapping, repeated = {}, set()
        for sid, t in zip(ids, texts):
            if t in mapping:
                repeated.add(t)
            else:
                mapping[t] = sid
        return {t: sid for t, sid in mapping.items() if t not in repeated}

    s2id, t2id = sent2id(src_ids, src_texts), sent2id(trg_ids, trg_texts)
    return {(s2id[s], t2id[t]): score for score, s, t in mined if s in s2id and t in t2id}


def reference_optimize(cand2score, gold):
    """XTREME's bucc_optimize (which would raise IndexError when the last cut is best)."""
    items = sorted(cand2score.items(), key=lambda item: -item[1])
    nextract = ncorrect = 0
    threshold = best_f1 = 0
    for i in range(len(items)):
        nextract += 1
        ncorrect += items[i][0] in gold
        if ncorrect > 0:
            p, r = ncorrect / nextract, ncorrect / len(gold)
            f1 = 2 * p * r / (p + r)
            if f1 > best_f1:
                best_f1 = f1
                threshold = (items[i][1] + items[i + 1][1]) / 2
    return threshold


def reference_f1(predicted, gold):
    correct = len(set(gold) & set(predicted))
    if correct == 0:
        return 0.0
    p, r = correct / len(predicted), correct / len(gold)
    return 100 * 2 * p * r / (p + r)


def planted_split(rng, n_pairs=30, n_src_extra=10, n_trg_extra=15, dim=32, noise=0.05, tag=""):
    """Parallel sentences with near-identical embeddings plus unaligned sentences on both sides."""
    base = rng.normal(size=(n_pairs, dim))
    src_emb = np.vstack(
        [base + noise * rng.normal(size=base.shape), rng.normal(size=(n_src_extra, dim))]
    )
    trg_base = base + noise * rng.normal(size=base.shape)
    trg_emb = np.vstack([trg_base, rng.normal(size=(n_trg_extra, dim))])
    src_perm, trg_perm = rng.permutation(len(src_emb)), rng.permutation(len(trg_emb))
    src_ids = [f"de{tag}-{i:06d}" for i in range(len(src_emb))]
    trg_ids = [f"en{tag}-{i:06d}" for i in range(len(trg_emb))]
    src_pos, trg_pos = np.argsort(src_perm), np.argsort(trg_perm)  # where each original row went
    gold = {(src_ids[src_pos[i]], trg_ids[trg_pos[i]]) for i in range(n_pairs)}
    return bucc.Split(
        src_ids=src_ids, src_texts=[f"s{tag}{i}" for i in src_perm], src_emb=src_emb[src_perm],
        trg_ids=trg_ids, trg_texts=[f"t{tag}{i}" for i in trg_perm], trg_emb=trg_emb[trg_perm],
        gold=gold,
    )


def test_planted_pairs_are_found_with_f1_100():
    rng = np.random.default_rng(0)
    dev, test = planted_split(rng, tag="d"), planted_split(rng, n_pairs=40, tag="t")
    result = bucc.evaluate(dev, test)
    assert result.dev_f1 == 100.0
    assert result.predicted == frozenset(test.gold)
    assert result.stats.shape == (len(test.src_ids), 3)
    assert bucc.aggregate(result.stats.sum(axis=0))["f1"] == 100.0


def test_candidates_match_reference_on_random_data_with_duplicates():
    for seed in range(8):
        rng = np.random.default_rng(seed)
        n_src, n_trg = int(rng.integers(3, 25)), int(rng.integers(3, 25))
        src_texts = [f"s{rng.integers(0, n_src)}" for _ in range(n_src)]  # some repeated texts
        trg_texts = [f"t{rng.integers(0, n_trg)}" for _ in range(n_trg)]
        # identical texts get identical embeddings, as an encoder would give them
        src_vec = {t: rng.normal(size=6) for t in set(src_texts)}
        trg_vec = {t: rng.normal(size=6) for t in set(trg_texts)}
        x = np.array([src_vec[t] for t in src_texts])
        y = np.array([trg_vec[t] for t in trg_texts])
        src_ids, trg_ids = [f"x{i}" for i in range(n_src)], [f"y{i}" for i in range(n_trg)]
        got = bucc.candidates(src_ids, src_texts, x, trg_ids, trg_texts, y)
        want = reference_candidates(src_ids, src_texts, x, trg_ids, trg_texts, y)
        assert got.keys() == want.keys(), seed
        for pair in want:
            assert got[pair] == pytest.approx(want[pair], rel=1e-5)
        gold = set(list(want)[::2]) | {("x0", "y1")}
        if reference_optimize_safe(want, gold):
            assert bucc.optimize_threshold(got, gold) == pytest.approx(
                reference_optimize(want, gold), rel=1e-5
            )


def reference_optimize_safe(cand2score, gold):
    try:
        reference_optimize(cand2score, gold)
        return True
    except IndexError:
        return False


def test_margin_by_hand():
    # 2 × 2 with k = 2: every k-NN list is the whole other side.
    x = np.array([[1.0, 0.0], [0.6, 0.8]])
    y = np.array([[1.0, 0.0], [0.0, 1.0]])
    # cos = [[1, 0], [0.6, 0.8]]; k-NN means: x → [0.5, 0.7], y → [0.8, 0.4]
    score_00 = 1.0 / ((0.5 + 0.8) / 2)  # 1.538
    score_10 = 0.6 / ((0.7 + 0.8) / 2)  # 0.8, loses to (1, 1) for both sentences
    score_11 = 0.8 / ((0.7 + 0.4) / 2)  # 1.455
    assert score_11 > score_10
    assert bucc.mine(x, y, k=2) == [
        (pytest.approx(score_00), 0, 0),
        (pytest.approx(score_11), 1, 1),
    ]
    # a threshold above a pair's score drops it, but its sentences stay taken
    assert bucc.mine(x, y, k=2, threshold=1.5) == [(pytest.approx(score_00), 0, 0)]


def test_threshold_search_picks_the_f1_optimum():
    scores = {("a", "1"): 1.5, ("b", "2"): 1.4, ("c", "9"): 1.3, ("d", "4"): 1.2, ("e", "9"): 1.1}
    gold = {("a", "1"), ("b", "2"), ("d", "4")}
    # F1 after each cut: 2/4, 4/5, 4/6, 6/7 (best), 6/8 → midway between 1.2 and 1.1
    threshold = bucc.optimize_threshold(scores, gold)
    assert threshold == pytest.approx(1.15)
    assert threshold == pytest.approx(reference_optimize(scores, gold))
    predicted = bucc.extract(scores, threshold)
    assert predicted == {("a", "1"), ("b", "2"), ("c", "9"), ("d", "4")}
    rows = bucc.stats(predicted, gold, ["a", "b", "c", "d", "e", "f"])
    assert rows.tolist() == [[1, 1, 1], [1, 1, 1], [0, 1, 0], [1, 1, 1], [0, 0, 0], [0, 0, 0]]
    assert bucc.aggregate(rows.sum(axis=0))["f1"] == pytest.approx(100 * 6 / 7)
    assert bucc.aggregate(rows.sum(axis=0))["f1"] == pytest.approx(reference_f1(predicted, gold))


def test_threshold_when_the_last_cut_is_best_and_when_nothing_is_right():
    scores = {("a", "1"): 2.0, ("b", "2"): 1.0}
    assert bucc.optimize_threshold(scores, {("a", "1"), ("b", "2")}) == 1.0  # XTREME: IndexError
    assert bucc.optimize_threshold(scores, {("z", "9")}) == 0.0


def test_dedup_drop_vs_all():
    x = np.array([[1.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    y = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    src_ids, src_texts = ["d1", "d2", "d3"], ["hallo", "hallo", "welt"]
    trg_ids, trg_texts = ["e1", "e2", "e3"], ["hello", "world", "other"]
    assert bucc.unify(src_texts).tolist() == [0, 0, 1]
    dropped = bucc.candidates(src_ids, src_texts, x, trg_ids, trg_texts, y)
    assert set(dropped) == {("d3", "e2")}  # 'hallo' has two ids: XTREME drops it
    kept = bucc.candidates(src_ids, src_texts, x, trg_ids, trg_texts, y, duplicates="all")
    assert set(kept) == {("d1", "e1"), ("d2", "e1"), ("d3", "e2")}  # jiant pairs every id


def test_bad_input_is_explained():
    with pytest.raises(AblateError, match="2 ids, 2 texts and 3 embeddings"):
        bucc.candidates(["a", "b"], ["x", "y"], np.ones((3, 2)), ["c"], ["z"], np.ones((1, 2)))
    with pytest.raises(AblateError, match="Unknown duplicates policy 'keep'"):
        one = np.ones((1, 2))
        bucc.candidates(["a"], ["x"], one, ["c"], ["z"], one, duplicates="keep")
    with pytest.raises(AblateError, match="not among the source sentence ids"):
        bucc.stats({("q", "1")}, set(), ["a"])
