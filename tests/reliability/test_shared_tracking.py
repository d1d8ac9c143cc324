"""Concurrent writers lose nothing: 4 `ablate run`s started together record the same runs, metric
history entries and artifacts as the same 4 runs one after another — into one local sqlite store,
and through a shared MLflow server on PostgreSQL."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.reliability.runs import env
from tests.services.mlflow_server import mlflow_server
from tests.services.postgres import postgres


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres-server", marks=pytest.mark.server)])
def server(request, tmp_path_factory):
    """A tracking URI the 4 runs share: one sqlite file, or a real server on PostgreSQL."""
    tmp = tmp_path_factory.mktemp("shared-tracking")
    if request.param == "sqlite":
        yield f"sqlite:///{tmp / 'mlflow.db'}"
        return
    pytest.importorskip("psycopg", reason="the server's PostgreSQL driver (pip install \"psycopg[binary]\")")
    with postgres() as database, mlflow_server(database, tmp / "artifacts") as url:
        yield url


def _args(server: str, experiment: str, seed: int, out) -> list[str]:
    return [sys.executable, "-m", "ablate", "run", "baseline", "--targets", "xnli", "--preset", "smoke", "--seeds",
            str(seed), "-q", "--tracking-uri", server, "--experiment", experiment, "-o", str(out)]


def _artifacts(client, run_id: str, path: str | None = None) -> list[str]:
    found = []
    for item in client.list_artifacts(run_id, path):
        found += _artifacts(client, run_id, item.path) if item.is_dir else [item.path]
    return found


def _census(server: str, experiment: str) -> dict:
    """Everything the server holds for `experiment`, in an order that does not depend on timing."""
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=server)
    exp = client.get_experiment_by_name(experiment)
    rows, entries, artifacts, parents = [], 0, 0, []
    for run in client.search_runs([exp.experiment_id], max_results=1000):
        counts = {k: len(client.get_metric_history(run.info.run_id, k)) for k in run.data.metrics}
        files = sorted(_artifacts(client, run.info.run_id))
        entries += sum(counts.values())
        artifacts += len(files)
        rows.append((run.info.run_name, run.info.status, run.data.tags.get("cached", "-"),
                     tuple(sorted(counts.items())), tuple(files), len(run.data.params)))
        if run.data.tags["kind"] == "run":
            parents.append((run.data.tags["seed"], tuple(sorted(run.data.metrics.items()))))
    return {"runs": len(rows), "metric_entries": entries, "artifacts": artifacts, "rows": sorted(rows),
            "parent_metrics": sorted(parents)}


@pytest.mark.parametrize("seeds", [pytest.param((1, 1, 1, 1), id="one-seed-shared-phases"),
                                   pytest.param((1, 2, 3, 4), id="four-seeds", marks=pytest.mark.slow)])
def test_four_concurrent_runs_record_exactly_what_four_sequential_runs_record(server, tmp_path, seeds):
    label = "-".join(map(str, seeds))
    for seed in seeds:
        done = subprocess.run(_args(server, f"sequential-{label}", seed, tmp_path / "sequential"), cwd=tmp_path,
                              env=env(), capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, done.stderr
    procs = [subprocess.Popen(_args(server, f"concurrent-{label}", seed, tmp_path / "concurrent"), cwd=tmp_path,
                              env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for seed in seeds]
    for proc in procs:
        assert proc.wait(timeout=900) == 0, proc.stderr.read()

    sequential, concurrent = _census(server, f"sequential-{label}"), _census(server, f"concurrent-{label}")
    assert sequential["runs"] == 4 * 3  # a parent, its fine-tune and its evaluation per run
    assert {row[1] for row in sequential["rows"]} == {"FINISHED"}
    assert sequential["metric_entries"] > 4 * 30 and sequential["artifacts"] > 4 * 30
    assert concurrent == sequential
