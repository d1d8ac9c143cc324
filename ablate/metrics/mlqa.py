"""Exact match and token F1 as the official MLQA script (`mlqa_evaluation_v1.py`) computes them.

XTREME scores MLQA with this script and the context language. It differs from SQuAD v1.1 in
normalisation only: every Unicode punctuation character is removed (not just ASCII), articles
are language-specific, and Chinese is segmented into single CJK characters. Statistics and
aggregation are SQuAD's: `(em, f1, n)` per question.

    >>> normalize_answer("«La Casa Blanca»", "es")
    'casa blanca'
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from ablate.errors import AblateError, unknown
from ablate.metrics.squad import aggregate, overlap_f1, primary, stat_names

__all__ = ["LANGUAGES", "aggregate", "normalize_answer", "primary", "stat_names", "stats"]

# Patterns applied after lowercasing and punctuation removal. None: the language has no articles.
_ARTICLES = {
    "en": re.compile(r"\b(a|an|the)\b"),
    "es": re.compile(r"\b(un|una|unos|unas|el|la|los|las)\b"),
    "de": re.compile(r"\b(ein|eine|einen|einem|eines|einer|der|die|das|den|dem|des)\b"),
    "vi": re.compile(r"\b(của|là|cái|chiếc|những)\b"),
    # The script's pattern is '\sال^|ال'. Its first branch needs start-of-string right after a
    # space and can never match, so in effect EVERY occurrence of 'ال' — also inside a word — is
    # replaced by a space (e.g. 'مال' → 'م '). Reproduced as is.
    "ar": re.compile(r"\sال^|ال"),
    "hi": None,
    "zh": None,
}
LANGUAGES = tuple(_ARTICLES)
_MIXED_SEGMENTATION = ("zh",)  # every other language is split on whitespace
# The script tests one character against this range, not the full CJK block (which ends at 9FFF).
_CJK = re.compile(r"[\u4e00-\u9fa5]")
_ASCII_PUNCTUATION = frozenset(string.punctuation)


@lru_cache(maxsize=65536)
def is_punctuation(ch: str) -> bool:
    """The script's PUNCT set: Unicode category P* plus ASCII string.punctuation ($+<=>^`|~ too)."""
    return unicodedata.category(ch).startswith("P") or ch in _ASCII_PUNCTUATION


def mixed_segmentation(text: str) -> list[str]:
    """Chinese segmentation: each CJK (or punctuation) character alone, whitespace split between."""
    tokens: list[str] = []
    pending: list[str] = []
    for ch in text:
        if _CJK.match(ch) or is_punctuation(ch):
            tokens.extend("".join(pending).split())
            pending = []
            tokens.append(ch)
        else:
            pending.append(ch)
    tokens.extend("".join(pending).split())
    return tokens


def normalize_answer(text: str, lang: str) -> str:
    """Lowercase → drop punctuation → blank out articles → re-tokenise and join with spaces."""
    _check_language(lang)
    text = "".join(ch for ch in text.lower() if not is_punctuation(ch))
    pattern = _ARTICLES[lang]
    if pattern is not None:
        text = pattern.sub(" ", text)
    tokens = mixed_segmentation(text) if lang in _MIXED_SEGMENTATION else text.split()
    return " ".join(t for t in tokens if t.strip())


def score_one(prediction: str, golds: Sequence[str], lang: str) -> tuple[float, float]:
    """(em, f1): each the maximum over the gold answers. Two empty answers: em 1, f1 0."""
    if isinstance(golds, str) or not golds:
        raise AblateError("Each MLQA question needs a non-empty list of gold answer strings.")
    pred = normalize_answer(prediction, lang)
    em = f1 = 0.0
    for gold in golds:
        gold = normalize_answer(gold, lang)
        em = max(em, float(pred == gold))
        f1 = max(f1, overlap_f1(pred.split(), gold.split()))
    return em, f1


def stats(
    predictions: Sequence[str | None], golds: Sequence[Sequence[str]], lang: str
) -> np.ndarray:
    """Per-question `(em, f1, n)`, shape (n_questions, 3). A missing prediction (None) scores 0."""
    _check_language(lang)
    if len(predictions) != len(golds):
        raise AblateError(
            f"{len(predictions)} predictions but {len(golds)} questions; give one prediction "
            "(or None) per question."
        )
    rows = np.zeros((len(golds), 3), dtype=np.float64)
    rows[:, 2] = 1.0
    for i, (prediction, answers) in enumerate(zip(predictions, golds)):
        if prediction is not None:
            rows[i, 0], rows[i, 1] = score_one(prediction, answers, lang)
    return rows


def _check_language(lang: str) -> None:
    if lang not in _ARTICLES:
        raise unknown("MLQA answer language", lang, LANGUAGES)
