"""Data-parallel training phases: one phase in N processes under torchrun, same global batch.

With `devices` N > 1 (`--set devices=2`) a training phase is launched as

    python -m torch.distributed.run --standalone --nproc_per_node N -m ablate.phases.distributed SPEC

Every rank runs the phase's ordinary runner; the transformers Trainer does the DDP part from
torchrun's environment (gloo on CPU, nccl on GPUs) and each rank takes batch_size / N examples
per step, so the global batch and the step count stay those of one process. Each rank scores
the whole English dev set with identical weights, so all ranks make the same selection and
early-stopping decisions.

Only rank 0 writes: its output directory is the phase's (the store's partial directory), the
other ranks write into scratch directories that are removed; rank 0's metric events go to a
JSONL file that the launcher replays through `ctx.log` after the workers end, so MLflow is still
written by the executor alone (runners never see MLflow).
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from ablate.phases import PhaseContext, PhaseResult
from ablate.store import jsonable


def launch(kind: str, ctx: PhaseContext) -> PhaseResult:
    n = ctx.cfg.devices  # config_check made sure it divides every batch size
    with tempfile.TemporaryDirectory(prefix="ablate-ddp-") as tmp:
        spec = Path(tmp) / "spec.json"
        spec.write_text(json.dumps({
            "kind": kind, "cfg": ctx.cfg.to_dict(), "seed": ctx.seed, "out": str(ctx.out),
            "inputs": {k: str(v) for k, v in ctx.inputs.items()},
            "phase": {"name": ctx.phase.name, "kind": ctx.phase.kind, "task": ctx.phase.task,
                      "inputs": list(ctx.phase.inputs), "settings": dict(ctx.phase.settings),
                      "seeded": ctx.phase.seeded, "task_in_key": ctx.phase.task_in_key},
        }, default=jsonable))
        cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={n}",
               "-m", "ablate.phases.distributed", str(spec)]
        ctx.progress.print(f"  [dim]{ctx.phase.name}: {n} data-parallel processes (torchrun)[/]")
        done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if done.returncode != 0:
            tail = " | ".join(line for line in done.stdout.splitlines()[-30:] if "Error" in line or "error" in line)
            raise RuntimeError(f"{ctx.phase.name}: the {n} torchrun workers failed (exit {done.returncode}): "
                               f"{tail[-800:] or done.stdout[-800:]}")
        events = Path(tmp) / "events.jsonl"
        for line in events.read_text().splitlines() if events.is_file() else []:
            event = json.loads(line)
            ctx.log(event["metrics"], event["step"])
        result = PhaseResult.from_dict(json.loads((Path(tmp) / "result.json").read_text()))
    result.info["data_parallel_processes"] = n
    result.tags["data_parallel"] = f"{n} processes"
    return result


def _worker(spec_path: Path) -> None:
    from ablate.config import resolve
    from ablate.phases import RUNNERS
    from ablate.plan import Phase
    from ablate.progress import Progress

    rank = int(os.environ.get("RANK", "0"))
    spec = json.loads(spec_path.read_text())
    cfg_dict = spec["cfg"]
    cfg = resolve(cfg_dict["preset"], None, {k: v for k, v in cfg_dict.items() if k != "preset"})
    p = spec["phase"]
    phase = Phase(p["name"], p["kind"], p["task"], tuple(p["inputs"]), p["settings"], p["seeded"], p["task_in_key"])
    out = Path(spec["out"]) if rank == 0 else Path(tempfile.mkdtemp(prefix=f"ablate-rank{rank}-"))
    events = spec_path.parent / "events.jsonl"

    def log(metrics, step) -> None:
        if rank == 0:
            with open(events, "a") as f:
                f.write(json.dumps({"metrics": metrics, "step": step}) + "\n")

    module, _, fn = RUNNERS[spec["kind"]].partition(":")
    run = getattr(importlib.import_module(module), fn)
    ctx = PhaseContext(cfg=cfg, phase=phase, seed=spec["seed"], inputs={k: Path(v) for k, v in spec["inputs"].items()},
                       out=out, log=log, progress=Progress(enabled=False))
    try:
        result = run(ctx)
    finally:
        if rank != 0:
            shutil.rmtree(out, ignore_errors=True)
    if rank == 0:
        (spec_path.parent / "result.json").write_text(json.dumps(result.to_dict(), default=jsonable))


if __name__ == "__main__":
    _worker(Path(sys.argv[1]))
