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
