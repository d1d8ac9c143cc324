"""What one sweep job does: build a unit's phases, or run its request (`ablate run`).

    python -m ablate.sweep.job <output_dir>/sweeps/units/<unit>.json

A phase unit executes the request's plan cut down to its root phase and that phase's ancestors,
under a parent run tagged kind=build (ancestors built by other units are found in the store);
a run unit executes the whole plan like `ablate run`. The job records its own state in the
ledger, so status does not depend on the scheduler remembering finished jobs.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from ablate.sweep.graph import request_from
from ablate.sweep.ledger import Ledger


def scheduler_job_id() -> str:
    """The Slurm job id as squeue prints it (`123_4` for an array task), or `local-<pid>`."""
    env = os.environ
    if env.get("SLURM_ARRAY_JOB_ID") and env.get("SLURM_ARRAY_TASK_ID"):
        return f"{env['SLURM_ARRAY_JOB_ID']}_{env['SLURM_ARRAY_TASK_ID']}"
    return env.get("SLURM_JOB_ID") or f"local-{os.getpid()}"


def run_unit(spec_path: str | Path) -> str:
    """Run the unit described by `spec_path`; returns its id. Raises what the run raised."""
    from ablate import owner
    from ablate.cli import run_plan  # the same path as `ablate run` (preflight, revisions, tracking)
    from ablate.plan import Plan

    spec = json.loads(Path(spec_path).read_text())
    unit = spec["unit"]
    ledger = Ledger(spec["base"]["output_dir"])
    starts = ledger.record(unit).get("starts", 0) + 1  # >1 after a requeue or a resubmission
    ledger.write_record(unit, state="running", job_id=scheduler_job_id(), starts=starts, **owner.tags(),
                        devices=os.environ.get("CUDA_VISIBLE_DEVICES"), started=time.time(), finished=None, error=None)
    try:
        plan, cfg = request_from(spec["request"]).plan(spec["base"])
        if spec["phase"] is not None:
            keep = _with_ancestors(plan, spec["phase"])
            plan = Plan(plan.recipe, plan.question, tuple(p for p in plan.phases if p.name in keep))
        run_plan(plan, cfg, quiet=True, kind="run" if spec["phase"] is None else "build")
    except BaseException as e:
        ledger.write_record(unit, state="failed", finished=time.time(), error=" ".join(f"{type(e).__name__}: {e}".split())[:500])
        raise
    ledger.write_record(unit, state="done", finished=time.time())
    return unit


def _with_ancestors(plan, name: str) -> set[str]:
    keep = {name}
    for dep in plan.phase(name).inputs:
        keep |= _with_ancestors(plan, dep)
    return keep


if __name__ == "__main__":
    from ablate.errors import AblateError

    try:
        run_unit(sys.argv[1])
    except AblateError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
