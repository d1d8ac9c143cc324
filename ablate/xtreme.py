"""The XTREME score of a run, from its per-language test metrics (xtreme/evaluate.py's rules).

Per task: the mean over its languages of the task's primary metric (QA: (EM+F1)/2, logged as
`em_f1`). With all nine tasks: the overall mean of task scores (`xtreme.score`), the category
means, and the leaderboard-style average of categories (`xtreme.avg_of_categories`) — some papers
report that one as "Avg", so both are logged and named.
"""

from __future__ import annotations

from collections.abc import Mapping

from ablate.metric_names import metric_key
from ablate.metrics import xtreme_score as xs
from ablate.tasks import TASKS


def summarize(metrics: Mapping[str, float]) -> dict[str, float]:
    """`xtreme.<task>` for every target task whose languages are all present, plus the overall
    and category scores once all nine are; {} when none is complete."""
    table: dict[str, dict[str, float]] = {}
    for task, languages in xs.TASK_LANGUAGES.items():
        spec = TASKS.get(task)
        if spec is None:
            continue
        values = {lang: metrics.get(metric_key(task, lang, spec.metric)) for lang in languages}
        if all(v is not None for v in values.values()):
            table[task] = values
    out = {f"xtreme.{task}": float(xs.task_score(task, values)) for task, values in table.items()}
    if len(table) == len(xs.TASK_LANGUAGES):
        score = xs.xtreme_score(table)
        out["xtreme.score"] = float(score.overall)
        out["xtreme.avg_of_categories"] = float(score.average_of_categories)
        out.update({f"xtreme.category.{c}": float(v) for c, v in score.categories.items()})
    return out
