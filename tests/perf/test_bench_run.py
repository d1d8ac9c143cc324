"""`python benchmarks/run.py --quick` runs every benchmark and writes one JSON file (the issue
that asked for the benchmarks asked for `--quick` in CI: about 150 s on 2 quiet cores).
No timing is asserted (the machine may be shared): only that every benchmark ran and reported
its figures next to the machine, and the figures that do not depend on timing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

RUN = Path(__file__).resolve().parents[2] / "benchmarks" / "run.py"
EVERY = {"batching", "train_overhead", "scale", "phase_cache", "mt_realistic", "mt_engine", "significance"}


def test_run_quick_writes_every_figure_with_the_machine(tmp_path):
    mode = "quick"
    out = tmp_path / "bench.json"
    proc = subprocess.run([sys.executable, str(RUN), f"--{mode}", "--out", str(out)],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "## summary" in proc.stdout and "cores" in proc.stdout
    data = json.loads(out.read_text())
    assert data["mode"] == mode and data["machine"]["cores"] >= 1 and data["machine"]["versions"]["torch"]
    b = data["benchmarks"]
    assert set(b) == EVERY
    assert all(entry["ok"] and entry["output"] for entry in b.values())
    for shape in ("mnli", "squad", "panx"):  # exact token counts: grouping never pads more than random order
        row = b["batching"]["result"]["shapes"][shape]
        assert row["grouped"]["tokens"] < row["random"]["tokens"] < row["fixed"]["tokens"]
    cache = b["phase_cache"]["result"]
    assert cache["built"]["intermediate"] < cache["naive"]["intermediate"]  # shared by targets
    assert b["scale"]["result"]["runs"][-1]["cache_hit"] is True
    overhead = b["train_overhead"]["result"]
    assert len(overhead["bare_s"]) == len(overhead["ablate_s"]) == overhead["repeats"]
    assert min(overhead["bare_s"]) > 0 and min(overhead["ablate_s"]) > 0
    mt = b["mt_realistic"]["result"]["decoding"]
    assert set(mt) == {"greedy", "beam4"}
    assert mt["greedy"]["hit_cap"] < 0.5  # the trained model stops at EOS: the workload is realistic
    assert len(data["summary"]) == 6  # one line each, MT one per decoding mode
