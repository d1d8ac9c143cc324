"""Per-sentence chunk counts whose sums reproduce seqeval's default f1_score exactly."""

from __future__ import annotations

import random
import warnings

import numpy as np
import pytest
from seqeval.metrics import f1_score, precision_score, recall_score
from seqeval.metrics.sequence_labeling import get_entities

from ablate.errors import AblateError
from ablate.metrics import seqeval_f1

UPOS = ("ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM", "PART", "PRON",
        "PROPN", "PUNCT", "SCONJ", "SYM", "VERB", "X")
NER_TYPES = ("PER", "LOC", "ORG")


def bio_sentence(rng: random.Random) -> list[str]:
    """Well-formed IOB2 tags."""
    tags, inside = [], None
    for _ in range(rng.randint(0, 12)):
        r = rng.random()
        if r < 0.5:
            tags.append("O")
            inside = None
        elif r < 0.75 or inside is None:
            inside = rng.choice(NER_TYPES)
            tags.append(f"B-{inside}")
        else:
            tags.append(f"I-{inside}")
    return tags


def noisy_sentence(rng: random.Random) -> list[str]:
    """Anything goes: I- without B-, type switches, E-/S- tags, bare prefixes (IOB1-ish noise)."""
    prefixes = ("B-", "I-", "E-", "S-", "")
    return [
        "O" if rng.random() < 0.3 else rng.choice(prefixes) + rng.choice(NER_TYPES + ("B", "I"))
        for _ in range(rng.randint(0, 10))
    ]


def upos_sentence(rng: random.Random) -> list[str]:
    # X is over-represented so that '_'-type chunks running across sentences are exercised.
    return [rng.choice(UPOS + ("X", "X", "NOUN")) for _ in range(rng.randint(0, 10))]


def perturb(rng: random.Random, gold: list[str], make) -> list[str]:
    """A prediction: each tag kept with probability 0.7, otherwise resampled."""
    pool = make(rng) or ["O"]
    return [t if rng.random() < 0.7 else rng.choice(pool) for t in gold]


def seqeval_scores(y_true, y_pred) -> tuple[float, float, float]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return (
            100 * precision_score(y_true, y_pred),
            100 * recall_score(y_true, y_pred),
            100 * f1_score(y_true, y_pred),
        )


@pytest.mark.parametrize("make", [bio_sentence, noisy_sentence, upos_sentence])
def test_equals_seqeval_on_random_corpora(make):
    for seed in range(60):
        rng = random.Random(seed)
        y_true = [make(rng) for _ in range(rng.randint(1, 25))]
        y_pred = [perturb(rng, sentence, make) for sentence in y_true]
        rows = seqeval_f1.stats(y_true, y_pred)
        assert rows.shape == (len(y_true), 3)
        got = seqeval_f1.aggregate(rows.sum(axis=0))
        precision, recall, f1 = seqeval_scores(y_true, y_pred)
        assert got["precision"] == pytest.approx(precision, rel=1e-12, abs=1e-12)
        assert got["recall"] == pytest.approx(recall, rel=1e-12, abs=1e-12)
        assert got["f1"] == pytest.approx(f1, rel=1e-12, abs=1e-12), (seed, y_true, y_pred)


@pytest.mark.parametrize("make", [bio_sentence, noisy_sentence, upos_sentence])
def test_chunks_equal_seqeval_get_entities(make):
    rng = random.Random(7)
    for _ in range(200):
        tags = [t for _ in range(3) for t in make(rng)]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert seqeval_f1.chunks(tags) == get_entities(tags)


def test_upos_tags_as_seqeval_reads_them():
    assert seqeval_f1.split_tag("NOUN") == ("N", "OUN")
    assert seqeval_f1.split_tag("X") == ("X", "_")
    assert seqeval_f1.split_tag("B-PER") == ("B", "PER")
    # a run of equal POS tags is ONE chunk; SCONJ starts with S, so it is a single-token chunk
    assert seqeval_f1.chunks(["NOUN", "NOUN", "VERB", "SCONJ", "SCONJ"]) == [
        ("OUN", 0, 1), ("ERB", 2, 2), ("CONJ", 3, 3), ("CONJ", 4, 4),
    ]


def test_x_chunk_runs_across_sentences_and_is_credited_where_it_starts():
    y_true = [["NOUN", "X"], ["X", "VERB"]]
    y_pred = [["NOUN", "X"], ["X", "NOUN"]]
    # flattened: NOUN X O X VERB O; the X chunk spans positions 1..3 (through the separator)
    flat, _ = seqeval_f1.flatten(y_true)
    assert ("_", 1, 3) in seqeval_f1.chunks(flat)
    rows = seqeval_f1.stats(y_true, y_pred)
    assert rows.tolist() == [[2, 2, 2], [0, 1, 1]]
    f1 = seqeval_f1.aggregate(rows.sum(axis=0))["f1"]
    assert f1 == pytest.approx(seqeval_scores(y_true, y_pred)[2])


def test_unclosed_x_chunk_at_corpus_end_is_dropped_like_seqeval():
    rows = seqeval_f1.stats([["NOUN", "X"]], [["NOUN", "X"]])
    assert rows.tolist() == [[1, 1, 1]]


def test_by_hand_bio():
    y_true = [["B-PER", "I-PER", "O", "B-LOC"], ["O", "B-ORG"]]
    y_pred = [["B-PER", "I-PER", "O", "B-ORG"], ["O", "B-ORG"]]
    rows = seqeval_f1.stats(y_true, y_pred)
    assert rows.tolist() == [[1, 2, 2], [1, 1, 1]]
    assert seqeval_f1.aggregate(rows.sum(axis=0))["f1"] == pytest.approx(200 * 2 / 6)


def test_no_chunks_scores_zero():
    assert seqeval_f1.aggregate(seqeval_f1.stats([["O"]], [["O"]]).sum(axis=0))["f1"] == 0.0


def test_length_mismatch_is_explained():
    with pytest.raises(AblateError, match="Sentence 0 has 2 gold tags but 1 predicted"):
        seqeval_f1.stats([["O", "O"]], [["O"]])
    with pytest.raises(AblateError, match="1 gold sentences but 2"):
        seqeval_f1.stats([["O"]], [["O"], ["O"]])


def test_bootstrap_rows_are_vectorised():
    rng = random.Random(3)
    y_true = [bio_sentence(rng) for _ in range(30)]
    y_pred = [perturb(rng, s, bio_sentence) for s in y_true]
    rows = seqeval_f1.stats(y_true, y_pred)
    weights = np.random.default_rng(0).multinomial(len(rows), np.full(len(rows), 1 / len(rows)), 5)
    batch = seqeval_f1.aggregate(weights @ rows)
    assert batch["f1"].shape == (5,)
    # a resample of whole sentences, scored by seqeval itself (BIO chunks never cross sentences)
    for b in range(5):
        resample = [i for i in range(len(rows)) for _ in range(weights[b, i])]
        f1 = seqeval_scores([y_true[i] for i in resample], [y_pred[i] for i in resample])[2]
        assert batch["f1"][b] == pytest.approx(f1, rel=1e-12, abs=1e-12)


# --- seqeval 0.0.12 (XTREME's 2020 leaderboard) ---------------------------------------------
# Expected outputs below were written down by hand from seqeval 0.0.12's `get_entities`
# (type = text after the last '-', prefix = first character; same start/end rules as 1.x).
OLD = "0.0.12"


def test_old_seqeval_reads_the_whole_pos_tag_as_its_type():
    assert seqeval_f1.split_tag("NOUN", OLD) == ("N", "NOUN")
    assert seqeval_f1.split_tag("X", OLD) == ("X", "X")
    assert seqeval_f1.split_tag("O", OLD) == ("O", "O")
    assert seqeval_f1.split_tag("B-PER", OLD) == ("B", "PER")


@pytest.mark.parametrize("tags,old,new", [
    # the example: one chunk under 1.x (CCONJ's chunk is overwritten by SCONJ's S-start)
    (["CCONJ", "SCONJ"], [("CCONJ", 0, 0), ("SCONJ", 1, 1)], [("CONJ", 1, 1)]),
    (["NOUN", "NOUN", "VERB"], [("NOUN", 0, 1), ("VERB", 2, 2)], [("OUN", 0, 1), ("ERB", 2, 2)]),
    # 'O' closes an X run under 0.0.12; under 1.x both have type '_' and the chunk is dropped
    (["X", "O"], [("X", 0, 0)], []),
    (["SYM", "SYM"], [("SYM", 0, 0), ("SYM", 1, 1)], [("YM", 0, 0), ("YM", 1, 1)]),
])
def test_old_and_new_chunking_of_pos_tags_by_hand(tags, old, new):
    assert seqeval_f1.chunks(tags, OLD) == old
    assert seqeval_f1.chunks(tags, "1") == new
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert get_entities(tags) == new  # the installed seqeval is 1.x


def test_old_and_new_f1_differ_on_the_same_pos_predictions_by_hand():
    y_true = [["CCONJ", "SCONJ", "NOUN"]]
    y_pred = [["SCONJ", "SCONJ", "NOUN"]]
    # 0.0.12: gold {CCONJ0, SCONJ1, NOUN2}, pred {SCONJ0, SCONJ1, NOUN2}: tp 2 of 3 and 3
    assert seqeval_f1.stats(y_true, y_pred, version=OLD).tolist() == [[2, 3, 3]]
    assert seqeval_f1.aggregate([2, 3, 3])["f1"] == pytest.approx(200 / 3)
    # 1.x: gold {CONJ1, OUN2}, pred {CONJ0, CONJ1, OUN2}: tp 2, F1 = 4/5
    assert seqeval_f1.stats(y_true, y_pred, version="1").tolist() == [[2, 3, 2]]
    assert seqeval_scores(y_true, y_pred)[2] == pytest.approx(80.0)


def test_x_run_across_sentences_is_closed_by_the_separator_under_old_seqeval():
    y_true = [["NOUN", "X"], ["X", "VERB"]]
    # 0.0.12: NOUN X | O | X VERB | O -> four chunks, each credited to its own sentence
    assert seqeval_f1.stats(y_true, y_true, version=OLD).tolist() == [[2, 2, 2], [2, 2, 2]]
    assert seqeval_f1.stats([["NOUN", "X"]], [["NOUN", "X"]], version=OLD).tolist() == [[2, 2, 2]]


@pytest.mark.parametrize("seed", range(20))
def test_bio_tags_score_identically_under_both_versions(seed):
    rng = random.Random(seed)
    y_true = [bio_sentence(rng) for _ in range(rng.randint(1, 25))]
    y_pred = [perturb(rng, s, bio_sentence) for s in y_true]
    assert np.array_equal(seqeval_f1.stats(y_true, y_pred, version=OLD), seqeval_f1.stats(y_true, y_pred))


def test_unknown_seqeval_version_is_one_clear_error():
    with pytest.raises(AblateError, match="Unknown seqeval version '0.1'; ablate reproduces 1, 0.0.12"):
        seqeval_f1.stats([["O"]], [["O"]], version="0.1")


@pytest.mark.slow
def test_old_version_equals_the_real_seqeval_0_0_12_from_pypi(seqeval_0_0_12):
    """Download seqeval 0.0.12 (no install: its metrics module needs only numpy) and compare."""
    old = seqeval_0_0_12
    for make in (bio_sentence, noisy_sentence, upos_sentence):
        for seed in range(60):
            rng = random.Random(seed)
            y_true = [make(rng) for _ in range(rng.randint(1, 25))]
            y_pred = [perturb(rng, s, make) for s in y_true]
            rows = seqeval_f1.stats(y_true, y_pred, version=OLD)
            gold, pred = set(old.get_entities(y_true)), set(old.get_entities(y_pred))
            assert rows.sum(axis=0).tolist() == [len(gold & pred), len(pred), len(gold)]
            assert seqeval_f1.aggregate(rows.sum(axis=0))["f1"] == pytest.approx(
                100 * old.f1_score(y_true, y_pred), rel=1e-12, abs=1e-12)
