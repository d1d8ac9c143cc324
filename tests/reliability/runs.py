"""Helpers for the reliability tests: real `ablate` subprocesses and reading their MLflow store."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SMOKE = ["--preset", "smoke", "--seeds", "1", "-q"]


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO)}


def crash(where: str, n: int, args: list[str], cwd: Path) -> None:
    """Run `ablate ARGS` in a subprocess that SIGKILLs itself at `where` (tests/reliability/crash.py)."""
    proc = subprocess.run([sys.executable, "-m", "tests.reliability.crash", where, str(n), *args], cwd=cwd, env=env(),
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-3000:]


def ablate(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ablate", *args], cwd=cwd, env=env(), capture_output=True,
                          text=True, timeout=900)


def runs(uri: str, experiment: str = "ablate"):
    """(client, every run of the experiment)."""
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=uri)
    exp = client.get_experiment_by_name(experiment)
    return client, client.search_runs([exp.experiment_id], max_results=1000)


def histories(client, run) -> dict[str, list[tuple[int, float]]]:
    """Every metric's full history as (step, value) pairs, in step order."""
    return {k: sorted((m.step, m.value) for m in client.get_metric_history(run.info.run_id, k)) for k in run.data.metrics}
