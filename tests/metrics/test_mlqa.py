"""MLQA normalisation and scores: hand-computed cases and a re-implementation of the script."""

from __future__ import annotations

import random
import re
import string
import sys
import unicodedata
from collections import Counter

import pytest

from ablate.errors import AblateError
from ablate.metrics import mlqa

# The script's punctuation set, built the way the script builds it (one scan of all code points).
PUNCT = {
    chr(i) for i in range(sys.maxunicode) if unicodedata.category(chr(i)).startswith("P")
} | set(string.punctuation)
ARTICLES = {
    "en": r"\b(a|an|the)\b",
    "es": r"\b(un|una|unos|unas|el|la|los|las)\b",
    "vi": r"\b(của|là|cái|chiếc|những)\b",
    "de": r"\b(ein|eine|einen|einem|eines|einer|der|die|das|den|dem|des)\b",
    "ar": r"\sال^|ال",
}


def reference_normalize(s: str, lang: str) -> str:
    """mlqa_evaluation_v1.normalize_answer, written out independently for the test."""
    s = "".join(c for c in s.lower() if c not in PUNCT)
    if lang in ARTICLES:
        s = re.sub(ARTICLES[lang], " ", s)
    if lang == "zh":
        tokens, buf = [], ""
        for c in s:
            if re.search(r"[\u4e00-\u9fa5]", c) or c in PUNCT:
                tokens += buf.split()
                buf = ""
                tokens.append(c)
            else:
                buf += c
        tokens += buf.split()
    else:
        tokens = s.split()
    return " ".join(t for t in tokens if t.strip() != "")


def reference_scores(pred: str, golds: list[str], lang: str) -> tuple[float, float]:
    def f1(p, g):
        p, g = reference_normalize(p, lang).split(), reference_normalize(g, lang).split()
        same = sum((Counter(p) & Counter(g)).values())
        if same == 0:
            return 0
        return 2 * (same / len(p)) * (same / len(g)) / (same / len(p) + same / len(g))

    em = max(reference_normalize(pred, lang) == reference_normalize(g, lang) for g in golds)
    return float(em), max(f1(pred, g) for g in golds)


@pytest.mark.parametrize(
    "text, lang, expected",
    [
        ("«Hola»、。", "es", "hola"),
        ("El perro de los vecinos", "es", "perro de vecinos"),
        ("Der Hund und die Katze", "de", "hund und katze"),
        ("Einem Mann", "de", "mann"),
        ("cái bàn của tôi", "vi", "bàn tôi"),
        ("الكتاب", "ar", "كتاب"),
        ("مال", "ar", "م"),  # 'ال' is removed anywhere, not only as a prefix
        ("a the दिल्ली", "hi", "a the दिल्ली"),  # Hindi: no article removal
        ("The «big» apple…", "en", "big apple"),
        ("$100 + 5 = x^2 | y~", "en", "100 5 x2 y"),  # ASCII symbols are in the script's set
        ("北京abc def大学", "zh", "北 京 abc def 大 学"),
        ("鿿x", "zh", "鿿x"),  # U+9FFF is outside the script's CJK range [4E00-9FA5]
        ("《红楼梦》是小说。", "zh", "红 楼 梦 是 小 说"),
    ],
)
def test_normalize_answer(text, lang, expected):
    assert mlqa.normalize_answer(text, lang) == expected
    assert reference_normalize(text, lang) == expected


def test_zh_f1_is_over_characters():
    # [北, 京, 大, 学] vs [北, 京]: precision 1/2, recall 1 → F1 2/3
    assert mlqa.score_one("北京大学", ["北京"], "zh") == (0.0, pytest.approx(2 / 3))
    assert mlqa.score_one("北京大学", ["北京"], "en") == (0.0, 0.0)  # one token each, different


def test_both_empty_is_exact_but_no_f1():
    assert mlqa.score_one("«»", ["、。"], "zh") == (1.0, 0.0)


def test_missing_prediction_scores_zero():
    assert mlqa.stats([None, "x"], [["x"], ["x"]], "en").tolist() == [[0, 0, 1], [1, 1, 1]]


def test_unknown_language_names_the_valid_ones():
    with pytest.raises(AblateError, match="Unknown MLQA answer language 'fr'.*Available: ar, de"):
        mlqa.normalize_answer("x", "fr")


def test_matches_reference_on_random_answers():
    rng = random.Random(1)
    pieces = [
        "the", "El", "los", "Der", "einem", "của", "những", "الكتاب", "مال", "北京", "大学", "abc",
        "«x»", "、", "。", "!", "$5", "Ünïcode", "¿qué?", "—", "ab-cd", "x", "y", "z",
    ]
    for lang in mlqa.LANGUAGES:
        for _ in range(150):
            pred = rng.choice(["", " "]).join(rng.choice(pieces) for _ in range(rng.randint(1, 4)))
            n_golds = rng.randint(1, 3)
            golds = [" ".join(rng.sample(pieces, rng.randint(1, 4))) for _ in range(n_golds)]
            got = mlqa.score_one(pred, golds, lang)
            want = reference_scores(pred, golds, lang)
            assert got[0] == want[0]
            assert got[1] == pytest.approx(want[1], rel=1e-12), (lang, pred, golds)
