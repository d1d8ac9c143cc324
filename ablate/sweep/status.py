"""The state of each unit of a sweep: done / queued / running / failed / missing.

`done` comes from the phase store (a phase unit's phases are complete) or from the run unit's
own record; `queued` and `running` from the scheduler (squeue) for Slurm jobs, from the job's
process for local ones; `failed` is a unit that was submitted and is neither done nor alive (it
failed, was cancelled or killed); `missing` was never submitted.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from ablate import owner
from ablate.store import PhaseStore
from ablate.sweep.graph import Unit
from ablate.sweep.ledger import Ledger

QUEUED = {"PENDING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "SUSPENDED"}
ACTIVE = {"RUNNING", "CONFIGURING", "COMPLETING", "RESIZING", "SIGNALING", "STAGE_OUT"}
STATES = ("done", "running", "queued", "failed", "missing")


@dataclass
class UnitState:
    unit: Unit
    state: str  # one of STATES
    job_id: str = ""
    detail: str = ""


def scheduler_states(job_ids: list[str]) -> dict[str, str]:
    """{job id: Slurm state} for the jobs the controller still knows (squeue, arrays expanded);
    {} where there is no Slurm."""
    if not job_ids:
        return {}
    try:
        out = subprocess.run(["squeue", "-h", "-r", "-t", "all", "-o", "%i|%T"], capture_output=True,
                             text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return {}
    wanted = set(job_ids)
    pairs = (line.strip().partition("|") for line in out.stdout.splitlines())
    return {jid: state for jid, _, state in pairs if jid in wanted}


def is_done(unit: Unit, store: PhaseStore, ledger: Ledger) -> bool:
    if unit.phase is not None:
        return all(store.is_complete(kind, key) for kind, key in unit.builds)
    return ledger.record(unit.id).get("state") == "done"


def unit_states(units: list[Unit], output_dir: str | Path) -> list[UnitState]:
    store, ledger = PhaseStore(output_dir), Ledger(output_dir)
    submitted = ledger.submissions()
    sched = scheduler_states([s["job_id"] for s in submitted.values() if s["executor"] == "slurm"])
    out = []
    for unit in units:
        sub, record = submitted.get(unit.id), ledger.record(unit.id)
        job = sub["job_id"] if sub else ""
        if is_done(unit, store, ledger):
            out.append(UnitState(unit, "done", record.get("job_id", job)))
        elif sub and sub["executor"] == "slurm" and sched.get(job) in QUEUED | ACTIVE:
            out.append(UnitState(unit, "queued" if sched[job] in QUEUED else "running", job, sched[job].lower()))
        elif sub and sub["executor"] == "local" and record.get("state") == "running" and not owner.is_dead(record):
            out.append(UnitState(unit, "running", record.get("job_id", ""), f"pid {record.get('ablate.pid')}"))
        elif sub:
            why = record.get("error") or (sched.get(job, "").lower() or "ended without finishing")
            out.append(UnitState(unit, "failed", job, why))
        else:
            out.append(UnitState(unit, "missing"))
    return out
