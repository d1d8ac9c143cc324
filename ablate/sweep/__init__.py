"""Sweeps: a grid of runs (ablate.grid) as jobs that share the phase store, run locally or on Slurm.

    ablate sweep --recipes stilts,baseline --tasks mnli --targets xnli --seeds 1,2 --executor slurm

The library entry point is `submit(requests, executor, ...)`; `states(...)` reads a sweep's
progress. How a grid becomes jobs: ablate.sweep.graph; what a job does: ablate.sweep.job.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ablate.errors import AblateError, unknown
from ablate.grid import RunRequest
from ablate.sweep.graph import Unit, request_dict, units
from ablate.sweep.ledger import Ledger
from ablate.sweep.status import UnitState, unit_states

EXECUTORS = ("local", "slurm")


@dataclass
class Sweep:
    units: list[Unit]
    output_dir: Path
    already_done: list[str] = field(default_factory=list)  # unit ids found complete: not run again
    kept: dict[str, str] = field(default_factory=dict)  # unit id -> job id still queued/running: depended on
    submitted: dict[str, str] = field(default_factory=dict)  # unit id -> Slurm job id
    outcome: dict[str, str] = field(default_factory=dict)  # local: unit id -> done / failed / skipped


def base_settings(requests: list[RunRequest], base: Mapping[str, Any]) -> dict[str, Any]:
    """`base` with an absolute output directory (jobs may start in another directory)."""
    if not requests:
        raise AblateError("The sweep is empty: give at least one recipe and one seed.")
    cfg = requests[0].resolve(base)
    return {**{k: v for k, v in base.items() if v is not None}, "output_dir": str(Path(cfg.output_dir).resolve())}


def states(requests: list[RunRequest], base: Mapping[str, Any]) -> list[UnitState]:
    base = base_settings(requests, base)
    return unit_states(units(requests, base), base["output_dir"])


def submit(requests: list[RunRequest], executor: str = "local", base: Mapping[str, Any] | None = None,
           workers: int = 1, devices: tuple[str, ...] = (), slurm=None,
           echo: Callable[[str], None] = print) -> Sweep:
    """Run or submit every unit of `requests` that is not done yet.

    `base`: settings under every request (output_dir, tracking_uri, experiment, data_dir, device).
    local: `workers` processes (1 = in this process), each pinned to one of `devices` if given.
    slurm: `slurm` is an ablate.sweep.slurm.SlurmOptions; units already queued or running in
    Slurm are depended on, not submitted twice. Returns without waiting for Slurm jobs."""
    if executor not in EXECUTORS:
        raise unknown("executor", executor, EXECUTORS)
    if executor == "slurm" and shutil.which("sbatch") is None:
        raise AblateError("--executor slurm needs Slurm's `sbatch` on PATH (run it on the cluster's login "
                          "node), or use --executor local.")
    base = base_settings(requests, base or {})
    out = Path(base["output_dir"])
    sweep = Sweep(units(requests, base), out)
    ledger = Ledger(out)
    todo = []
    for st in unit_states(sweep.units, out):
        if st.state == "done":
            sweep.already_done.append(st.unit.id)
        elif executor == "slurm" and st.state in ("queued", "running") and st.job_id and not st.job_id.startswith("local"):
            sweep.kept[st.unit.id] = st.job_id
        else:
            todo.append(st.unit)
    specs = {u.id: ledger.write_spec(u.id, {"unit": u.id, "request": request_dict(u.request), "base": base,
                                            "phase": u.phase}) for u in todo}
    if executor == "local":
        from ablate.sweep import local

        for u in todo:
            ledger.add_submission(u.id, "local", "local")
        sweep.outcome = local.run(todo, specs, workers, devices, echo)
    else:
        from ablate.sweep import slurm as slurm_executor

        sweep.submitted = slurm_executor.submit(todo, specs, sweep.kept, slurm or slurm_executor.SlurmOptions(),
                                                ledger.root / "slurm")
        for uid, job_id in sweep.submitted.items():
            ledger.add_submission(uid, "slurm", job_id)
    return sweep
