"""Helpers for the reliability tests: real `ablate` subprocesses and reading their MLflow store."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.reliability.no_unpickling import ENV

REPO = Path(__file__).resolve().parents[2]
SMOKE = ["--preset", "smoke", "--seeds", "1", "-q"]


def env(unpickled: Path | None = None) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO), **({ENV: str(unpickled)} if unpickled else {})}


def crash(where: str, n: int, args: list[str], cwd: Path) -> None:
    """Run `ablate ARGS` in a subprocess that SIGKILLs itself at `where` (tests/reliability/crash.py)
    and refuses to unpickle anything on the way (tests/reliability/no_unpickling.py)."""
    found = cwd / "unpickled.txt"
    proc = subprocess.run([sys.executable, "-m", "tests.reliability.crash", where, str(n), *args], cwd=cwd,
                          env=env(found), capture_output=True, text=True, timeout=900)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-3000:]
    assert not found.exists(), found.read_text()


def ablate(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """Run `ablate ARGS` in a subprocess that refuses to unpickle anything: fresh, resumed and
    reused phases alike read only safetensors, JSON and parquet."""
    found = cwd / "unpickled.txt"
    done = subprocess.run([sys.executable, "-m", "tests.reliability.no_unpickling", *args], cwd=cwd, env=env(found),
                          capture_output=True, text=True, timeout=900)
    assert not found.exists(), found.read_text()
    return done


def runs(uri: str, experiment: str = "ablate"):
    """(client, every run of the experiment)."""
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=uri)
    exp = client.get_experiment_by_name(experiment)
    return client, client.search_runs([exp.experiment_id], max_results=1000)


def histories(client, run) -> dict[str, list[tuple[int, float]]]:
    """Every metric's full history as (step, value) pairs, in step order."""
    return {k: sorted((m.step, m.value) for m in client.get_metric_history(run.info.run_id, k)) for k in run.data.metrics}


def pickles(root: Path) -> list[Path]:
    """Files under `root` that are pickles: a pickle stream (protocol 2+ starts with 0x80 and the
    protocol number) or a torch.save zip archive (its objects are in a data.pkl)."""
    found = []
    for path in (p for p in root.rglob("*") if p.is_file()):
        with open(path, "rb") as f:
            head = f.read(2)
        if len(head) == 2 and head[0] == 0x80 and 2 <= head[1] <= 5:
            found.append(path)
        elif zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as z:
                if any(n.endswith(".pkl") for n in z.namelist()):
                    found.append(path)
    return found
