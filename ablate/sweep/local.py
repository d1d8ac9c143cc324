"""The local executor: units in dependency order, one at a time in this process, or in N worker
processes (`python -m ablate.sweep.job`), each optionally pinned to one device."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from ablate.sweep.graph import Unit


def run(todo: list[Unit], specs: dict[str, Path], workers: int = 1, devices: tuple[str, ...] = (),
        echo=print) -> dict[str, str]:
    """Run `todo` (dependencies first; every dependency is done or in `todo`); returns {unit id:
    "done" | "failed" | "skipped"}. A unit whose dependency failed is skipped; independent units
    still run."""
    outcome: dict[str, str] = {}
    pending = list(todo)
    running: dict[str, tuple[subprocess.Popen, int]] = {}  # unit -> (process, worker slot)
    while pending or running:
        for unit in list(pending):
            if any(outcome.get(d) in ("failed", "skipped") for d in unit.deps):
                outcome[unit.id] = "skipped"
                pending.remove(unit)
        waiting = {u.id for u in pending} | set(running)
        ready = [u for u in pending if not waiting.intersection(u.deps)]
        free = [s for s in range(max(1, workers)) if s not in {slot for _, slot in running.values()}]
        for unit, slot in zip(ready, free):
            pending.remove(unit)
            echo(f"  start {unit.id}: {unit.label}")
            if workers <= 1:
                outcome[unit.id] = _in_process(specs[unit.id])
                echo(f"  {outcome[unit.id]} {unit.id}")
                break  # re-evaluate what is ready
            env = dict(os.environ)
            if devices:
                env["CUDA_VISIBLE_DEVICES"] = devices[slot % len(devices)]
            proc = subprocess.Popen([sys.executable, "-m", "ablate.sweep.job", str(specs[unit.id])], env=env,
                                    stdout=subprocess.DEVNULL)
            running[unit.id] = (proc, slot)
        for uid, (proc, _) in list(running.items()):
            if proc.poll() is not None:
                outcome[uid] = "done" if proc.returncode == 0 else "failed"
                echo(f"  {outcome[uid]} {uid}")
                del running[uid]
        if running:
            time.sleep(0.2)
    return outcome


def _in_process(spec: Path) -> str:
    from ablate.errors import AblateError
    from ablate.sweep.job import run_unit

    try:
        run_unit(spec)
    except Exception as e:  # noqa: BLE001 -- one unit's failure must not stop the independent ones
        kind = "" if isinstance(e, AblateError) else f"{type(e).__name__}: "
        print(f"  error: {kind}{' '.join(str(e).split())}", file=sys.stderr)
        return "failed"
    return "done"
