"""Phase runners: each gets a `PhaseContext`, writes into `ctx.out`, returns a `PhaseResult`.

Runners never see MLflow: metrics go through `ctx.log`, everything else is in the result, and
the executor hands both to the tracker.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ablate.config import RunConfig
from ablate.plan import Phase

RUNNERS = {
    "intermediate": "ablate.phases.train:run_intermediate",
    "finetune": "ablate.phases.train:run_finetune",
    "evaluate": "ablate.phases.evaluate:run_evaluate",
    "retrieve": "ablate.phases.retrieve:run_retrieve",
    "translate": "ablate.phases.translate:run_translate",
    "multitask": "ablate.mixing.phase:run_multitask",
    "mlm_intermediate": "ablate.mlm.phase:run_mlm_intermediate",
}


@dataclass
class PhaseContext:
    cfg: RunConfig
    phase: Phase
    seed: int
    inputs: dict[str, Path]  # input phase name -> its (complete) output directory
    out: Path  # write everything here; it becomes the phase's directory on success
    log: Callable[[dict[str, float], int | None], None]  # metrics at a step, batched per call
    progress: Any  # ablate.progress.Progress (rich, or silent)
    resume: Path | None = None  # survives a crashed attempt at this phase (checkpoints); gone at commit


@dataclass
class PhaseResult:
    """What a phase reports; saved as result.json so a cached phase re-reports identically."""

    metrics: dict[str, float] = field(default_factory=dict)  # final values
    tags: dict[str, str] = field(default_factory=dict)
    datasets: list[dict[str, Any]] = field(default_factory=list)  # name, source, digest, context, rows
    artifacts: list[str] = field(default_factory=list)  # paths relative to the phase directory
    info: dict[str, Any] = field(default_factory=dict)  # runtime, steps, parameter count, ...

    def to_dict(self) -> dict[str, Any]:
        return {"metrics": self.metrics, "tags": self.tags, "datasets": self.datasets,
                "artifacts": self.artifacts, "info": self.info}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "PhaseResult":
        return cls(**{k: d.get(k) or type(getattr(cls(), k))() for k in ("metrics", "tags", "datasets", "artifacts", "info")})


def runner(kind: str) -> Callable[[PhaseContext], PhaseResult]:
    module, _, fn = RUNNERS[kind].partition(":")
    run = getattr(importlib.import_module(module), fn)
    if kind not in DATA_PARALLEL:
        return run

    def run_maybe_parallel(ctx: PhaseContext) -> PhaseResult:
        if ctx.cfg.devices > 1:  # torchrun workers, rank 0 writing (ablate.phases.distributed)
            from ablate.phases import distributed

            return distributed.launch(kind, ctx)
        return run(ctx)

    return run_maybe_parallel


DATA_PARALLEL = ("intermediate", "finetune")  # the training phases: evaluation stays one process
