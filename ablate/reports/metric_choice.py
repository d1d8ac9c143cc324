"""Which metric a comparison scores by: each task's own (XTREME's), or one chosen for all tasks
with `ablate compare --metric` (macro_f1), and which targets log it."""

from __future__ import annotations

from ablate.errors import unknown
from ablate.tasks import get_task

METRIC_CHOICES = ("macro_f1",)  # --metric values besides each task's own (the default)


def check_metric(metric: str | None) -> None:
    if metric is not None and metric not in METRIC_CHOICES:
        raise unknown("--metric value", metric, METRIC_CHOICES)


def has_metric(task: str, metric: str) -> bool:
    """Whether target `task` logs `metric` (its format lists it; a retrieval format's list is its
    fine-tune's, mAP@20, which BUCC and Tatoeba do not log either)."""
    from ablate.tasks.formats import FORMATS, format_of

    spec = get_task(task, "target")
    return spec.format in FORMATS and metric in format_of(spec).METRICS


def with_metric(metric: str) -> list[str]:
    """The registered targets that log `metric` (for messages)."""
    from ablate.tasks.definitions import TASKS

    return [t for t, spec in TASKS.items() if spec.role == "target" and has_metric(t, metric)]
