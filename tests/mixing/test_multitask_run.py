"""End to end, offline: baseline and multitask (mnli, squad, hellaswag) on XNLI with the smoke
preset -> the expected MLflow runs and metrics -> `ablate compare` and `ablate checklist` take the arm."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

ARM = "multitask:mnli-squad-hellaswag"


def _main(*args) -> int:
    from ablate.cli import main

    try:
        main(list(args))
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else 1
    return 0


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    from tests.smoke_runs import SmokeStore

    out = tmp_path_factory.mktemp("multitask")
    common = ["--targets", "xnli", "--preset", "smoke", "--seeds", "1", "-o", str(out), "-q",
              "--set", "eval_splits=validation,test"]
    assert _main("run", "baseline", *common) == 0
    assert _main("run", "multitask", "--tasks", "hellaswag,squad,mnli", *common) == 0
    return SmokeStore(out, f"sqlite:///{out / 'mlflow.db'}")


def test_runs_and_metrics_in_mlflow(store, tmp_path):
    from ablate.mixing.sampler import TaskSampler

    (parent,) = store.parents("multitask")
    tags = parent.data.tags
    assert tags["intermediate_task"] == "mnli-squad-hellaswag" and "mix:proportional" in tags["signature"]
    assert parent.data.params["arm"] == ARM and parent.data.params["multitask.tasks"] == "hellaswag,squad,mnli"
    children = store.children(parent.info.run_id)
    assert set(children) == {"intermediate:multitask", "finetune:xnli", "evaluate:xnli"}
    phase2 = children["intermediate:multitask"]
    m = phase2.data.metrics
    selected = {"mnli": m["dev.mnli.accuracy"], "squad": m["dev.squad.em_f1"], "hellaswag": m["dev.hellaswag.accuracy"]}
    assert m["dev.mean"] == pytest.approx(np.mean(list(selected.values())))  # the documented selection score
    steps = {t: m[f"sampler.steps.{t}"] for t in selected}
    assert sum(steps.values()) == m["train.steps"] == 8  # smoke: max_steps 8, patience cannot stop it earlier
    assert phase2.data.tags["sampler"] == "proportional"
    assert phase2.data.tags["selection"].startswith("en-dev:mean(mnli.accuracy,squad.em_f1,hellaswag.accuracy)")
    path = store.client().download_artifacts(phase2.info.run_id, "phase.json", str(tmp_path))
    info = json.loads(Path(path).read_text())["info"]
    # the realised schedule is the sampler's draw for the seed, over the examples actually loaded
    sampler = TaskSampler({t: info["train_examples"][t] for t in selected}, "proportional", seed=1)  # paper order
    assert info["realised_steps"] == {t: sampler.draw(8).count(t) for t in selected}
    assert m["sampler.p.mnli"] == pytest.approx(sampler.probabilities["mnli"])
    curve = store.client().get_metric_history(phase2.info.run_id, "curve.dev.mean")
    assert [p.step for p in curve] == [4, 8] and max(p.value for p in curve) == pytest.approx(m["dev.mean"])
    # phase 3 ran on the handed-over encoder: XNLI scored in every language, dev next to test
    assert {"dev.xnli.avg.accuracy", "xnli.avg.accuracy"} <= set(parent.data.metrics)


def test_compare_and_checklist_take_the_multitask_arm(store, tmp_path):
    out = tmp_path / "report"
    assert _main("compare", "--arms", f"baseline,{ARM}", "--targets", "xnli", "-o", str(store.output_dir),
                 "--out", str(out), "-B", "1000", "--no-log") == 0
    report = json.loads((out / "report.json").read_text())
    assert report["seeds"] == {"baseline": [1], ARM: [1]}
    assert any(m["treatment"] == ARM and m["level"] == "task" for m in report["lines"])

    assert _main("checklist", "-o", str(store.output_dir), "--out", str(tmp_path / "checklist.md"), "-B", "1000") == 0
    checklist = json.loads((tmp_path / "checklist.json").read_text())
    claim = next(r for r in checklist["claims"] if r["id"] == "multitask-gain")
    # the recipe is built: the claim waits for the paper's arm (all nine tasks), it is not "not built"
    assert claim["status"] == "not enough runs" and "multitask:all" in claim["reason"]
    runs = next(i for i in checklist["auto"] if i["item"] == "Number of runs (incl. failed)")
    assert runs["data"]["status"][ARM] == {"FINISHED": 1}
