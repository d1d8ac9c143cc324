"""ablate.sweep: a grid as jobs sharing the phase store; the local executor end to end; status;
resubmission; bad input; what reaches sbatch. (The Slurm executor against a real cluster: tests/scale/.)"""

from __future__ import annotations

import os

import pytest

from ablate.grid import RunRequest, expand
from ablate.sweep.graph import units
from ablate.sweep.ledger import Ledger


def _by_id(found):
    return {u.id: u for u in found}


def test_the_encoder_of_a_task_and_seed_is_one_unit_that_target_and_run_units_wait_for(tmp_path):
    requests = expand(["stilts", "baseline"], ["mnli"], ["xnli", "pawsx"], [1, 2], preset="smoke")
    # a second request needing the same encoder with other targets (as a study might split them)
    requests.append(RunRequest("stilts", "mnli", ("pawsx",), 1, preset="smoke"))
    found = units(requests, {"output_dir": str(tmp_path)})
    assert len(found) == len(_by_id(found))  # no unit twice
    encoders = [u for u in found if u.phase == "intermediate:mnli"]
    assert len(encoders) == 2 and {u.request.seed for u in encoders} == {1, 2}
    encoder_of = {u.request.seed: u.id for u in encoders}
    evaluations = [u for u in found if u.phase and u.phase.startswith("evaluate:")]
    # 2 seeds x 2 targets for stilts, the same for baseline; the extra request adds none
    assert len(evaluations) == 8
    for u in evaluations:
        assert [k for k, _ in u.builds] == ["evaluate", "finetune"]  # the fine-tune only it reads
        assert u.deps == ([encoder_of[u.request.seed]] if u.request.recipe == "stilts" else [])
    runs = [u for u in found if u.phase is None]
    assert len(runs) == 5
    for u in runs:
        assert all(d in _by_id(found) for d in u.deps)
        if u.request.recipe == "stilts":
            assert encoder_of[u.request.seed] in u.deps
        assert len([d for d in u.deps if d.startswith("evaluate-")]) == len(u.request.targets)
    order = [u.id for u in found]
    assert all(order.index(d) < order.index(u.id) for u in found for d in u.deps)  # dependencies first


def test_a_fine_tune_read_by_two_evaluations_is_its_own_unit(tmp_path):
    """XQuAD and MLQA share SQuAD's fine-tune (keyed by its training data): one job builds it and
    both evaluations wait for it, instead of two jobs racing for its lock."""
    found = units([RunRequest("baseline", None, ("xquad", "mlqa"), 1, preset="smoke")], {"output_dir": str(tmp_path)})
    finetunes = [u for u in found if u.phase and u.phase.startswith("finetune:")]
    assert len(finetunes) == 1
    evaluations = [u for u in found if u.phase and u.phase.startswith("evaluate:")]
    assert len(evaluations) == 2 and all(u.deps == [finetunes[0].id] for u in evaluations)
    assert all([k for k, _ in u.builds] == ["evaluate"] for u in evaluations)


AXES = ["--recipes", "stilts,baseline", "--tasks", "mnli", "--targets", "xnli", "--seeds", "1", "--preset", "smoke"]


def _runs(out):
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=f"sqlite:///{out / 'mlflow.db'}")
    exp = client.get_experiment_by_name("ablate")
    return client.search_runs([exp.experiment_id], max_results=1000)


def test_local_sweep_builds_each_phase_once_logs_every_run_and_a_resubmission_runs_nothing(tmp_path, cli):
    out = tmp_path / "out"
    status = cli("sweep", "status", *AXES, "-o", str(out))
    assert status.code == 0 and "0 done, 0 running, 0 queued, 0 failed, 5 missing" in status.out

    first = cli("sweep", *AXES, "-o", str(out), "--workers", "2", "--worker-devices", "0,1")
    assert first.code == 0, first.err
    assert "5 jobs for 2 runs: 0 already done" in first.out and "5 done, 0 failed, 0 skipped" in first.out
    runs = _runs(out)
    parents = [r for r in runs if r.data.tags["kind"] == "run"]
    assert sorted(r.data.tags["recipe"] for r in parents) == ["baseline", "stilts"]
    assert all(r.info.status == "FINISHED" and "xnli.avg.accuracy" in r.data.metrics for r in parents)
    children = [r for r in runs if r.data.tags["kind"] == "phase"]
    built = sorted(r.data.tags["phase"] for r in children if r.data.tags["cached"] == "no")
    assert built == ["evaluate:xnli", "evaluate:xnli", "finetune:xnli", "finetune:xnli", "intermediate:mnli"]
    # every run's own children are complete (the per-run job found all its phases in the store)
    for parent in parents:
        mine = [r for r in children if r.data.tags["mlflow.parentRunId"] == parent.info.run_id]
        assert {r.data.tags["cached"] for r in mine} == {"yes"}
        assert len(mine) == (3 if parent.data.tags["recipe"] == "stilts" else 2)
    builds = [r for r in runs if r.data.tags["kind"] == "build"]
    assert len(builds) == 3 and all(r.info.status == "FINISHED" for r in builds)
    records = [Ledger(out).record(u) for u in Ledger(out).submissions()]
    assert {r["devices"] for r in records} == {"0", "1"}  # two worker processes, each pinned to one device
    assert len({r["ablate.pid"] for r in records}) == 5  # a process per job

    again = cli("sweep", *AXES, "-o", str(out))
    assert again.code == 0 and "5 already done" in again.out and "0 done, 0 failed" in again.out
    assert len(_runs(out)) == len(runs)  # nothing ran, nothing logged twice
    status = cli("sweep", "status", *AXES, "-o", str(out))
    assert "5 done, 0 running, 0 queued, 0 failed, 0 missing" in status.out


@pytest.mark.parametrize("args, needle", [
    (["--tasks", "mnli", "--seeds", "1"], "needs --recipes and --seeds"),
    (["--recipes", "stilts", "--tasks", "mnli", "--seeds", "1,x"], "--seeds takes comma-separated integers"),
    (["--recipes", "stilts", "--tasks", "mnli", "--seeds", "1", "--executor", "slurmm"], "Did you mean 'slurm'?"),
    (["--recipes", "stilts", "--tasks", "mnli", "--seeds", "1", "--mem", "12X"], "--mem takes a size"),
    (["--recipes", "stils", "--tasks", "mnli", "--seeds", "1"], "Did you mean 'stilts'?"),
])
def test_bad_sweep_input_is_one_line_exit_2_and_writes_nothing(tmp_path, cli, args, needle):
    out = tmp_path / "out"
    result = cli("sweep", *args, "--preset", "smoke", "-o", str(out))
    assert result.code == 2 and needle in result.err, result.err
    assert len(result.err.strip().splitlines()) == 1 and "Traceback" not in result.err
    assert not out.exists()


def test_slurm_options_dependencies_and_arrays_reach_sbatch(tmp_path, cli, monkeypatch):
    """What `ablate sweep --executor slurm` hands to sbatch (a stand-in that keeps each script):
    the resources asked for, requeue, afterok dependencies on the encoder's job, and one array
    with the concurrency cap for the units that have the same dependencies. (A real Slurm runs
    these jobs in tests/scale/.)"""
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    (tmp_path / "bin").mkdir()
    sbatch = tmp_path / "bin" / "sbatch"
    sbatch.write_text('#!/bin/sh\nn=$((100 + $(ls "$SCRIPTS" | wc -l)))\ncp "$1" "$SCRIPTS/$n.sh"\n'
                      'echo "Submitted batch job $n"\n')
    sbatch.chmod(0o755)
    monkeypatch.setenv("SCRIPTS", str(scripts))
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:{os.environ['PATH']}")
    out = tmp_path / "out"
    result = cli("sweep", *AXES[:-4], "--seeds", "1,2", "--preset", "smoke", "--executor", "slurm", "--partition", "gpu",
                 "--gpus", "2", "--cpus", "8", "--mem", "32G", "--time", "240", "--array-parallelism", "3", "-o", str(out))
    assert result.code == 0, result.err
    assert "10 jobs for 4 runs: 0 already done, 0 still queued or running, 10 submitted to Slurm." in result.out
    text = {int(p.stem): p.read_text() for p in scripts.iterdir()}
    for script in text.values():
        for flag in ("--partition=gpu", "--gpus-per-node=2", "--cpus-per-task=8", "--mem=32GB", "--time=240",
                     "--requeue"):
            assert f"#SBATCH {flag}\n" in script, (flag, script)
    jobs = {u: s["job_id"] for u, s in Ledger(out).submissions().items()}
    first = min(text)  # the encoders and baseline evaluations: no dependencies, one array of 4, 3 at once
    assert "#SBATCH --array=0-3%3\n" in text[first] and "--dependency" not in text[first]
    found = _by_id(units(expand(["stilts", "baseline"], ["mnli"], ["xnli"], [1, 2], preset="smoke"),
                         {"output_dir": str(out.resolve())}))
    assert sorted(u for u, j in jobs.items() if j.startswith(f"{first}_")) == sorted(u for u in found if not found[u].deps)
    for uid, unit in found.items():
        if unit.deps:
            script = text[int(jobs[uid].partition("_")[0])]
            needed = sorted(jobs[d] for d in unit.deps)
            assert f"#SBATCH --dependency=afterok:{':'.join(needed)}\n" in script, (uid, script)
            assert "#SBATCH --kill-on-invalid-dep=yes\n" in script
