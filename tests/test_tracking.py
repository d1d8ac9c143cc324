"""Tracker.run ends every run with the status it earned (the checklist counts failed runs)."""

from __future__ import annotations

import pytest

from ablate.tracking import Tracker


def test_run_status_finished_failed_killed(tmp_path):
    tracker = Tracker(f"sqlite:///{tmp_path / 'mlflow.db'}", "status")
    ids = {}
    with tracker.run("ok", {"kind": "run"}) as ids["ok"]:
        pass
    with pytest.raises(RuntimeError):
        with tracker.run("boom", {"kind": "run"}) as ids["boom"]:
            raise RuntimeError("boom")
    with pytest.raises(KeyboardInterrupt):
        with tracker.run("ctrl-c", {"kind": "run"}, parent=ids["ok"]) as ids["ctrl-c"]:
            raise KeyboardInterrupt
    status = {name: tracker.client.get_run(run_id).info.status for name, run_id in ids.items()}
    assert status == {"ok": "FINISHED", "boom": "FAILED", "ctrl-c": "KILLED"}
    assert tracker.client.get_run(ids["ctrl-c"]).data.tags["mlflow.parentRunId"] == ids["ok"]
