"""End to end: smoke runs of baseline and stilts into a real (sqlite) MLflow store."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from ablate import languages as L
from ablate.signature import Signature

PHASES = {"intermediate:mnli", "finetune:xnli", "evaluate:xnli", "finetune:pawsx", "evaluate:pawsx"}


@pytest.fixture
def store(smoke_store):
    return smoke_store


def test_two_parent_runs_per_recipe_with_a_child_per_phase(store):
    for recipe, expected in (("stilts", PHASES), ("baseline", PHASES - {"intermediate:mnli"})):
        parents = store.parents(recipe)
        assert sorted(int(p.data.tags["seed"]) for p in parents) == [1, 2]
        for p in parents:
            assert p.info.status == "FINISHED"
            children = store.children(p.info.run_id)
            assert set(children) == expected
            assert all(c.info.status == "FINISHED" for c in children.values())


def test_metrics_for_every_language_on_children_and_parent(store):
    for p in store.parents("stilts"):
        children = store.children(p.info.run_id)
        xnli, pawsx = children["evaluate:xnli"].data.metrics, children["evaluate:pawsx"].data.metrics
        for lang in L.XNLI:
            assert 0 <= xnli[f"xnli.{lang}.accuracy"] <= 100
            assert f"dev.xnli.{lang}.accuracy" in xnli and f"xnli.{lang}.macro_f1" in xnli
        for lang in L.PAWSX:
            assert f"pawsx.{lang}.accuracy" in pawsx
        assert xnli["xnli.avg.accuracy"] == pytest.approx(np.mean([xnli[f"xnli.{lang}.accuracy"] for lang in L.XNLI]))
        parent = p.data.metrics
        assert {k: v for k, v in parent.items() if k.startswith("xnli.")} == {k: v for k, v in xnli.items() if k.startswith("xnli.")}


def test_tags_signature_and_params(store):
    baseline_fp = {p.data.tags["data.xnli.test"] for p in store.parents("baseline")}
    for p in store.parents("stilts"):
        tags = p.data.tags
        assert tags["recipe"] == "stilts" and tags["intermediate_task"] == "mnli"
        assert tags["targets"] == "xnli,pawsx" and tags["model"] == "tiny-xlmr"
        assert tags["git_dirty"] in ("yes", "no", "unknown") and tags["git_commit"]
        sig = Signature.parse(tags["signature"])
        assert sig.format() == tags["signature"]
        assert sig.fields["recipe"] == "stilts" and sig.fields["task"] == "mnli"
        assert sig.fields["seeds"] == tags["seed"]
        # the same evaluation data, so recipes are comparable
        assert {tags["data.xnli.test"]} == baseline_fp
        params = p.data.params
        assert params["finetune.xnli.max_steps"] == "8" and params["intermediate.mnli.max_steps"] == "8"
        assert "finetune.udpos.epochs" not in params  # only the tasks this plan uses


def test_artifacts_and_datasets(store):
    client = store.client()
    p = store.parents("stilts")[0]
    assert {a.path for a in client.list_artifacts(p.info.run_id)} >= {"config.json", "environment.json", "phases.json"}
    child = store.children(p.info.run_id)["evaluate:xnli"]
    files = {a.path for a in client.list_artifacts(child.info.run_id, "predictions/test")}
    assert files == {f"predictions/test/{lang}.parquet" for lang in L.XNLI}
    inputs = store.children(p.info.run_id)["intermediate:mnli"].inputs.dataset_inputs
    assert {i.dataset.name for i in inputs} == {"mnli.train", "mnli.dev"}
    assert all(len(i.dataset.digest) == 16 for i in inputs)


def test_metric_rederives_from_logged_per_example_statistics(store):
    from ablate.tasks import get_task
    from ablate.tasks import classification

    client = store.client()
    p = store.parents("stilts")[0]
    child = store.children(p.info.run_id)["evaluate:pawsx"]
    spec = get_task("pawsx")
    for lang in L.PAWSX:
        local = client.download_artifacts(child.info.run_id, f"predictions/test/{lang}.parquet")
        table = pq.read_table(local).to_pandas()
        assert table["id"].is_unique
        stats = table[[f"u.{n}" for n in classification.stat_names(spec)]].to_numpy()
        redone = classification.aggregate(stats.sum(0), spec)
        assert redone["accuracy"] == pytest.approx(child.data.metrics[f"pawsx.{lang}.accuracy"])
        assert redone["accuracy"] == pytest.approx(100 * (table["gold"] == table["prediction"]).mean())


def test_intermediate_trained_once_per_seed_and_reused(store, cli, tmp_path):
    store = store.copy(tmp_path / "store")  # the runs added below stay out of the shared store
    phases = store.output_dir / "phases"
    assert len(list((phases / "intermediate").iterdir())) == 2  # one encoder per seed
    for p in store.parents("stilts"):
        assert store.children(p.info.run_id)["intermediate:mnli"].data.tags["cached"] == "no"
    # a later run with another target reuses the encoder and the already fine-tuned models
    r = cli("run", "stilts", "--task", "mnli", "--targets", "xnli", "--preset", "smoke", "--seeds", "1",
            "-o", str(store.output_dir), "-q")
    assert r.code == 0, r.err
    assert len(list((phases / "intermediate").iterdir())) == 2
    newest = max(store.parents("stilts"), key=lambda r: r.info.start_time)
    children = store.children(newest.info.run_id)
    assert {n: c.data.tags["cached"] for n, c in children.items()} == {
        "intermediate:mnli": "yes", "finetune:xnli": "yes", "evaluate:xnli": "yes"}
    # the cached child re-reports the same numbers
    first = [p for p in store.parents("stilts") if p.data.tags["seed"] == "1" and p.info.run_id != newest.info.run_id][0]
    assert children["evaluate:xnli"].data.metrics == store.children(first.info.run_id)["evaluate:xnli"].data.metrics


def test_same_seed_same_metrics_in_a_fresh_output_dir(store, cli, tmp_path):
    r = cli("run", "stilts", "--task", "mnli", "--targets", "pawsx", "--preset", "smoke", "--seeds", "1",
            "-o", str(tmp_path), "-q")
    assert r.code == 0, r.err
    from mlflow import MlflowClient

    c = MlflowClient(f"sqlite:///{tmp_path / 'mlflow.db'}")
    exp = c.get_experiment_by_name("ablate")
    fresh = c.search_runs([exp.experiment_id], "tags.kind = 'run'")[0]
    old = [p for p in store.parents("stilts") if p.data.tags["seed"] == "1" and "pawsx" in p.data.tags["targets"]][0]
    keys = [k for k in fresh.data.metrics if k.startswith("pawsx.")]
    assert keys and {k: fresh.data.metrics[k] for k in keys} == {k: old.data.metrics[k] for k in keys}
    # and the content keys agree: the same phases would be found in either store
    fresh_phases = Path(c.download_artifacts(fresh.info.run_id, "phases.json")).read_text()
    old_phases = Path(store.client().download_artifacts(old.info.run_id, "phases.json")).read_text()
    assert json.loads(fresh_phases)["intermediate:mnli"]["key"] == json.loads(old_phases)["intermediate:mnli"]["key"]


def test_compare_refuses_to_pool_seeds_run_with_different_settings(store, cli, tmp_path):
    """A baseline seed-2 run with another learning rate, added to a copy of the shared store."""
    store = store.copy(tmp_path / "store")
    r = cli("run", "baseline", "--targets", "xnli,pawsx", "--preset", "smoke", "--seeds", "2",
            "--set", "finetune.*.learning_rate=0.05", "-o", str(store.output_dir), "-q")
    assert r.code == 0, r.err
    r = cli("compare", "--arms", "baseline,stilts:mnli", "-o", str(store.output_dir), "--out", str(tmp_path / "rep"),
            "-B", "200", "--no-log")
    assert r.code == 2
    text = " ".join(r.err.split())
    assert "different settings" in text and "learning_rate" in text
