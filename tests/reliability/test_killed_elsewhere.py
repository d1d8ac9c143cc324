"""A run of another machine cannot be judged from here: it is left RUNNING, and the run says so
(the limitation the README states, in the output it affects)."""

from __future__ import annotations

import io


def test_a_running_run_of_another_machine_is_left_alone_and_the_new_run_says_so(tmp_path):
    from rich.console import Console

    from ablate.config import resolve
    from ablate.execute import execute
    from ablate.phases import PhaseResult
    from ablate.progress import Progress
    from ablate.recipes import load
    from ablate.tracking import Tracker

    tracker = Tracker(f"sqlite:///{tmp_path / 'mlflow.db'}", "ablate")
    elsewhere = tracker.start("baseline seed=1", {"kind": "run", "ablate.host": "another-machine", "ablate.pid": "1"})
    gone_here = tracker.start("baseline seed=2", {"kind": "run", "ablate.pid": "999999999"})  # no such pid
    assert tracker.running_elsewhere() == 1

    cfg = resolve("smoke", None, {"targets": "xnli", "output_dir": str(tmp_path / "out")})
    shown = io.StringIO()
    progress = Progress(console=Console(file=shown, width=300), enabled=False, lines=True)
    execute(load("baseline").plan(cfg), cfg, tracker, progress,
            run_phase=lambda kind: lambda ctx: PhaseResult(metrics={"xnli.en.accuracy": 50.0}))

    assert tracker.client.get_run(elsewhere).info.status == "RUNNING"
    assert tracker.client.get_run(gone_here).info.status == "KILLED"
    assert "1 run(s) started on other machines show RUNNING" in shown.getvalue()
    assert f"Marked run {gone_here} KILLED" in shown.getvalue()
