"""The MLflow UI on first open, in a real headless Chromium: `ablate ui` serves a small smoke
store on 127.0.0.1, and the URL it prints opens the model-training view of the experiment with
the headline metric columns already in the runs table (not the GenAI view, not zero columns)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--window-size=1400,900", "--virtual-time-budget=20000"]


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def chromium():
    path = shutil.which("chromium")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: .ci/run installs it")
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    return path


def _browser(chromium: str, tmp: Path, url: str, *action: str) -> subprocess.CompletedProcess:
    profile = tmp / f"profile-{time.monotonic_ns()}"
    return subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *action, url],
                          capture_output=True, text=True, timeout=180)


@pytest.mark.server
def test_ablate_ui_opens_the_training_view_with_headline_columns(chromium, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = tmp_path / "out"
    run = subprocess.run([sys.executable, "-m", "ablate", "run", "baseline", "--targets", "xnli", "--preset", "smoke",
                          "--seeds", "1", "-q", "-o", str(out)], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stderr
    port = _free_port()
    ui = subprocess.Popen([sys.executable, "-m", "ablate", "ui", "-o", str(out), "--port", str(port)], cwd=tmp_path,
                          env={**env, "COLUMNS": "80"}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          start_new_session=True)
    try:
        printed = ui.stdout.readline() + ui.stdout.readline()
        url = re.search(r"^http://127\.0\.0\.1:\d+/\S+$", printed, flags=re.M).group(0)  # one line, whole
        assert "workflowType=machine_learning" in url and "viewStateShareKey=" in url
        deadline = time.monotonic() + 300
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5)
                break
            except OSError:
                assert ui.poll() is None, ui.stderr.read()
                assert time.monotonic() < deadline, "the MLflow UI did not start within 300 s"
                time.sleep(1)
        dom = _browser(chromium, tmp_path, url, "--dump-dom").stdout
        shot = _browser(chromium, tmp_path, url, f"--screenshot={tmp_path / 'ui.png'}")
        assert shot.returncode == 0 and (tmp_path / "ui.png").stat().st_size > 10_000
    finally:
        os.killpg(ui.pid, signal.SIGTERM)
        ui.wait(timeout=60)
    assert "baseline seed=1" in dom  # the parent run is listed
    assert "xnli.avg.accuracy" in dom  # the headline metric is a column without clicking
    assert ">arm<" in dom and ">seed<" in dom  # ... and so are the arm and the seed
    assert "Model training" in dom and "Judges" not in dom  # the training view, not the GenAI one
    assert not (tmp_path / "mlruns").exists() and not (tmp_path / "mlartifacts").exists()
