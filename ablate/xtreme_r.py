"""The XTREME-R score of a run, from its logged per-language test metrics (ablate.metrics.xtreme_r_score).

Which ablate target holds each XTREME-R task: the extended language sets are `udpos_xr`,
`panx_xr`, `xquad_xr`, `tatoeba_xr`. Mewsli-X and LAReQA are fine-tuned as XTREME-R's dual
encoders by default (`mewslix.*`, `lareqa.*`); scored untuned (`retrieval_finetune = false`) their
metrics are `mewslix_untuned.*` / `lareqa_untuned.*`, and every score that includes them carries
`_untuned`, so an untuned number never passes for XTREME-R's:

| metric | when logged |
|---|---|
| `xtreme_r.<task>` (`xtreme_r.mewslix`, or `xtreme_r.mewslix_untuned`) | the task's languages are all logged |
| `xtreme_r.category.<c>` (`retrieval`, or `retrieval_untuned` with untuned Mewsli-X) | the category's tasks are all logged |
| `xtreme_r.score` | all ten tasks, Mewsli-X and LAReQA fine-tuned: their mean (evaluate.py's `all_task`) |
| `xtreme_r.score_untuned_retrieval` | all ten, Mewsli-X or LAReQA untuned |
"""

from __future__ import annotations

from collections.abc import Mapping

from ablate.metric_names import logged_task, metric_key
from ablate.metrics import xtreme_r_score as xr
from ablate.tasks import TASKS

# XTREME-R task (evaluate.py's name) -> the ablate target that scores it
TARGETS = {"xnli": "xnli", "xcopa": "xcopa", "udpos": "udpos_xr", "panx": "panx_xr", "xquad": "xquad_xr",
           "mlqa": "mlqa", "tydiqa": "tydiqa", "tatoeba": "tatoeba_xr", "mewslix": "mewslix", "lareqa": "lareqa"}
UNTUNED = "_untuned"
SCORES = {"xtreme_r.score": "mean of the 10 XTREME-R task scores (Mewsli-X and LAReQA fine-tuned, as XTREME-R)",
          "xtreme_r.score_untuned_retrieval": "mean of the 10 XTREME-R task scores; Mewsli-X or LAReQA "
          "untuned (not comparable to published)"}


def summarize(metrics: Mapping[str, float]) -> dict[str, float]:
    """`xtreme_r.*` for every complete task and category, and the overall score when all ten are."""
    table: dict[str, dict[str, float]] = {}
    names: dict[str, str] = {}
    for task, target in TARGETS.items():
        logged = logged_task(target, metrics)  # mewslix, or mewslix_untuned when only that is logged
        values = {lang: metrics.get(metric_key(logged, lang, TASKS[target].metric)) for lang in xr.TASK_LANGUAGES[task]}
        if all(v is not None for v in values.values()):
            table[task], names[task] = values, task + (UNTUNED if logged != target else "")
    tasks = {task: xr.task_score(task, values) for task, values in table.items()}
    out = {f"xtreme_r.{names[t]}": float(v) for t, v in tasks.items()}
    for category, value in xr.category_scores(tasks).items():
        untuned = any(names[t].endswith(UNTUNED) for t in xr.CATEGORIES[category])
        out[f"xtreme_r.category.{category}" + (UNTUNED if untuned else "")] = float(value)
    if len(table) == len(xr.TASK_LANGUAGES):
        untuned = any(name.endswith(UNTUNED) for name in names.values())
        out["xtreme_r.score" + ("_untuned_retrieval" if untuned else "")] = float(xr.xtreme_r_score(table).overall)
    return out
