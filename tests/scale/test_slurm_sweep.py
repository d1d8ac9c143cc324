"""`ablate sweep --executor slurm` on a real single-node Slurm cluster (conftest.py): the same
results in MLflow as a local sweep (2 recipes x 1 seed; 2 seeds in the slow variant), target jobs
that start only after their encoder job ended (Slurm's own start/end times), array tasks held to
the concurrency cap, a job cancelled mid-phase that a resubmission completes, a job requeued by
submitit on Slurm's time-limit signal, `ablate sweep status` along the way, and the phase lock
across jobs."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from ablate import sweep
from ablate.grid import expand
from ablate.store import PhaseStore
from ablate.sweep.ledger import Ledger

AXES = ["--recipes", "stilts,baseline", "--tasks", "mnli", "--targets", "xnli", "--preset", "smoke"]


def _wait(requests, out: Path, until, timeout: float = 900) -> list:
    deadline = time.monotonic() + timeout
    while True:
        found = sweep.states(requests, {"output_dir": str(out)})
        if until(found) or time.monotonic() > deadline:
            return found
        time.sleep(2)


def _parents(out: Path) -> dict:
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=f"sqlite:///{out / 'mlflow.db'}")
    exp = client.get_experiment_by_name("ablate")
    runs = client.search_runs([exp.experiment_id], max_results=1000)
    return {(r.data.tags["recipe"], r.data.tags["seed"]): r for r in runs if r.data.tags["kind"] == "run"}


def _slurm_times(job_ids) -> dict[str, tuple[str, str]]:
    """{job id: (start, end)} as the controller recorded them (ISO seconds, sortable)."""
    out = subprocess.run(["squeue", "-h", "-r", "-t", "all", "-o", "%i|%S|%e"], capture_output=True, text=True, check=True)
    rows = (line.split("|") for line in out.stdout.split())
    return {jid: (start, end) for jid, start, end in rows if jid in set(job_ids)}


@pytest.mark.parametrize("seeds", ["1", pytest.param("1,2", marks=pytest.mark.slow)])
def test_slurm_sweep_logs_what_a_local_sweep_logs_and_targets_wait_for_their_encoder(slurm, tmp_path, cli, seeds):
    """One seed by default: its encoder and baseline evaluation are still two array tasks (held to
    one at a time) and its target units still wait for the encoder; two seeds double the jobs."""
    on_slurm, local = tmp_path / "slurm", tmp_path / "local"
    submitted = cli("sweep", *AXES, "--seeds", seeds, "--executor", "slurm", "--array-parallelism", "1", "-o", str(on_slurm))
    assert submitted.code == 0, submitted.err
    n_seeds = len(seeds.split(","))
    assert f"{5 * n_seeds} submitted to Slurm" in submitted.out
    ran_locally = cli("sweep", *AXES, "--seeds", seeds, "-o", str(local))  # while the cluster works
    assert ran_locally.code == 0, ran_locally.err

    requests = expand(["stilts", "baseline"], ["mnli"], ["xnli"], [int(s) for s in seeds.split(",")], preset="smoke")
    found = _wait(requests, on_slurm, lambda f: all(s.state in ("done", "failed") for s in f))
    assert {s.state for s in found} == {"done"}, [(s.unit.id, s.state, s.detail) for s in found] + [slurm.logs()]

    slurm_parents, local_parents = _parents(on_slurm), _parents(local)
    assert sorted(slurm_parents) == sorted(local_parents) and len(slurm_parents) == 2 * n_seeds
    for arm, run in slurm_parents.items():
        assert run.info.status == "FINISHED"
        assert run.data.metrics == local_parents[arm].data.metrics, arm  # same seeds, same numbers
        assert run.data.tags["phases_reused"] == local_parents[arm].data.tags["phases_reused"]

    # Dependencies: every unit started (in Slurm's records) after each unit it depends on ended.
    jobs = {u: s["job_id"] for u, s in Ledger(on_slurm).submissions().items()}
    times = _slurm_times(jobs.values())
    encoders = [s.unit for s in found if s.unit.phase == "intermediate:mnli"]
    assert len(encoders) == n_seeds
    dependants = [s.unit for s in found if s.unit.deps]
    assert {d for u in dependants for d in u.deps} >= {e.id for e in encoders}
    for unit in dependants:
        for dep in unit.deps:
            assert times[jobs[unit.id]][0] >= times[jobs[dep]][1], (unit.id, dep, times)

    # The units without dependencies (encoders, baseline evaluations) went into one array job whose
    # tasks ran one at a time (--array-parallelism 1), although the node has a CPU for each.
    first = [s.unit.id for s in found if not s.unit.deps]
    assert len(first) == 2 * n_seeds and len({jobs[u].partition("_")[0] for u in first}) == 1
    assert all(jobs[u].partition("_")[2].isdigit() for u in first)  # array tasks: <array id>_<index>
    spans = sorted(times[jobs[u]] for u in first)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:])), spans

    again = cli("sweep", *AXES, "--seeds", seeds, "--executor", "slurm", "-o", str(on_slurm))
    assert again.code == 0 and f"{5 * n_seeds} already done" in again.out and "0 submitted" in again.out


def _mid_phase(partials: Path, slurm, before: set[str] = frozenset()) -> None:
    """Wait until a job is inside the encoder phase: a partial entry other than `before`'s exists."""
    deadline = time.monotonic() + 600
    while not {p.name for p in partials.glob("*.partial-*")} - before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert {p.name for p in partials.glob("*.partial-*")} - before, slurm.logs()


def test_a_cancelled_job_is_resubmitted_and_a_signalled_one_requeued_both_finish_the_phase_once(slurm, tmp_path, cli):
    """One encoder job's life: `scancel` mid-phase (its dependants are cancelled, its lock is
    released, a resubmission completes the sweep); then, mid-phase again, the USR2 that Slurm sends
    before a job's time limit (and on preemption): submitit requeues the same job, whose rerun
    restarts the interrupted phase and finishes it. One sweep for both keeps CI's time down."""
    out = tmp_path / "out"
    # The encoder must still be training when scancel / USR2 arrive: a tiny-model step takes ~10 ms
    # on quiet cores, so 40 steps ended before the signal there (the test passed only under load).
    # 600 steps keep the phase inside its loop for seconds on an idle machine.
    steps = 600
    axes = ["--recipes", "stilts", "--tasks", "mnli", "--targets", "xnli", "--seeds", "1", "--preset", "smoke",
            "--set", f"intermediate.mnli.max_steps={steps}", "--set", f"intermediate.mnli.eval_every={steps}",
            "-o", str(out)]
    requests = expand(["stilts"], ["mnli"], ["xnli"], [1], preset="smoke",
                      settings={"intermediate": {"mnli": {"max_steps": steps, "eval_every": steps}}})
    assert cli("sweep", *axes, "--executor", "slurm").code == 0
    ledger = Ledger(out)
    encoder = next(u for u in ledger.submissions() if u.startswith("intermediate-"))
    partials = out / "phases" / "intermediate"
    _mid_phase(partials, slurm)
    status = cli("sweep", "status", *axes)  # the encoder mid-phase; its dependants wait in Slurm
    assert status.code == 0 and "0 done, 1 running, 2 queued, 0 failed, 0 missing" in status.out, status.out
    subprocess.run(["scancel", ledger.submissions()[encoder]["job_id"]], check=True)

    found = _wait(requests, out, lambda f: all(s.state == "failed" for s in f), timeout=120)
    assert "0 done, 0 running, 0 queued, 3 failed, 0 missing" in cli("sweep", "status", *axes).out
    # the encoder was cancelled; Slurm cancelled the jobs waiting for it (kill-on-invalid-dep)
    assert [s.state for s in found] == ["failed"] * 3, [(s.unit.id, s.state, s.detail) for s in found]
    assert all("cancelled" in s.detail for s in found)
    waited = []
    kind, key = next(s.unit.builds[0] for s in found if s.unit.id == encoder)
    with PhaseStore(out).lock(kind, key, on_wait=lambda: waited.append(True)):
        pass
    assert not waited  # the killed job's lock died with it

    cancelled = {p.name for p in partials.glob("*.partial-*")}
    again = cli("sweep", *axes, "--executor", "slurm")
    assert again.code == 0 and "0 already done" in again.out and "3 submitted" in again.out
    job_id = ledger.submissions()[encoder]["job_id"]
    _mid_phase(partials, slurm, before=cancelled)
    subprocess.run(["scancel", "--signal=USR2", job_id], check=True)  # what Slurm sends near the time limit

    found = _wait(requests, out, lambda f: all(s.state in ("done", "failed") for s in f))
    assert {s.state for s in found} == {"done"}, [(s.unit.id, s.state, s.detail) for s in found] + [slurm.logs()]
    record = ledger.record(encoder)
    assert record["job_id"] == job_id and record["starts"] == 3  # cancelled, resubmitted, requeued: the same job again
    assert len((ledger.root / "submitted.jsonl").read_text().splitlines()) == 6  # the requeue submitted nothing
    assert not list(partials.glob("*.partial-*"))
    assert len(list(partials.iterdir())) == 1  # built once
    assert "3 done, 0 running, 0 queued, 0 failed, 0 missing" in cli("sweep", "status", *axes).out
    parent = _parents(out)[("stilts", "1")]
    assert parent.info.status == "FINISHED" and "xnli.avg.accuracy" in parent.data.metrics


def test_the_phase_lock_holds_across_slurm_jobs(slurm, tmp_path):
    """Two jobs that reach the same phase key at once take turns: their lock intervals never overlap."""
    import sys

    hold = ("import sys, time; from ablate.store import PhaseStore\n"
            f"with PhaseStore({str(tmp_path)!r}).lock('intermediate', 'k'):\n"
            "    start = time.time(); time.sleep(8)\n"
            "    open(sys.argv[1], 'w').write(f'{start} {time.time()}')")
    script = tmp_path / "hold.py"
    script.write_text(hold)
    jobs = []
    for i in range(2):
        out = subprocess.run(["sbatch", "--parsable", "-o", str(tmp_path / f"log{i}"),
                              "--wrap", f"{sys.executable} {script} {tmp_path / f'held{i}'}"],
                             capture_output=True, text=True, check=True)
        jobs.append(out.stdout.strip())
    deadline = time.monotonic() + 300
    while not all((tmp_path / f"held{i}").is_file() for i in range(2)) and time.monotonic() < deadline:
        time.sleep(0.5)
    (a0, a1), (b0, b1) = sorted(tuple(map(float, (tmp_path / f"held{i}").read_text().split())) for i in range(2))
    assert a1 <= b0  # the second job got the lock only after the first released it
    starts = [time.mktime(time.strptime(start, "%Y-%m-%dT%H:%M:%S")) for start, _ in _slurm_times(jobs).values()]
    assert len(starts) == 2 and max(starts) < a1  # both jobs were running while the first held the lock
