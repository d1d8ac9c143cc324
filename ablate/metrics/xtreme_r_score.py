"""The XTREME-R score, as google-research/xtreme `evaluate.py --xtreme_version xtreme-r` computes it.

Per task (`XTREME_R_TASK2LANGS`): the mean over its languages of the per-language score — QA
(xquad, mlqa, tydiqa): (EM + F1)/2; udpos, panx: F1; xnli, xcopa, tatoeba: accuracy; mewslix,
lareqa: mAP@20 — all ×100. Categories are evaluate.py's `XTREME_R_GROUP2TASK`, and the overall
score is the mean of the ten task scores (its `all_task`). Where the code and the paper differ,
this follows the code (docs/xtreme-r.md):

- the `retrieval` category is {tatoeba, mewslix}: LAReQA is in the paper's retrieval category but
  not in the code's, so it counts only in the overall score;
- XCOPA is in two categories, `classification` {xnli, xcopa} and `multi_choice` {xcopa};
- there is no average of categories (the code has none for XTREME-R);
- evaluate.py lists no languages for LAReQA (its questions search one pool of all languages, so
  evaluate.py never scores it and its `all_task` is never printed); ablate scores LAReQA per
  question language (XQuAD-R's eleven) and takes their mean as the task score, which the overall
  score then averages with the other nine as `all_task`'s rule says.

    >>> table = {t: {lang: 50.0 for lang in langs} for t, langs in TASK_LANGUAGES.items()}
    >>> xtreme_r_score(table).overall
    50.0
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ablate import languages as L
from ablate.errors import AblateError, unknown

TASK_LANGUAGES = {  # evaluate.py's task names and XTREME_R_TASK2LANGS (LAReQA: XQuAD-R's languages)
    "xnli": L.XNLI, "xcopa": L.XCOPA, "udpos": L.UDPOS_R, "panx": L.PANX_R, "xquad": L.XQUAD_R,
    "mlqa": L.MLQA, "tydiqa": L.TYDIQA, "tatoeba": L.TATOEBA_R, "mewslix": L.MEWSLIX, "lareqa": L.LAREQA,
}
CATEGORIES = {  # XTREME_R_GROUP2TASK
    "classification": ("xnli", "xcopa"),
    "tagging": ("udpos", "panx"),
    "qa": ("xquad", "mlqa", "tydiqa"),
    "retrieval": ("tatoeba", "mewslix"),
    "multi_choice": ("xcopa",),
}


@dataclass(frozen=True)
class XtremeRScore:
    """Task, category and overall scores (×100); floats, or arrays for bootstrap replicates."""

    tasks: dict
    categories: dict
    overall: object  # mean of the 10 task scores (evaluate.py's `all_task`)


def task_score(task: str, per_language: Mapping[str, object]):
    """Mean of the per-language scores over the task's XTREME-R languages (all, no others)."""
    if task not in TASK_LANGUAGES:
        raise unknown("XTREME-R task", task, TASK_LANGUAGES)
    expected = TASK_LANGUAGES[task]
    missing = [lang for lang in expected if lang not in per_language]
    extra = sorted(set(per_language) - set(expected))
    if missing or extra:
        raise AblateError(
            f"XTREME-R task '{task}' needs exactly the languages {', '.join(expected)}"
            + (f"; missing: {', '.join(missing)}" if missing else "")
            + (f"; not scored by XTREME-R: {', '.join(extra)}" if extra else "") + "."
        )
    return _mean([per_language[lang] for lang in expected])


def category_scores(tasks: Mapping[str, object]) -> dict:
    """Mean task score of every category whose tasks are all present."""
    return {c: _mean([tasks[t] for t in members]) for c, members in CATEGORIES.items()
            if all(t in tasks for t in members)}


def xtreme_r_score(table: Mapping[str, Mapping[str, object]]) -> XtremeRScore:
    """All ten tasks required ({task: {language: score}}): task, category and overall scores."""
    missing = [t for t in TASK_LANGUAGES if t not in table]
    if missing:
        raise AblateError(f"The XTREME-R score needs all 10 tasks; missing: {', '.join(missing)}.")
    tasks = {t: task_score(t, table[t]) for t in TASK_LANGUAGES}
    return XtremeRScore(tasks=tasks, categories=category_scores(tasks),
                        overall=_mean([tasks[t] for t in TASK_LANGUAGES]))


def _mean(values: list):
    stacked = np.stack(np.broadcast_arrays(*[np.asarray(v, dtype=np.float64) for v in values]))
    mean = stacked.mean(axis=0)
    return float(mean) if mean.ndim == 0 else mean
