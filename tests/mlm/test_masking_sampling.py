"""MLM masking (15 %, 80/10/10, specials never masked), packing of whole examples, and the
size-smoothed language sampler against its target distribution."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from ablate.mlm import masking as M
from ablate.mlm.sampling import LanguageSampler, smoothed_shares, split_budget

SPECIALS = (0, 1, 2, 3, 4)  # <s> <pad> </s> <unk> <mask> as in the tiny model
MASK = 4
VOCAB = 4000


def _batch(rng, n=400, length=256):
    """Random sequences with <s> ... </s> and right padding of random length."""
    ids = rng.integers(5, VOCAB, size=(n, length))
    lengths = rng.integers(length // 2, length + 1, size=n)
    for i, n_tok in enumerate(lengths):
        ids[i, 0], ids[i, n_tok - 1] = 0, 2
        ids[i, n_tok:] = 1
    return ids


def _within(count, n, p, z=4.5):
    """count ~ Binomial(n, p) within z standard deviations (false alarm < 1e-5)."""
    return abs(count - n * p) <= z * np.sqrt(n * p * (1 - p))


def test_masking_rates_are_15_percent_and_80_10_10():
    rng = np.random.default_rng(0)
    ids = _batch(rng)
    special = M.special_mask(ids, SPECIALS)
    candidates = M.replacement_candidates(VOCAB, SPECIALS)
    inputs, labels = M.mask_tokens(ids, special, MASK, candidates, rng)
    eligible = int((~special).sum())
    selected = labels != M.IGNORE
    assert eligible > 50_000
    assert _within(int(selected.sum()), eligible, 0.15)
    n_sel = int(selected.sum())
    masked = selected & (inputs == MASK)
    unchanged = selected & (inputs == ids)
    replaced = selected & (inputs != MASK) & (inputs != ids)
    assert _within(int(masked.sum()), n_sel, 0.8)
    # a random replacement can draw the original id (1 in |candidates|): it counts as unchanged
    p_same = 0.1 / len(candidates)
    assert _within(int(unchanged.sum()), n_sel, 0.1 + p_same)
    assert _within(int(replaced.sum()), n_sel, 0.1 - p_same)
    assert np.array_equal(labels[selected], ids[selected])
    assert np.array_equal(inputs[~selected], ids[~selected])  # nothing else touched


def test_special_tokens_are_never_masked_nor_drawn_as_replacements():
    rng = np.random.default_rng(1)
    ids = _batch(rng, n=200, length=64)
    special = M.special_mask(ids, SPECIALS)
    inputs, labels = M.mask_tokens(ids, special, MASK, M.replacement_candidates(VOCAB, SPECIALS), rng)
    assert (labels[special] == M.IGNORE).all()
    assert np.array_equal(inputs[special], ids[special])
    replaced = (labels != M.IGNORE) & (inputs != MASK) & (inputs != ids)
    assert replaced.any() and not np.isin(inputs[replaced], SPECIALS).any()


def test_pack_keeps_examples_whole_and_within_max_length():
    docs = [[10] * 5, [11] * 3, [12] * 7, [13] * 20, [14] * 2]
    packed = M.pack(docs, max_length=12, bos=0, eos=2)
    assert all(len(s) <= 12 and s[0] == 0 and s[-1] == 2 for s in packed)
    flat = [t for s in packed for t in s if t not in (0, 2)]
    assert sorted(flat) == sorted(t for d in docs for t in d)  # every token once
    for doc in (docs[0], docs[1], docs[2], docs[4]):  # short docs never split
        assert sum(s.count(doc[0]) == len(doc) for s in packed) == 1
    assert packed[0] == [0, *[10] * 5, 2, *[11] * 3, 2]  # two whole examples joined by </s>
    assert [len(s) for s in packed if 13 in s] == [12, 12]  # the 20-token doc: 10 + 10


def test_smoothed_shares_follow_the_formula():
    sizes = {"en": 1000.0, "de": 100.0, "sw": 1.0}
    q = smoothed_shares(sizes, 0.3)
    p = np.array([1000, 100, 1]) / 1101
    expected = p ** 0.3 / (p ** 0.3).sum()
    assert np.allclose(list(q.values()), expected)
    assert smoothed_shares(sizes, 0.0) == pytest.approx({k: 1 / 3 for k in sizes})
    assert smoothed_shares(sizes, 1.0) == pytest.approx({k: v / 1101 for k, v in sizes.items()})
    assert q["sw"] > 1 / 1101  # small languages are raised
    budget = split_budget(q, 1001)
    assert sum(budget.values()) == 1001 and all(abs(budget[k] - q[k] * 1001) < 1 for k in q)


@pytest.mark.parametrize("alpha", [0.3, 0.7, 1.0])
def test_language_sampler_matches_the_smoothed_distribution(alpha):
    sizes = {"en": 6.4e9, "de": 2.1e9, "fr": 1.8e9, "sw": 3.0e7, "ur": 1.5e8, "th": 4.0e8}
    q = smoothed_shares(sizes, alpha)
    draws = LanguageSampler(q, seed=7).draw(60_000)
    observed = np.array([draws.count(lang) for lang in q])
    expected = np.array(list(q.values())) * len(draws)
    assert stats.chisquare(observed, expected).pvalue > 1e-4
    # and a wrong target (unsmoothed p) is rejected: the test can fail
    p = np.array(list(sizes.values())) / sum(sizes.values())
    if alpha < 1:
        assert stats.chisquare(observed, p * len(draws)).pvalue < 1e-6


def test_mlm_batches_draw_languages_by_the_shares_and_mask_them():
    """The objective's batch stream: languages per sequence ~ q (chi-square on its own record of
    draws and on the token content), masked positions only, every sequence from its language."""
    from ablate.mlm.objective import MlmObjective

    class Tok:  # the four things the objective reads from a tokenizer
        all_special_ids, mask_token_id, pad_token_id = list(SPECIALS), MASK, 1

        def __len__(self):
            return VOCAB

    # language i's sequences use only ids from its own range, so a sequence's language is visible
    ranges = {"de": 1000, "sw": 2000, "hi": 3000}
    rng = np.random.default_rng(3)
    sequences = {lang: [[0, *rng.integers(base, base + 900, 20).tolist(), 2] for _ in range(5)]
                 for lang, base in ranges.items()}
    shares = {"de": 0.6, "sw": 0.1, "hi": 0.3}
    objective = MlmObjective(None, Tok(), sequences, shares, batch_size=8, grad_accum=1)
    stream = objective.batches(seed=5)
    seen = dict.fromkeys(shares, 0)
    for _ in range(1000):
        batch = next(stream)
        ids, labels = batch["input_ids"].numpy(), batch["labels"].numpy()
        original = np.where(labels != M.IGNORE, labels, ids)
        for row in original:
            lang = next(lang for lang, base in ranges.items() if base <= row[1] < base + 900)
            seen[lang] += 1
        assert (labels[:, [0, -1]] == M.IGNORE).all()  # <s>, </s> never predicted
    assert seen == dict(objective.drawn)
    expected = np.array(list(shares.values())) * 8000
    assert stats.chisquare(list(seen.values()), expected).pvalue > 1e-4
    assert objective.realised_shares() == pytest.approx({k: v / 8000 for k, v in seen.items()})
