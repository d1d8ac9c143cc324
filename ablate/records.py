"""Read tracked runs back from MLflow into typed records. Nothing else reads the store.

An *arm* is a recipe with its intermediate task (`baseline`, `stilts:mnli`, `mt-translate:mnli`),
selected by tags — one search query per arm, since MLflow's filter language has no OR.
Per-example statistics come from the evaluation children's prediction artifacts.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from ablate.errors import AblateError
from ablate.mlflow_filter import keep, tag_filter


@dataclass(frozen=True)
class Arm:
    recipe: str
    task: str | None = None  # intermediate task; None for recipes without one

    @classmethod
    def parse(cls, text: str) -> "Arm":
        recipe, _, task = text.strip().partition(":")
        if not recipe:
            raise AblateError(f"Arm '{text}': expected RECIPE or RECIPE:TASK, e.g. baseline or stilts:mnli.")
        return cls(recipe, task or None)

    @property
    def label(self) -> str:
        return f"{self.recipe}:{self.task}" if self.task else self.recipe

    def tags(self, model: str | None = None) -> dict[str, str]:
        """The parent-run tags that select this arm (and `model`), for `ablate.mlflow_filter`."""
        return {"recipe": self.recipe, "intermediate_task": self.task or "none", **({"model": model} if model else {})}


@dataclass
class RunRecord:
    """One parent run (recipe, intermediate task, seed)."""

    run_id: str
    arm: Arm
    seed: int
    status: str  # FINISHED, FAILED, KILLED, RUNNING
    tags: dict[str, str]
    params: dict[str, str]
    metrics: dict[str, float]
    start_time: int
    end_time: int | None
    children: dict[str, str] = field(default_factory=dict)  # phase name -> child run id

    @property
    def targets(self) -> tuple[str, ...]:
        return tuple(t for t in self.tags.get("targets", "").split(",") if t)

    @property
    def finished(self) -> bool:
        return self.status == "FINISHED"

    @property
    def runtime_s(self) -> float | None:
        return (self.end_time - self.start_time) / 1000 if self.end_time else None


@dataclass
class Cell:
    """Per-example statistics of one arm on one (task, split, language), aligned across seeds.

    `stats` has shape (S, n, k): seeds in `seeds` order, examples in `ids` order, statistics in
    `stat_names` order. `metric_logged[s]` is the corpus metric each seed's run logged.
    """

    task: str
    split: str
    lang: str
    seeds: tuple[int, ...]
    ids: np.ndarray  # (n,) example ids
    parallel_ids: np.ndarray  # (n,) ids shared by translations of the same example
    stat_names: tuple[str, ...]
    stats: np.ndarray  # (S, n, k)
    fingerprints: tuple[str, ...]  # per seed
    metric_logged: dict[str, np.ndarray]  # metric name -> (S,)
    run_ids: tuple[str, ...]


class Store:
    """A read-only view of one MLflow experiment."""

    def __init__(self, uri: str, experiment: str):
        from mlflow import MlflowClient

        self.uri, self.experiment = uri, experiment
        self.client = MlflowClient(tracking_uri=uri)
        exp = self.client.get_experiment_by_name(experiment)
        if exp is None:
            names = [e.name for e in self.client.search_experiments()]
            from ablate.errors import unknown

            raise unknown(f"MLflow experiment (in {uri})", experiment, names)
        self.experiment_id = exp.experiment_id
        self._downloads: dict[tuple[str, str], Path] = {}

    def runs(self, arm: Arm, model: str | None = None) -> list[RunRecord]:
        """Every parent run of `arm` (failed ones included: the checklist counts them)."""
        query, rest = tag_filter(arm.tags(model), "tags.kind = 'run'")
        found = keep(self.client.search_runs([self.experiment_id], query, max_results=10_000), rest)
        records = [
            RunRecord(r.info.run_id, arm, int(r.data.tags.get("seed", -1)), r.info.status, dict(r.data.tags),
                      dict(r.data.params), dict(r.data.metrics), r.info.start_time, r.info.end_time)
            for r in found
        ]
        for r in records:
            r.children = dict(self._children.get(r.run_id, {}))
        return sorted(records, key=lambda r: (r.seed, r.start_time))

    @cached_property
    def _children(self) -> dict[str, dict[str, str]]:
        """parent run id -> {phase name: child run id}, from one query (tag filters have no IN)."""
        out: dict[str, dict[str, str]] = {}
        for child in self.client.search_runs([self.experiment_id], "tags.kind = 'phase'", max_results=50_000):
            parent = child.data.tags.get("mlflow.parentRunId")
            out.setdefault(parent, {})[child.info.run_name] = child.info.run_id
        return out

    def latest_per_seed(self, runs: Iterable[RunRecord], task: str) -> dict[int, RunRecord]:
        """The newest finished run per seed that evaluated `task` (reruns supersede older ones)."""
        chosen: dict[int, RunRecord] = {}
        for r in runs:
            if r.finished and task in r.targets and (r.seed not in chosen or r.start_time > chosen[r.seed].start_time):
                chosen[r.seed] = r
        return dict(sorted(chosen.items()))

    def artifact(self, run_id: str, path: str) -> Path:
        key = (run_id, path)
        if key not in self._downloads:
            self._downloads[key] = Path(self.client.download_artifacts(run_id, path))
        return self._downloads[key]

    def phase_info(self, run: RunRecord, phase: str) -> dict:
        return json.loads(self.artifact(run.children[phase], "phase.json").read_text())

    def cell(self, runs: dict[int, RunRecord], task: str, split: str, lang: str) -> Cell:
        """Stack the seeds' per-example statistics for one (task, split, language)."""
        import pyarrow.parquet as pq

        from ablate.metric_names import logged_task, metric_key

        phase = next((p for p in (f"evaluate:{task}", f"retrieve:{task}") if p in next(iter(runs.values())).children),
                     None)
        if phase is None:
            raise AblateError(f"No evaluation of '{task}' in run {next(iter(runs.values())).run_id}.")
        tables, fps = [], []
        for seed, run in runs.items():
            child = run.children.get(phase)
            if child is None:
                raise AblateError(f"Run {run.run_id} (seed {seed}) has no '{phase}' phase.")
            try:
                path = self.artifact(child, f"predictions/{split}/{lang}.parquet")
            except Exception as e:
                raise AblateError(f"Run {run.run_id} (seed {seed}) has no predictions for {task}/{split}/{lang}.") from e
            tables.append(pq.read_table(path).to_pandas())
            fps.append(json.loads(self.artifact(child, "fingerprints.json").read_text()).get(split, {}).get(lang, ""))
        ids = tables[0]["id"].to_numpy()
        stat_cols = [c for c in tables[0].columns if c.startswith("u.")]
        stacked = []
        for seed, t in zip(runs, tables):
            if list(t["id"]) != list(ids):
                t = t.set_index("id").reindex(ids).reset_index()
                if t[stat_cols].isna().any().any():
                    raise AblateError(f"{task}/{split}/{lang}: seed {seed} evaluated different examples.")
            stacked.append(t[stat_cols].to_numpy(dtype=float))
        name = logged_task(task, next(iter(runs.values())).metrics)  # bucc2018_goldonly on the Hub's copy
        metric_names = {k.rsplit(".", 1)[-1] for r in runs.values() for k in r.metrics
                        if k.startswith(metric_key(name, lang, "", split).rstrip("."))}
        logged = {m: np.array([r.metrics.get(metric_key(name, lang, m, split), np.nan) for r in runs.values()])
                  for m in sorted(metric_names)}
        return Cell(task, split, lang, tuple(runs), ids, tables[0]["parallel_id"].to_numpy(),
                    tuple(c[2:] for c in stat_cols), np.stack(stacked), tuple(fps), logged,
                    tuple(r.run_id for r in runs.values()))

    # --- small read helpers for the report layer (ablate.reports) ---------------------------

    def arms(self, model: str | None = None) -> list[Arm]:
        """Every arm with at least one parent run in the experiment (one query), sorted by label."""
        query, rest = tag_filter({"model": model} if model else {}, "tags.kind = 'run'")
        found = keep(self.client.search_runs([self.experiment_id], query, max_results=50_000), rest)
        arms = {Arm(r.data.tags.get("recipe", "?"), None if r.data.tags.get("intermediate_task", "none") == "none"
                    else r.data.tags["intermediate_task"]) for r in found}
        return sorted(arms, key=lambda a: (a.recipe != "baseline", a.label))

    def run_info(self, run_id: str) -> dict:
        """{'status', 'tags', 'params', 'metrics', 'experiment_id'} of any run (a phase child, a report)."""
        try:
            run = self.client.get_run(run_id)
        except Exception as e:
            raise AblateError(f"No run '{run_id}' in {self.uri}.") from e
        return {"status": run.info.status, "tags": dict(run.data.tags), "params": dict(run.data.params),
                "metrics": dict(run.data.metrics), "experiment_id": run.info.experiment_id}
