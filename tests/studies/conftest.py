"""Synthetic stores for study tests: for chosen requests of a study's matrix, a parent run tagged
and parameterised exactly as `ablate run` logs it, with per-language test metrics from a planted
function — the report path without training."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from ablate.grid import RunRequest


def write_runs(root: Path, requests: list[RunRequest], value: Callable[[RunRequest, str, str], float],
               status: str = "FINISHED", noise: float = 0.3, param_override: dict | None = None) -> str:
    """Write one parent run per request into `root`'s default store; returns the store URI.

    `value(request, task, lang)` is the planted score (points); each seed adds N(0, noise²)."""
    from ablate.execute import _params, config_hash
    from ablate.metric_names import metric_key
    from ablate.tasks import get_task
    from ablate.tracking import Tracker

    base = {"output_dir": str(root)}
    tracker = None
    for r in requests:
        plan, cfg = r.plan(base)
        tracker = tracker or Tracker(cfg.store_uri, cfg.experiment)
        targets = [p.task for p in plan.order() if p.kind in ("evaluate", "retrieve")]
        tags = {"kind": "run", "recipe": r.recipe, "intermediate_task": r.arm_task or "none", "targets": ",".join(targets),
                "seed": r.seed, "model": cfg.model, "model_revision": "", "preset": cfg.preset, "data_source": cfg.data,
                "config_hash": config_hash(cfg), "git_commit": "abc", "git_dirty": "no"}
        run = tracker.start(f"{r.label}", tags)
        tracker.params(run, {**_params(cfg, plan), **(param_override or {})})
        rng = np.random.default_rng([r.seed, len(r.label), sum(map(ord, r.label))])
        metrics = {}
        for t in targets:
            spec = get_task(t)
            name = "bucc2018_goldonly" if t == "bucc2018" else t
            for lang in spec.languages:
                metrics[metric_key(name, lang, spec.metric)] = value(r, t, lang) + rng.normal(0, noise)
        tracker.metrics(run, metrics)
        tracker.end(run, status)
    return f"sqlite:///{root / 'mlflow.db'}"


def main(*args: str) -> int:
    from ablate.cli import main as cli_main

    try:
        cli_main(list(args))
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else 1
    return 0
