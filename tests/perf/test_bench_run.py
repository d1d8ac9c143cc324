"""`python benchmarks/run.py` runs its benchmarks at the smallest sizes and writes one JSON file.
No timing is asserted: only that every benchmark ran, reported its figures and the machine."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

RUN = Path(__file__).resolve().parents[2] / "benchmarks" / "run.py"
FAST = "batching,phase_cache,scale,train_overhead,mt_realistic"


def _run(tmp_path, only: str | None) -> dict:
    out = tmp_path / "bench.json"
    cmd = [sys.executable, str(RUN), "--tiny", "--out", str(out)] + (["--only", only] if only else [])
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "## summary" in proc.stdout and "cores" in proc.stdout
    return json.loads(out.read_text())


def test_run_tiny_writes_every_figure_with_the_machine(tmp_path):
    data = _run(tmp_path, FAST)
    assert data["mode"] == "tiny" and data["machine"]["cores"] >= 1 and data["machine"]["versions"]["torch"]
    b = data["benchmarks"]
    assert set(b) == set(FAST.split(","))
    for shape in ("mnli", "squad", "panx"):  # exact token counts: grouping never pads more than random order
        row = b["batching"]["result"]["shapes"][shape]
        assert row["grouped"]["tokens"] <= row["random"]["tokens"] <= row["fixed"]["tokens"]
    cache = b["phase_cache"]["result"]
    assert cache["built"]["intermediate"] < cache["naive"]["intermediate"]  # shared by targets
    assert b["scale"]["result"]["runs"][-1]["cache_hit"] is True
    assert b["train_overhead"]["result"]["bare_s"] > 0 and b["train_overhead"]["result"]["ablate_s"] > 0
    assert set(b["mt_realistic"]["result"]["decoding"]) == {"greedy", "beam4"}
    assert len(data["summary"]) == 6  # one line each, MT one per decoding mode


@pytest.mark.slow
def test_run_tiny_every_benchmark(tmp_path):
    data = _run(tmp_path, None)
    assert all(entry["ok"] and entry["output"] for entry in data["benchmarks"].values())
