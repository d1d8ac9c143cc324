"""The XTREME score of a run, from its per-language test metrics (xtreme/evaluate.py's rules).

Per task: the mean over its languages of the task's primary metric (QA: (EM+F1)/2, logged as
`em_f1`), logged as `xtreme.<task>`. BUCC scored on google/xtreme's gold-pairs-only copy is a much
easier task than BUCC 2018 (no distractor sentences), so its metrics are named
`bucc2018_goldonly.*` (`ablate.metric_names.GOLD_ONLY_TASKS`) and it never enters `xtreme.score`:

| metric | when logged | what it averages |
|---|---|---|
| `xtreme.score` | all nine tasks, BUCC on the full BUCC 2018 corpora | the nine task scores (XTREME's) |
| `xtreme.score_bucc_goldonly` | all nine, BUCC gold-only | the same, BUCC gold-only: NOT comparable to published scores |
| `xtreme.score_without_bucc` | the eight other tasks | those eight (comparable across BUCC corpora, not to papers) |

With `xtreme.score` come the category means (`xtreme.category.<c>`) and the leaderboard-style
average of categories (`xtreme.avg_of_categories`) — some papers report that one as "Avg"; the
gold-only variant logs them with the `_bucc_goldonly` suffix. `xtreme.category.<c>` of the
categories without BUCC is logged whenever their tasks are complete.
"""

from __future__ import annotations

from collections.abc import Mapping

from ablate import xtreme_r
from ablate.metric_names import GOLD_ONLY_TASKS, metric_key
from ablate.metrics import xtreme_score as xs
from ablate.tasks import TASKS

BUCC = "bucc2018"
GOLD_ONLY = "_bucc_goldonly"  # suffix of the scores that include gold-only BUCC
# headline scores, in the order the run summary shows them, with how each is made
SCORES = {
    "xtreme.score": "mean of the 9 task scores",
    "xtreme.score" + GOLD_ONLY: "mean of the 9, BUCC gold-only (not comparable to published)",
    "xtreme.score_without_bucc": "mean of the 8 tasks other than BUCC",
    **xtreme_r.SCORES,  # the XTREME-R score (ablate.xtreme_r), summarised with these
}


def _per_language(metrics: Mapping[str, float], task: str, name: str, metric: str) -> dict | None:
    values = {lang: metrics.get(metric_key(name, lang, metric)) for lang in xs.TASK_LANGUAGES[task]}
    return values if all(v is not None for v in values.values()) else None


def summarize(metrics: Mapping[str, float]) -> dict[str, float]:
    """`xtreme.<task>` for every target task whose languages are all present, the headline
    scores and category means of the module docstring, and the `xtreme_r.*` scores
    (ablate.xtreme_r); {} when no task is complete."""
    table: dict[str, dict[str, float]] = {}
    goldonly = None
    for task in xs.TASK_LANGUAGES:
        spec = TASKS.get(task)
        if spec is None:
            continue
        values = _per_language(metrics, task, task, spec.metric)
        if values is not None:
            table[task] = values
        if task in GOLD_ONLY_TASKS:
            goldonly = _per_language(metrics, task, GOLD_ONLY_TASKS[task], spec.metric)
    out = {f"xtreme.{task}": float(xs.task_score(task, values)) for task, values in table.items()}
    others = {t: table[t] for t in xs.TASK_LANGUAGES if t != BUCC and t in table}
    if goldonly is not None:
        out[f"xtreme.{GOLD_ONLY_TASKS[BUCC]}"] = float(xs.task_score(BUCC, goldonly))
    if len(others) == len(xs.TASK_LANGUAGES) - 1:
        out["xtreme.score_without_bucc"] = float(sum(out[f"xtreme.{t}"] for t in others) / len(others))
    task_scores = {t: out[f"xtreme.{t}"] for t in others}
    out.update({f"xtreme.category.{c}": float(v) for c, v in xs.category_scores(task_scores).items()})
    for suffix, bucc in (("", table.get(BUCC)), (GOLD_ONLY, goldonly)):
        if bucc is not None and len(others) == len(xs.TASK_LANGUAGES) - 1:
            score = xs.xtreme_score({**others, BUCC: bucc})
            out["xtreme.score" + suffix] = float(score.overall)
            out["xtreme.avg_of_categories" + suffix] = float(score.average_of_categories)
            out[f"xtreme.category.retrieval{suffix}"] = float(score.categories["retrieval"])
    out.update(xtreme_r.summarize(metrics))
    return out
