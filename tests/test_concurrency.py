"""Concurrent runs into one output directory, and a run killed with SIGKILL (real subprocesses)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

RUN = [sys.executable, "-m", "ablate", "run", "baseline", "--targets", "xnli", "--preset", "smoke", "--seeds", "1", "-q"]
REPO = Path(__file__).resolve().parent.parent


def _env():
    return {**os.environ, "PYTHONPATH": str(REPO)}


def _runs(out: Path):
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=f"sqlite:///{out / 'mlflow.db'}")
    exp = client.get_experiment_by_name("ablate")
    return client, client.search_runs([exp.experiment_id], max_results=1000)


def test_four_identical_runs_started_together_into_a_new_dir_all_succeed_and_build_each_phase_once(tmp_path):
    out = tmp_path / "fresh"
    procs = [subprocess.Popen([*RUN, "-o", str(out)], cwd=tmp_path, env=_env(), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(4)]
    results = [(p.wait(timeout=600), p.stdout.read(), p.stderr.read()) for p in procs]
    for code, _, err in results:
        assert code == 0, err
        assert "Traceback" not in err
    _, runs = _runs(out)
    parents = [r for r in runs if r.data.tags.get("kind") == "run"]
    assert len(parents) == 4 and all(r.info.status == "FINISHED" for r in parents)
    children = [r for r in runs if r.data.tags.get("kind") == "phase"]
    built = [r.data.tags["phase"] for r in children if r.data.tags["cached"] == "no"]
    assert sorted(built) == ["evaluate:xnli", "finetune:xnli"]  # once each; the other runs waited and reused
    assert sum(r.data.tags["cached"] == "yes" for r in children) == 6
    assert len({r.data.metrics["xnli.avg.accuracy.test"] for r in parents if "xnli.avg.accuracy.test" in r.data.metrics}) <= 1


def test_a_killed_run_is_marked_killed_and_replaced_with_no_partial_output_left(tmp_path):
    out = tmp_path / "out"
    # Killed as soon as the fine-tune's partial directory appears: it then still has to load its
    # data and model and train 40 steps, so it is certainly mid-phase.
    slow = ["--set", "finetune.xnli.max_steps=40", "--set", "finetune.xnli.eval_every=40"]
    proc = subprocess.Popen([*RUN, *slow, "-o", str(out)], cwd=tmp_path, env=_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    phases = out / "phases" / "finetune"
    deadline = time.monotonic() + 300
    while not list(phases.glob("*.partial-*")) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL, proc.stderr.read()
    assert list(phases.glob("*.partial-*")) and not [d for d in phases.iterdir() if ".partial-" not in d.name]
    client, runs = _runs(out)
    assert {r.info.status for r in runs} == {"RUNNING"}  # parent and in-flight child, left behind
    killed_parent = next(r.info.run_id for r in runs if r.data.tags["kind"] == "run")

    done = subprocess.run([*RUN, *slow, "-o", str(out)], cwd=tmp_path, env=_env(), capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    client, runs = _runs(out)
    assert "RUNNING" not in {r.info.status for r in runs}
    by_id = {r.info.run_id: r for r in runs}
    assert by_id[killed_parent].info.status == "KILLED"
    killed = [r for r in runs if r.info.status == "KILLED"]
    assert len(killed) == 2  # the parent and its in-flight fine-tune
    new_parent = next(r for r in runs if r.data.tags["kind"] == "run" and r.info.status == "FINISHED")
    assert new_parent.data.tags["replaces"] == killed_parent
    assert not list(phases.glob("*.partial-*"))
    for name, value in new_parent.data.metrics.items():
        assert len(client.get_metric_history(new_parent.info.run_id, name)) == 1, name
    assert not by_id[killed_parent].data.metrics  # the killed parent reported nothing to count twice


def test_a_phase_lock_makes_the_second_holder_wait_and_a_killed_holder_releases_it(tmp_path):
    import threading

    from ablate.store import PhaseStore

    store = PhaseStore(tmp_path)
    events: list[str] = []
    with store.lock("finetune", "k"):
        waiter = threading.Thread(target=lambda: _hold(store, events))
        waiter.start()
        deadline = time.monotonic() + 30
        while "waiting" not in events and time.monotonic() < deadline:
            time.sleep(0.01)
        assert events == ["waiting"]  # blocked while we hold it
        events.append("released")
    waiter.join(timeout=30)
    assert events == ["waiting", "released", "acquired"]

    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from ablate.store import PhaseStore\n"
         f"with PhaseStore({str(tmp_path)!r}).lock('finetune', 'k'):\n    print('held', flush=True); time.sleep(600)"],
        env=_env(), stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    waited: list[str] = []
    with store.lock("finetune", "k", on_wait=lambda: waited.append("waited")):
        pass
    assert waited == []  # the kernel released the dead holder's lock


def _hold(store, events):
    with store.lock("finetune", "k", on_wait=lambda: events.append("waiting")):
        events.append("acquired")


def test_ctrl_c_mid_phase_exits_130_marks_the_runs_killed_and_leaves_no_partial_output(tmp_path):
    """SIGINT as a terminal's Ctrl-C sends it: typer turns KeyboardInterrupt into a *returned* exit
    code 130 when not in standalone mode, which `ablate` once passed over and exited 0 with."""
    out = tmp_path / "out"
    slow = ["--set", "finetune.xnli.max_steps=40", "--set", "finetune.xnli.eval_every=40"]
    proc = subprocess.Popen([*RUN, *slow, "-o", str(out)], cwd=tmp_path, env=_env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    phases = out / "phases" / "finetune"
    deadline = time.monotonic() + 300
    while not list(phases.glob("*.partial-*")) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    code, err = proc.wait(timeout=120), proc.stderr.read()
    assert code == 130, err
    assert "interrupted" in err and "Traceback" not in err
    assert not list(phases.glob("*.partial-*"))  # the partial fine-tune was removed on the way out
    _, runs = _runs(out)
    statuses = {r.info.run_name: r.info.status for r in runs}
    assert statuses["baseline seed=1"] == "KILLED" and statuses["finetune:xnli"] == "KILLED", statuses
    assert "RUNNING" not in statuses.values()
