"""A study's finished runs as one tidy table of per-language scores (read through ablate.records).

One row per (run, target task, language, metric): the arm (`stilts:mnli`), model, seed, the
swept axis values, and the logged test-split value in points. Analyses get arrays cut from it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ablate.grid import RunRequest
from ablate.metric_names import logged_task, metric_key
from ablate.studies.matrix import Matrix, axis_values

MACRO_F1 = "macro_f1"  # logged beside the XTREME metric by runs whose tasks compute it


@dataclass(frozen=True)
class Row:
    arm: str
    model: str
    seed: int
    axes: tuple  # values of matrix.axes, in order
    task: str
    lang: str
    metric: str  # "score" (the task's XTREME metric) or "macro_f1"
    value: float


def arm_label(request: RunRequest) -> str:
    return f"{request.recipe}:{request.arm_task}" if request.arm_task else request.recipe


def collect(matrix: Matrix, done: dict[RunRequest, object]) -> list[Row]:
    from ablate.tasks import get_task

    rows: list[Row] = []
    for request, run in done.items():
        axes = tuple(axis_values(request, matrix.axes).values())
        model = run.tags.get("model", request.model or "?")
        for task in run.targets:
            spec = get_task(task)
            name = logged_task(task, run.metrics)
            for lang in spec.languages:
                for metric, key in (("score", spec.metric), (MACRO_F1, MACRO_F1)):
                    value = run.metrics.get(metric_key(name, lang, key))
                    if value is not None:
                        rows.append(Row(arm_label(request), model, request.seed, axes, task, lang, metric, float(value)))
    return rows


def task_scores(rows: list[Row], metric: str = "score") -> dict[tuple, dict[str, dict[int, float]]]:
    """(arm, model, axes) -> task -> seed -> mean over the task's languages."""
    acc: dict[tuple, dict[str, dict[int, list[float]]]] = {}
    for r in rows:
        if r.metric == metric:
            acc.setdefault((r.arm, r.model, r.axes), {}).setdefault(r.task, {}).setdefault(r.seed, []).append(r.value)
    return {k: {t: {s: float(np.mean(v)) for s, v in by_seed.items()} for t, by_seed in per.items()} for k, per in acc.items()}


def seed_matrix(per_task: dict[str, dict[int, float]], tasks: list[str]) -> np.ndarray:
    """``(S, T)`` scores over the seeds every task has, tasks in the given order."""
    seeds = sorted(set.intersection(*(set(per_task[t]) for t in tasks))) if tasks else []
    return np.array([[per_task[t][s] for t in tasks] for s in seeds]).reshape(len(seeds), len(tasks))
