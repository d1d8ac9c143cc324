"""The Slurm executor, through submitit: one job per unit, array jobs with a concurrency cap,
dependencies as `afterok` (a unit waits for its encoder in the scheduler, not by polling), and
requeue on preemption or timeout.

Units whose dependency set is the same are submitted together as one array. A dependant of a job
that fails or is cancelled is cancelled by Slurm too (`kill-on-invalid-dep`), so resubmitting
the sweep finds it gone and submits it again.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import submitit

from ablate.errors import AblateError
from ablate.sweep.graph import Unit

@dataclass(frozen=True)
class SlurmOptions:
    partition: str | None = None  # None: the cluster's default partition
    gpus: int = 0  # GPUs per job (per node)
    cpus: int = 1  # CPUs per job
    mem_gb: float | None = None  # None: the partition's default
    time_min: int = 60  # time limit; a job that reaches it is requeued (max_requeues times)
    array_parallelism: int = 16  # at most this many tasks of one array run at once
    max_requeues: int = 3


class UnitJob(submitit.helpers.Checkpointable):
    """One unit as a submitit job. Checkpointable: on preemption or timeout submitit requeues the
    same call, and the rerun reuses every phase already in the store."""

    def __call__(self, spec: str) -> str:
        from ablate.sweep.job import run_unit

        return run_unit(spec)


def submit(todo: list[Unit], specs: dict[str, Path], alive: dict[str, str], options: SlurmOptions,
           folder: Path) -> dict[str, str]:
    """Submit `todo` (dependencies first); `alive` maps units already queued or running to their
    job ids (they are depended on, not resubmitted). Returns {unit id: job id} for `todo`."""
    ids = dict(alive)
    waves = _waves(todo, ids)
    for wave in waves:
        groups: dict[tuple[str, ...], list[Unit]] = {}
        for unit in wave:
            groups.setdefault(tuple(sorted(ids[d] for d in unit.deps if d in ids)), []).append(unit)
        for deps, units in groups.items():
            executor = submitit.AutoExecutor(folder=folder / "%j", cluster="slurm",
                                             slurm_max_num_timeout=options.max_requeues)
            extra: dict = {"requeue": True}
            if deps:
                extra.update({"dependency": "afterok:" + ":".join(deps), "kill-on-invalid-dep": "yes"})
            kinds = {u.id.split("-", 1)[0] for u in units}
            kind = kinds.pop() if len(kinds) == 1 else "phase"
            given = {"gpus_per_node": options.gpus or None, "mem_gb": options.mem_gb,
                     "slurm_partition": options.partition}
            executor.update_parameters(
                name=f"ablate-{kind}", timeout_min=options.time_min, cpus_per_task=options.cpus,
                slurm_array_parallelism=options.array_parallelism, slurm_additional_parameters=extra,
                **{k: v for k, v in given.items() if v is not None})
            try:
                with executor.batch():
                    jobs = [executor.submit(UnitJob(), str(specs[u.id])) for u in units]
            except (RuntimeError, subprocess.CalledProcessError) as e:
                raise AblateError(f"sbatch refused the sweep's jobs: {' '.join(str(e).split())[:300]}") from e
            for unit, job in zip(units, jobs):
                ids[unit.id] = job.job_id
    return {u.id: ids[u.id] for u in todo}


def _waves(todo: list[Unit], known: dict[str, str]) -> list[list[Unit]]:
    """`todo` in waves: each unit's dependencies are in an earlier wave, or already known."""
    placed = set(known)
    waves: list[list[Unit]] = []
    left = list(todo)
    names = {u.id for u in todo}
    while left:
        wave = [u for u in left if all(d in placed or d not in names for d in u.deps)]
        if not wave:
            raise AblateError("the sweep's units have a dependency cycle: " + ", ".join(u.id for u in left))
        waves.append(wave)
        placed |= {u.id for u in wave}
        left = [u for u in left if u not in wave]
    return waves
