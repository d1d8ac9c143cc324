"""What a sweep leaves beside the phase store, under `<output_dir>/sweeps/`:

- `units/<unit>.json`   the job's input: its request, the shared base settings, its root phase;
- `jobs/<unit>.json`    written by the job itself: running / done / failed, its scheduler job id,
                        host and pid, how often it started, start and end times (UTC seconds),
                        the error line;
- `submitted.jsonl`     one line per submission: unit, executor, scheduler job id, time.

Plain JSON only, so `ablate sweep status` can read a sweep from any process and version.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from ablate.store import write_json


class Ledger:
    def __init__(self, output_dir: str | Path):
        self.root = Path(output_dir).resolve() / "sweeps"

    def spec_path(self, unit: str) -> Path:
        return self.root / "units" / f"{unit}.json"

    def write_spec(self, unit: str, spec: dict[str, Any]) -> Path:
        path = self.spec_path(unit)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_json(path, spec)
        return path

    def record(self, unit: str) -> dict[str, Any]:
        try:
            return json.loads((self.root / "jobs" / f"{unit}.json").read_text())
        except (OSError, ValueError):
            return {}

    def write_record(self, unit: str, **fields: Any) -> None:
        path = self.root / "jobs" / f"{unit}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        write_json(path, {**self.record(unit), **fields})

    def add_submission(self, unit: str, executor: str, job_id: str) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"unit": unit, "executor": executor, "job_id": job_id, "time": time.time()})
        with open(self.root / "submitted.jsonl", "a") as f:  # one short line per write: appends do not interleave
            f.write(line + "\n")
            f.flush()
            os.fsync(f.fileno())

    def submissions(self) -> dict[str, dict[str, Any]]:
        """The latest submission of each unit."""
        out: dict[str, dict[str, Any]] = {}
        try:
            lines = (self.root / "submitted.jsonl").read_text().splitlines()
        except OSError:
            return out
        for line in lines:
            try:
                entry = json.loads(line)
            except ValueError:
                continue  # a line cut by a crash mid-write
            out[entry["unit"]] = entry
        return out
