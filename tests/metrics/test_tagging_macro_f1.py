"""Macro-F1 for tagging (PAN-X, UD-POS) against independent implementations on shared inputs.

PAN-X: seqeval 1.x's own `f1_score(average='macro')`, and scikit-learn's macro F1 over the
per-entity decisions (one decision per span that is a gold or predicted chunk).
UD-POS (0.0.12 chunks, one type per UPOS tag): scikit-learn's per-token macro F1 on sentences
whose neighbouring tags differ (then every chunk is one token), and a hand-worked example where
they do not (a run of equal tags is one chunk, as the headline f1 counts it).
"""

from __future__ import annotations

import random
import warnings

import numpy as np
import pytest
from datasets import Dataset
from seqeval.metrics import f1_score as seqeval_f1_score
from seqeval.metrics.sequence_labeling import get_entities
from sklearn.metrics import f1_score as sklearn_f1_score

from ablate.errors import AblateError
from ablate.metrics import seqeval_f1
from ablate.tasks import get_task
from ablate.tasks import tagging as fmt
from ablate.tasks.tagging_tasks import PANX, UPOS

from tests.metrics.test_seqeval_f1 import bio_sentence, perturb


def macro(task: str, y_true, y_pred) -> float:
    """ablate's macro_f1 through the tagging format (gold given as tag strings)."""
    spec = get_task(task)
    ds = Dataset.from_dict({"tokens": [list(s) for s in y_true], "tags": [list(s) for s in y_true]})
    stats = fmt.example_stats(ds, y_pred, spec, "xx")
    assert stats.shape == (len(y_true), len(fmt.stat_names(spec)))
    return fmt.aggregate(stats.sum(0), spec)["macro_f1"]


def entity_decisions(y_true, y_pred) -> tuple[list[str], list[str]]:
    """One decision per span that is a gold or a predicted entity: (gold type, predicted type),
    'none' where that side has no entity on the span (seqeval 1.x chunks)."""
    gold = {(s, e): t for t, s, e in get_entities([list(x) for x in y_true])}
    pred = {(s, e): t for t, s, e in get_entities([list(x) for x in y_pred])}
    spans = sorted(set(gold) | set(pred))
    return [gold.get(s, "none") for s in spans], [pred.get(s, "none") for s in spans]


def panx_corpus(seed: int):
    rng = random.Random(seed)
    y_true = [[t for t in bio_sentence(rng)] for _ in range(rng.randint(1, 30))]
    y_pred = [[t if t in PANX else "O" for t in perturb(rng, s, bio_sentence)] for s in y_true]
    return y_true, y_pred


@pytest.mark.parametrize("seed", range(40))
def test_panx_macro_f1_equals_seqeval_and_sklearn_on_entity_decisions(seed):
    y_true, y_pred = panx_corpus(seed)
    ours = macro("panx", y_true, y_pred)
    if not get_entities(y_true) and not get_entities(y_pred):
        assert np.isnan(ours)  # no type occurs: no mean to take (seqeval would divide by zero)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert ours == pytest.approx(100 * seqeval_f1_score(y_true, y_pred, average="macro"), abs=1e-9)
        gold, pred = entity_decisions(y_true, y_pred)
        types = sorted(({*gold, *pred}) - {"none"})
        reference = sklearn_f1_score(gold, pred, labels=types, average="macro", zero_division=0)
    assert ours == pytest.approx(100 * reference, abs=1e-9)


def upos_sentence_without_repeats(rng: random.Random) -> list[str]:
    tags: list[str] = []
    for _ in range(rng.randint(1, 12)):
        tags.append(rng.choice([t for t in UPOS if not tags or t != tags[-1]]))
    return tags


def upos_prediction(rng: random.Random, gold: list[str]) -> list[str]:
    """Keep a tag with probability 0.6, else another tag or the abstention 'O' (a truncated
    word), never repeating the previous predicted tag."""
    pred: list[str] = []
    for tag in gold:
        choice = tag if rng.random() < 0.6 else rng.choice(UPOS + ("O",))
        if pred and choice == pred[-1] and choice != "O":
            choice = "O"
        pred.append(choice)
    return pred


@pytest.mark.parametrize("seed", range(40))
def test_udpos_macro_f1_equals_sklearn_per_token_when_every_chunk_is_one_token(seed):
    rng = random.Random(seed)
    y_true = [upos_sentence_without_repeats(rng) for _ in range(rng.randint(1, 25))]
    y_pred = [upos_prediction(rng, s) for s in y_true]
    flat_true = [t for s in y_true for t in s]
    flat_pred = [t for s in y_pred for t in s]
    types = sorted({*flat_true, *flat_pred} - {"O"})
    reference = sklearn_f1_score(flat_true, flat_pred, labels=types, average="macro", zero_division=0)
    assert macro("udpos", y_true, y_pred) == pytest.approx(100 * reference, abs=1e-9)


def test_udpos_macro_f1_by_hand_uses_the_headline_chunks():
    # seqeval 0.0.12 chunks: gold NOUN[0-1], VERB[2]; predicted NOUN[0], ADJ[1], VERB[2].
    # F1: NOUN 0 (span differs), VERB 100, ADJ 0 -> macro 100/3. Micro f1: tp 1, 3 pred, 2 gold -> 40.
    # (Per-token F1 would give NOUN 2/3, ADJ 0, VERB 1 -> 55.6: not the headline's chunks.)
    y_true, y_pred = [["NOUN", "NOUN", "VERB"]], [["NOUN", "ADJ", "VERB"]]
    spec = get_task("udpos")
    ds = Dataset.from_dict({"tokens": y_true, "tags": y_true})
    scores = fmt.aggregate(fmt.example_stats(ds, y_pred, spec, "en").sum(0), spec)
    assert scores["macro_f1"] == pytest.approx(100 / 3)
    assert scores["f1"] == pytest.approx(40.0)


def test_panx_macro_f1_by_hand():
    # gold PER[0-1], LOC[3]; predicted PER[0-1], ORG[3] -> PER 100, LOC 0, ORG 0 -> 33.3
    y_true = [["B-PER", "I-PER", "O", "B-LOC"]]
    y_pred = [["B-PER", "I-PER", "O", "B-ORG"]]
    assert macro("panx", y_true, y_pred) == pytest.approx(100 / 3)


@pytest.mark.parametrize("task", ["panx", "udpos"])
def test_type_columns_sum_to_the_micro_counts_and_bootstrap_rows_vectorise(task):
    spec = get_task(task)
    rng = random.Random(7)
    if task == "panx":
        y_true, y_pred = panx_corpus(3)
    else:
        y_true = [[rng.choice(UPOS) for _ in range(rng.randint(1, 10))] for _ in range(30)]
        y_pred = [[t if rng.random() < 0.7 else rng.choice(UPOS) for t in s] for s in y_true]
    ds = Dataset.from_dict({"tokens": y_true, "tags": y_true})
    stats = fmt.example_stats(ds, y_pred, spec, "en")
    k = 6 if task == "udpos" else 3
    per_type = stats[:, k:].reshape(len(y_true), -1, 3)
    assert np.array_equal(per_type.sum(axis=1), stats[:, :3])  # micro = sum over types, per sentence
    weights = np.random.default_rng(0).multinomial(len(y_true), np.full(len(y_true), 1 / len(y_true)), size=5)
    replicated = fmt.aggregate(weights @ stats, spec)["macro_f1"]
    one_by_one = [fmt.aggregate(w @ stats, spec)["macro_f1"] for w in weights]
    assert replicated.shape == (5,) and np.allclose(replicated, one_by_one)


def test_types_are_read_as_the_primary_seqeval_version_reads_them():
    assert seqeval_f1.chunk_types(PANX, "1") == ("PER", "ORG", "LOC")
    assert seqeval_f1.chunk_types(UPOS, "0.0.12") == UPOS
    assert fmt.stat_names(get_task("panx"))[3:6] == ("tp:PER", "pred:PER", "gold:PER")
    assert "tp:NOUN" in fmt.stat_names(get_task("udpos"))
    assert "macro_f1" not in fmt.aggregate(np.ones(3), get_task("ccg"))  # token accuracy: no types


def test_a_chunk_type_outside_the_types_is_one_clear_error():
    with pytest.raises(AblateError, match=r"Chunk type\(s\) \['MISC'\] are not among the macro-F1 types"):
        seqeval_f1.type_stats([["B-MISC"]], [["O"]], ("PER", "ORG", "LOC"))


@pytest.mark.slow
def test_udpos_macro_f1_equals_per_type_f1_of_the_real_seqeval_0_0_12_chunks(seqeval_0_0_12):
    """Per-type F1 from seqeval 0.0.12's own `get_entities` (downloaded from PyPI, not installed),
    averaged over the types present, on random UPOS corpora with repeated tags."""
    old = seqeval_0_0_12
    for seed in range(40):
        rng = random.Random(seed)
        y_true = [[rng.choice(UPOS + ("NOUN", "NOUN", "X")) for _ in range(rng.randint(1, 10))]
                  for _ in range(rng.randint(1, 25))]
        y_pred = [[t if rng.random() < 0.7 else rng.choice(UPOS) for t in s] for s in y_true]
        gold, pred = set(old.get_entities(y_true)), set(old.get_entities(y_pred))
        f1 = []
        for t in sorted({c[0] for c in gold | pred}):
            g, p = {c for c in gold if c[0] == t}, {c for c in pred if c[0] == t}
            f1.append(2 * len(g & p) / (len(g) + len(p)))
        assert macro("udpos", y_true, y_pred) == pytest.approx(100 * np.mean(f1), abs=1e-9)
