"""The XTREME score, as google-research/xtreme `evaluate.py` computes it, on the ×100 scale.

Per task: the mean over its languages of the per-language score (QA: (EM + F1)/2). Overall:
the mean of the 9 task scores (XTREME's `all_task`). Categories — classification {pawsx, xnli},
structured prediction {udpos, panx} (`tagging` in evaluate.py), qa {xquad, mlqa, tydiqa},
retrieval {bucc2018, tatoeba} — are the means of their task scores; `average_of_categories`
is the mean of the four, the "Avg" some papers and leaderboards report instead. Report which.

Per-language values may be floats or arrays of bootstrap replicates (all the same shape).

    >>> table = {"xnli": {lang: 80.0 for lang in TASK_LANGUAGES["xnli"]}}
    >>> task_scores(table)["xnli"]
    80.0
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ablate import languages
from ablate.errors import AblateError, unknown

TASK_LANGUAGES = {
    "pawsx": languages.PAWSX,
    "xnli": languages.XNLI,
    "udpos": languages.UDPOS,
    "panx": languages.PANX,
    "xquad": languages.XQUAD,
    "mlqa": languages.MLQA,
    "tydiqa": languages.TYDIQA,
    "bucc2018": languages.BUCC,
    "tatoeba": languages.TATOEBA,
}
CATEGORIES = {
    "classification": ("pawsx", "xnli"),
    "structured_prediction": ("udpos", "panx"),
    "qa": ("xquad", "mlqa", "tydiqa"),
    "retrieval": ("bucc2018", "tatoeba"),
}
QA_TASKS = CATEGORIES["qa"]
# Key read from a per-language result dict (an `aggregate()` output) for the non-QA tasks.
_PRIMARY = {"pawsx": "accuracy", "xnli": "accuracy", "tatoeba": "accuracy",
            "udpos": "f1", "panx": "f1", "bucc2018": "f1"}


@dataclass(frozen=True)
class XtremeScore:
    """Task, category and overall scores (×100); floats, or arrays for bootstrap replicates."""

    tasks: dict
    categories: dict
    overall: object  # mean of the 9 task scores (XTREME's `all_task`)
    average_of_categories: object  # mean of the 4 category scores


def language_score(task: str, value):
    """One language's task score: a number as is; from a dict, (EM+F1)/2 for QA else the metric."""
    if not isinstance(value, Mapping):
        return value
    if task in QA_TASKS:
        if "exact_match" not in value or "f1" not in value:
            raise AblateError(
                f"A {task} result needs 'exact_match' and 'f1' (got {sorted(value)}); "
                "or give (EM + F1) / 2 as a number."
            )
        return (np.asarray(value["exact_match"]) + np.asarray(value["f1"])) / 2.0
    key = _PRIMARY[task]
    if key not in value:
        raise AblateError(f"A {task} result needs '{key}' (got {sorted(value)}).")
    return value[key]


def task_score(task: str, per_language: Mapping[str, object]):
    """Mean over the task's XTREME languages; every language must be present, no others."""
    if task not in TASK_LANGUAGES:
        raise unknown("XTREME task", task, TASK_LANGUAGES)
    expected = TASK_LANGUAGES[task]
    missing = [lang for lang in expected if lang not in per_language]
    if missing:
        raise AblateError(
            f"Task '{task}' is missing language(s) {', '.join(missing)}; the XTREME score needs "
            f"all of {', '.join(expected)}."
        )
    extra = sorted(set(per_language) - set(expected))
    if extra:
        raise AblateError(
            f"Task '{task}' has language(s) {', '.join(extra)} that XTREME does not score; "
            f"valid: {', '.join(expected)}."
        )
    return _mean([language_score(task, per_language[lang]) for lang in expected])


def task_scores(table: Mapping[str, Mapping[str, object]]) -> dict:
    """Task score of every task present in `table` ({task: {language: value}})."""
    return {task: task_score(task, per_language) for task, per_language in table.items()}


def category_scores(tasks: Mapping[str, object]) -> dict:
    """Mean task score of each category whose tasks are all present (as evaluate.py shows them)."""
    return {
        category: _mean([tasks[t] for t in members])
        for category, members in CATEGORIES.items()
        if all(t in tasks for t in members)
    }


def xtreme_score(table: Mapping[str, Mapping[str, object]]) -> XtremeScore:
    """All nine tasks required: task, category, overall and average-of-categories scores."""
    missing = [task for task in TASK_LANGUAGES if task not in table]
    if missing:
        for task in table:
            if task not in TASK_LANGUAGES:
                raise unknown("XTREME task", task, TASK_LANGUAGES)
        raise AblateError(
            f"The XTREME score needs all 9 tasks; missing: {', '.join(missing)}."
        )
    tasks = task_scores(table)
    categories = category_scores(tasks)
    return XtremeScore(
        tasks=tasks,
        categories=categories,
        overall=_mean([tasks[t] for t in TASK_LANGUAGES]),
        average_of_categories=_mean(list(categories.values())),
    )


def _mean(values: list):
    # floats broadcast against replicate arrays, so one bootstrapped task can join fixed ones
    stacked = np.stack(np.broadcast_arrays(*[np.asarray(v, dtype=np.float64) for v in values]))
    mean = stacked.mean(axis=0)
    return float(mean) if mean.ndim == 0 else mean
