"""What a run writes and prints: everything under --output-dir (MLflow artifacts included),
progress lines that reach a file while the run is going (`tail -f`), tables that never cut a
number at 80 columns, a training-kind experiment and a Markdown description on each parent run,
and a demo whose warm rerun adds no parent runs."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _env(**extra) -> dict:
    return {**os.environ, "PYTHONPATH": str(ROOT), **extra}


def _seed_runs(plan, seeds):
    from ablate.execute import SeedRun
    from ablate.metric_names import metric_key
    from ablate.tasks import get_task

    runs = []
    for seed in seeds:
        metrics = {"xtreme.score": -21.25}
        for p in plan.order():
            if p.kind in ("evaluate", "retrieve"):
                t = get_task(p.task)
                metrics[metric_key(t.name, "avg", t.metric)] = -21.125
                metrics[metric_key(t.name, "avg", t.metric, "validation")] = 100.0
        runs.append(SeedRun(seed, "0123456789abcdef", metrics, {"intermediate": {"cached": True}}))
    return runs


@pytest.mark.parametrize("n_seeds", [1, 3, 8])
def test_summary_never_cuts_a_number_at_80_columns(n_seeds):
    from rich.console import Console

    from ablate import run_summary
    from ablate.config import resolve
    from ablate.recipes import load

    cfg = resolve("smoke", None, {"task": "mnli", "targets": "xtreme", "seeds": ",".join(map(str, range(1, n_seeds + 1)))})
    plan = load("stilts").plan(cfg)
    buf = io.StringIO()
    console = Console(file=buf, width=80)
    for table in run_summary.tables(plan, cfg, _seed_runs(plan, cfg.seeds), console.width):
        console.print(table)
    text = buf.getvalue()
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "…" not in text
    # every number whole: nine targets' test and dev values, one XTREME score per seed
    assert text.count("-21.1") == 9 * n_seeds and text.count("100.0") == 9 * n_seeds
    assert text.count("-21.2") == n_seeds


def test_run_writes_only_under_output_dir_and_streams_progress_lines(tmp_path):
    from mlflow import MlflowClient

    cwd, out, log = tmp_path / "cwd", tmp_path / "out", tmp_path / "run.log"
    cwd.mkdir()
    with open(log, "w") as f:
        proc = subprocess.Popen([sys.executable, "-m", "ablate", "run", "baseline", "--targets", "xnli", "--preset",
                                 "smoke", "--seeds", "1", "-o", str(out)], cwd=cwd, env=_env(COLUMNS="80"),
                                stdout=f, stderr=subprocess.PIPE, text=True)
        seen_while_running = False
        while proc.poll() is None:
            if "train xnli (seed 1): started" in log.read_text():
                seen_while_running = proc.poll() is None
                break
            time.sleep(0.05)
        _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    assert seen_while_running, "no progress line reached the file before the run ended"
    text = log.read_text()
    assert "evaluate xnli:" in text and max(len(line) for line in text.splitlines()) <= 80 and "…" not in text
    assert not any(cwd.iterdir()), list(cwd.iterdir())  # no ./mlruns, no mlflow.db in the working dir

    client = MlflowClient(tracking_uri=f"sqlite:///{out / 'mlflow.db'}")
    exp = client.get_experiment_by_name("ablate")
    assert exp.artifact_location.startswith((out / "mlartifacts").resolve().as_uri())
    assert exp.tags["mlflow.experimentKind"] == "custom_model_development"
    parent = client.search_runs([exp.experiment_id], "tags.kind = 'run'")[0]
    assert any((out / "mlartifacts").rglob("config.json"))
    note = parent.data.tags["mlflow.note.content"]
    assert "Baseline" in note and "| xnli | accuracy |" in note and "Signature: `recipe:baseline" in note
    assert "Phases reused from the phase store: 0/2" in note
    assert parent.data.params["arm"] == "baseline"

    # what makes a warm `ablate demo` idempotent: the finished identical run is found by signature
    from ablate.tracking import Tracker

    tracker = Tracker(f"sqlite:///{out / 'mlflow.db'}", "ablate")
    assert tracker.finished_run(parent.data.tags["signature"], 1) == parent.info.run_id
    assert tracker.finished_run(parent.data.tags["signature"], 2) is None
    assert tracker.finished_run(parent.data.tags["signature"].replace("xnli", "pawsx"), 1) is None


def test_headline_columns_follow_the_logged_metrics():
    from ablate.ui import headline_columns

    cols = headline_columns({"xnli.avg.accuracy", "dev.xnli.avg.accuracy", "pawsx.avg.accuracy", "xnli.de.accuracy"})
    assert cols == ["params.`arm`", "tags.`seed`", "metrics.`xnli.avg.accuracy`",
                    "metrics.`pawsx.avg.accuracy`"]
    assert headline_columns({"xtreme.score"})[2] == "metrics.`xtreme.score`"


def test_headline_columns_show_xtreme_r_and_untuned_retrieval():
    from ablate.ui import headline_columns

    cols = headline_columns({"xtreme_r.score_untuned_retrieval", "xcopa.avg.accuracy", "mewslix_untuned.avg.map20",
                             "lareqa_untuned.avg.map20", "lareqa_untuned.de.map20"})
    assert cols[2:] == ["metrics.`xtreme_r.score_untuned_retrieval`", "metrics.`xcopa.avg.accuracy`",
                        "metrics.`mewslix_untuned.avg.map20`", "metrics.`lareqa_untuned.avg.map20`"]


@pytest.mark.slow
def test_warm_demo_adds_no_parent_runs(tmp_path):
    from mlflow import MlflowClient

    out = tmp_path / "demo"
    for attempt in range(2):
        r = subprocess.run([sys.executable, "-m", "ablate", "demo", "--seeds", "1", "-q", "-o", str(out)],
                           cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=1800)
        assert r.returncode == 0, r.stderr
    assert r.stdout.count("reusing finished run") == 3  # one per recipe on the warm rerun
    client = MlflowClient(tracking_uri=f"sqlite:///{out / 'mlflow.db'}")
    exp = client.get_experiment_by_name("demo")
    assert len(client.search_runs([exp.experiment_id], "tags.kind = 'run'")) == 3
    assert not (tmp_path / "mlruns").exists()
