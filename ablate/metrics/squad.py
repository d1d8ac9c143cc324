"""Exact match and token F1 as the official SQuAD v1.1 and v2.0 evaluation scripts compute them.

XTREME scores XQuAD and TyDiQA-GoldP with the v1.1 script (its `third_party/evaluate_squad.py`);
SQuAD v2.0 (an intermediate task) adds unanswerable questions. Per example: `(em, f1, n)` with
em ∈ {0, 1}, f1 ∈ [0, 1] (the maximum over the gold answers) and n = 1; a corpus score is
100·Σem/Σn and 100·Σf1/Σn.

    >>> aggregate(stats(["the Eiffel Tower!"], [["Eiffel tower"]]).sum(axis=0))["f1"]
    100.0
"""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Sequence

import numpy as np

from ablate.errors import AblateError
from ablate.metrics.counts import check_totals, ratio, scalar_or_array

stat_names = ("em", "f1", "n")
primary = "em_f1"  # XTREME's task score for QA: (EM + F1) / 2
VERSIONS = ("1.1", "2.0")

_ASCII_PUNCTUATION = frozenset(string.punctuation)
# Both scripts use \b(a|an|the)\b; v2.0 adds re.UNICODE, which Python 3 str patterns have anyway.
_ENGLISH_ARTICLES = re.compile(r"\b(a|an|the)\b")


def normalize_answer(text: str) -> str:
    """Lowercase, drop ASCII punctuation, blank out a/an/the, collapse whitespace (that order)."""
    text = "".join(ch for ch in text.lower() if ch not in _ASCII_PUNCTUATION)
    return " ".join(_ENGLISH_ARTICLES.sub(" ", text).split())


def exact_match(prediction: str, gold: str) -> float:
    """1.0 when both normalise to the same string (two empty strings match), else 0.0."""
    return float(normalize_answer(prediction) == normalize_answer(gold))


def token_f1(prediction: str, gold: str, version: str = "1.1") -> float:
    """Bag-of-tokens F1 between the normalised strings.

    v1.1: 0 when no token is shared — so two answers that both normalise to "" score 0.
    v2.0: when either side has no tokens, 1 if both are empty else 0 (the no-answer case).
    """
    pred_tokens = normalize_answer(prediction).split()
    gold_tokens = normalize_answer(gold).split()
    if version == "2.0" and (not pred_tokens or not gold_tokens):
        return float(pred_tokens == gold_tokens)
    return overlap_f1(pred_tokens, gold_tokens)


def overlap_f1(pred_tokens: list[str], gold_tokens: list[str]) -> float:
    """F1 of the multiset overlap of two token lists; 0 when they share nothing."""
    n_same = sum((Counter(pred_tokens) & Counter(gold_tokens)).values())
    if n_same == 0:
        return 0.0
    precision = n_same / len(pred_tokens)
    recall = n_same / len(gold_tokens)
    return 2 * precision * recall / (precision + recall)


def score_one(prediction: str, golds: Sequence[str], version: str = "1.1") -> tuple[float, float]:
    """(em, f1) of one prediction: each the maximum over the gold answers.

    v2.0 first drops gold answers that normalise to "" and treats a question left with none as
    unanswerable (gold [""]): then em = f1 = 1 exactly when the prediction normalises to "".
    """
    _check_version(version)
    if isinstance(golds, str):
        raise AblateError("Gold answers must be a list of strings per question, got one string.")
    if version == "2.0":
        golds = [g for g in golds if normalize_answer(g)] or [""]
    elif not golds:
        raise AblateError(
            "A question has no gold answers; SQuAD v1.1 scoring needs at least one "
            "(use version='2.0' for unanswerable questions)."
        )
    em = max(exact_match(prediction, g) for g in golds)
    f1 = max(token_f1(prediction, g, version) for g in golds)
    return em, f1


def stats(
    predictions: Sequence[str | None], golds: Sequence[Sequence[str]], *, version: str = "1.1"
) -> np.ndarray:
    """Per-question `(em, f1, n)`, shape (n_questions, 3), float64.

    A missing prediction (None) follows the official scripts: v1.1 scores it 0 and still counts
    the question (n = 1); v2.0 leaves the question out of the average (row of zeros).
    """
    _check_version(version)
    if len(predictions) != len(golds):
        raise AblateError(
            f"{len(predictions)} predictions but {len(golds)} questions; give one prediction "
            "(or None) per question."
        )
    rows = np.zeros((len(golds), 3), dtype=np.float64)
    for i, (prediction, answers) in enumerate(zip(predictions, golds)):
        if prediction is None:
            rows[i, 2] = 1.0 if version == "1.1" else 0.0
            continue
        rows[i, 0], rows[i, 1] = score_one(prediction, answers, version)
        rows[i, 2] = 1.0
    return rows


def aggregate(totals) -> dict:
    """EM, F1 and their mean (all ×100) from summed `(em, f1, n)`, shape (..., 3) → (...)."""
    totals = check_totals(totals, stat_names)
    em = 100.0 * ratio(totals[..., 0], totals[..., 2], np.nan)
    f1 = 100.0 * ratio(totals[..., 1], totals[..., 2], np.nan)
    return {
        "exact_match": scalar_or_array(em),
        "f1": scalar_or_array(f1),
        "em_f1": scalar_or_array((em + f1) / 2.0),
    }


def _check_version(version: str) -> None:
    if version not in VERSIONS:
        raise AblateError(f"Unknown SQuAD version '{version}'. Available: {', '.join(VERSIONS)}.")
