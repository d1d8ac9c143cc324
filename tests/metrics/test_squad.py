"""SQuAD v1.1 / v2.0 EM and F1: hand-computed cases and a re-implementation of the v1.1 script."""

from __future__ import annotations

import random
import re
import string
from collections import Counter

import numpy as np
import pytest

from ablate.errors import AblateError
from ablate.metrics import squad


def reference_v11(dataset: list[tuple[str, list[str]]]) -> dict:
    """The official v1.1 evaluate() logic, written out independently for the test."""

    def norm(s):
        s = s.lower()
        s = "".join(c for c in s if c not in set(string.punctuation))
        s = re.sub(r"\b(a|an|the)\b", " ", s)
        return " ".join(s.split())

    def f1(pred, gold):
        p, g = norm(pred).split(), norm(gold).split()
        same = sum((Counter(p) & Counter(g)).values())
        if same == 0:
            return 0
        prec, rec = same / len(p), same / len(g)
        return 2 * prec * rec / (prec + rec)

    em_total = f1_total = 0
    for pred, golds in dataset:
        em_total += max(norm(pred) == norm(g) for g in golds)
        f1_total += max(f1(pred, g) for g in golds)
    return {"exact_match": 100.0 * em_total / len(dataset), "f1": 100.0 * f1_total / len(dataset)}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("The  Quick, brown-fox!", "quick brownfox"),
        ("An apple a day", "apple day"),
        ("banana theatre another", "banana theatre another"),  # articles only as whole words
        ("  THE\tend.\n", "end"),
        ("¿Qué tal?", "¿qué tal"),  # only ASCII punctuation is removed
    ],
)
def test_normalize_answer(text, expected):
    assert squad.normalize_answer(text) == expected


def test_token_f1_and_exact_match_by_hand():
    # [cat, sat] vs [cat, sat, on, mat]: precision 1, recall 1/2 → F1 2/3
    assert squad.score_one("the cat sat", ["cat sat on the mat"]) == (0.0, pytest.approx(2 / 3))
    # tokens count with multiplicity: [x x y] vs [x y y] share one x and one y → P = R = 2/3
    assert squad.token_f1("x x y", "x y y") == pytest.approx(2 / 3)
    assert squad.score_one("Eiffel Tower.", ["the eiffel tower"]) == (1.0, 1.0)


def test_max_over_golds():
    em, f1 = squad.score_one("Paris France", ["Lyon", "Paris", "paris, france!"])
    assert (em, f1) == (1.0, 1.0)
    em, f1 = squad.score_one("in Paris", ["Paris", "Lyon"])
    assert em == 0.0 and f1 == pytest.approx(2 / 3)  # [in, paris] vs [paris]: P 1/2, R 1


def test_v11_empty_after_normalisation_matches_but_scores_no_f1():
    assert squad.score_one("a", ["The"]) == (1.0, 0.0)


@pytest.mark.parametrize(
    "prediction, golds, expected",
    [
        ("", [], (1.0, 1.0)),
        ("the", [], (1.0, 1.0)),  # normalises to empty: counts as abstaining
        ("Paris", [], (0.0, 0.0)),
        ("", ["Paris"], (0.0, 0.0)),
        ("", ["the", "an"], (1.0, 1.0)),  # golds normalising to "" are dropped → unanswerable
        ("Paris", ["the", "Paris"], (1.0, 1.0)),
    ],
)
def test_v2_no_answer(prediction, golds, expected):
    assert squad.score_one(prediction, golds, version="2.0") == expected


def test_missing_predictions_follow_each_script():
    golds = [["x"], ["y"]]
    assert squad.stats([None, "y"], golds).tolist() == [[0, 0, 1], [1, 1, 1]]
    assert squad.stats([None, "y"], golds, version="2.0").tolist() == [[0, 0, 0], [1, 1, 1]]


def test_bad_input_is_explained():
    with pytest.raises(AblateError, match="no gold answers"):
        squad.stats(["x"], [[]])
    with pytest.raises(AblateError, match="Unknown SQuAD version"):
        squad.stats(["x"], [["x"]], version="3")
    with pytest.raises(AblateError, match="2 predictions but 1"):
        squad.stats(["x", "y"], [["x"]])


def test_matches_reference_script_on_random_answers():
    rng = random.Random(0)
    vocab = ["the", "a", "an", "The", "cat", "Cat,", "dog", "dog.", "sat", "mat!", "(on)", "x-y"]
    vocab += ["é", "AN", "a.", "the-end"]

    def phrase():
        return " ".join(rng.choice(vocab) for _ in range(rng.randint(1, 5)))

    for _ in range(20):
        dataset = [(phrase(), [phrase() for _ in range(rng.randint(1, 3))]) for _ in range(50)]
        rows = squad.stats([p for p, _ in dataset], [g for _, g in dataset])
        got = squad.aggregate(rows.sum(axis=0))
        want = reference_v11(dataset)
        assert got["exact_match"] == pytest.approx(want["exact_match"], rel=1e-12)
        assert got["f1"] == pytest.approx(want["f1"], rel=1e-12)
        assert got["em_f1"] == pytest.approx((want["exact_match"] + want["f1"]) / 2, rel=1e-12)


def test_aggregate_is_vectorised():
    rows = squad.stats(["a b", "c", "d"], [["a b"], ["c d"], ["e"]])
    weights = np.array([[1, 1, 1], [3, 0, 0], [0, 2, 1]])
    batch = squad.aggregate(weights @ rows)
    for b in range(3):
        one = squad.aggregate(weights[b] @ rows)
        for key in one:
            assert batch[key][b] == pytest.approx(one[key])
    assert batch["exact_match"][1] == 100.0
