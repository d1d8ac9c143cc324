"""Against a real `mlflow server` on 127.0.0.1: a smoke run is found through the REST API by tags."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

pytestmark = pytest.mark.server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _post(url: str, body: dict) -> dict:
    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


@pytest.fixture
def server(tmp_path):
    port = _free_port()
    env = {**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
         "--backend-store-uri", f"sqlite:///{tmp_path / 'server.db'}",
         "--artifacts-destination", str(tmp_path / "artifacts")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"{url}/health", timeout=2)
            break
        except OSError:
            if proc.poll() is not None:
                pytest.fail("mlflow server exited at start")
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("mlflow server did not come up within 120 s")
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_runs_are_found_by_tags_through_the_rest_api(server, cli, tmp_path):
    r = cli("run", "stilts", "--task", "mnli", "--targets", "pawsx", "--preset", "smoke", "--seeds", "1",
            "--tracking-uri", server, "--experiment", "server-test", "-o", str(tmp_path / "out"), "-q")
    assert r.code == 0, r.err
    exp = json.loads(urllib.request.urlopen(
        f"{server}/api/2.0/mlflow/experiments/get-by-name?experiment_name=server-test", timeout=30).read())
    exp_id = exp["experiment"]["experiment_id"]
    found = _post(f"{server}/api/2.0/mlflow/runs/search", {
        "experiment_ids": [exp_id],
        "filter": "tags.recipe = 'stilts' and tags.intermediate_task = 'mnli' and tags.seed = '1'",
    })["runs"]
    assert len(found) == 1
    run = found[0]
    metrics = {m["key"]: m["value"] for m in run["data"]["metrics"]}
    assert "pawsx.de.accuracy" in metrics and "pawsx.avg.accuracy" in metrics
    children = _post(f"{server}/api/2.0/mlflow/runs/search", {
        "experiment_ids": [exp_id], "filter": f"tags.mlflow.parentRunId = '{run['info']['run_id']}'"})["runs"]
    assert {c["info"]["run_name"] for c in children} == {"intermediate:mnli", "finetune:pawsx", "evaluate:pawsx"}
    # artifacts went through the server's artifact proxy
    listed = json.loads(urllib.request.urlopen(
        f"{server}/api/2.0/mlflow/artifacts/list?run_id={run['info']['run_id']}", timeout=30).read())
    assert {f["path"] for f in listed["files"]} >= {"config.json", "environment.json"}
