"""End to end on real smoke runs: baseline and stilts:mnli on xnli,pawsx, seeds 1,2 ->
`ablate compare` (files, MLflow report run, regeneration) -> `ablate checklist`."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ablate.records import Store
from ablate.reports import compare


@pytest.fixture
def smoke(smoke_store):
    """The session's smoke runs (tests/conftest.py), shared with tests/test_pipeline_e2e.py."""
    return smoke_store


def _main(*args) -> int:
    from ablate.cli import main

    try:
        main(list(args))
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else 1
    return 0


def test_compare_and_checklist_on_smoke_runs(smoke, tmp_path):
    out = tmp_path / "report"
    assert _main("compare", "--baseline", "baseline", "--treatment", "stilts:mnli", "-o", str(smoke.output_dir),
                 "--out", str(out), "-B", "1000") == 0
    data = json.loads((out / "report.json").read_text())
    assert "data:image/png;base64," in (out / "report.html").read_text()
    assert (out / "report.md").read_text().startswith("# ablate compare: stilts:mnli vs baseline")
    assert data["targets"] == ["xnli", "pawsx"] and data["seeds"] == {"baseline": [1, 2], "stilts:mnli": [1, 2]}
    assert data["B"] == 3000 and data["B_raised"] and data["parallel_test_sets"] == {"xnli": True, "pawsx": True}
    lines = data["lines"]
    assert len([m for m in lines if m["level"] == "cell"]) == 15 + 7
    for task in ("xnli", "pawsx"):
        cells = [m["delta"] for m in lines if m["level"] == "cell" and m["task"] == task]
        t = next(m for m in lines if m["level"] == "task" and m["task"] == task)
        assert t["delta"] == pytest.approx(np.mean(cells))
        assert t["p"] is None and t["of"] is None and "2 seeds per arm" in t["refused"]  # too few seeds: refused
    for m in lines:
        assert m["low"] <= m["delta"] <= m["high"] and m["seed_min_p"] == 0.5
        assert m["p"] is None or m["p_holm"] >= m["p"]

    store = Store(smoke.uri, "ablate")
    run_id = data["report_run_id"]
    tags = store.run_info(run_id)["tags"]
    assert tags["kind"] == "report" and tags["B"] == "3000" and len(tags["source_run_ids"].split(",")) == 4
    regen = tmp_path / "again"
    assert _main("compare", "--from-report", run_id, "-o", str(smoke.output_dir), "--out", str(regen)) == 0
    assert compare.numbers_of(json.loads((regen / "report.json").read_text())) == compare.numbers_of(data)

    # `ablate power` on the demo-like store: 2 pilot seeds per arm (1 degree of freedom) still plan.
    assert _main("power", "--baseline", "baseline", "--treatment", "stilts:mnli", "-o", str(smoke.output_dir),
                 "--delta", "1.6") == 0

    assert _main("checklist", "-o", str(smoke.output_dir), "--out", str(tmp_path / "checklist.md"), "-B", "1000") == 0
    checklist = json.loads((tmp_path / "checklist.json").read_text())
    assert len(checklist["claims"]) == 10
    from ablate.reports.claims import NOT_ENOUGH

    # Smoke runs exercise the machinery and never reproduce (or fail to reproduce) the paper.
    assert all(r["status"] not in ("reproduced", "not reproduced") for r in checklist["claims"])
    statuses = {r["id"]: r["status"] for r in checklist["claims"]}
    # 2 seeds per arm: the average level gets no p (docs/statistics.md), so the headline claim waits for
    # seeds before the smoke verdict would even apply.
    assert statuses["squad-gain"] == NOT_ENOUGH and statuses["mnli-gain"] == NOT_ENOUGH
    assert "too few seeds" in next(r["reason"] for r in checklist["claims"] if r["id"] == "mnli-gain")
    md = (tmp_path / "checklist.md").read_text()
    assert "## (c) Open" in md and "ablate run baseline --targets xnli,pawsx --seeds 1,2 --preset smoke" in md
    assert "SMOKE RUNS" in md and "ablate rerun " in md
