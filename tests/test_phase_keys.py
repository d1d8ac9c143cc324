"""Phase keys follow the code, data and model that determine a phase's output (ablate.keys)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import ablate
from ablate.config import resolve
from ablate.data.load import FIXTURES
from ablate.execute import execute, plan_keys
from ablate.keys import KeyMaker, explain
from ablate.phases import PhaseResult
from ablate.progress import Progress
from ablate.recipes import load
from ablate.revisions import resolve_revisions
from ablate.tracking import Tracker

PACKAGE = Path(ablate.__file__).resolve().parent


def _plan(recipe="stilts", **overrides):
    task = {"task": "mnli"} if recipe != "baseline" else {}
    cfg = resolve("smoke", None, {**task, "targets": "xnli", **overrides})
    return load(recipe).plan(cfg), cfg


def _keys(recipe="stilts", **overrides):
    plan, cfg = _plan(recipe, **overrides)
    return plan_keys(plan, 1, cfg)


KEYS_SCRIPT = """
import json
from ablate.config import resolve
from ablate.execute import plan_keys
from ablate.recipes import load
cfg = resolve("smoke", None, {"task": "mnli", "targets": "xnli,bucc2018"})
print(json.dumps(plan_keys(load("stilts").plan(cfg), 1, cfg)))
"""


def test_editing_a_runners_source_changes_its_keys_and_only_those(tmp_path):
    """A copy of the package, edited: the training runner's edit changes every training key and
    what reads it; an edit outside every runner's imports (the CLI) changes nothing."""
    shutil.copytree(PACKAGE, tmp_path / "ablate", ignore=shutil.ignore_patterns("__pycache__"))
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}

    def keys():
        out = subprocess.run([sys.executable, "-c", KEYS_SCRIPT], env=env, cwd=tmp_path,
                             capture_output=True, text=True, check=True).stdout
        return json.loads(out)

    before = keys()
    with open(tmp_path / "ablate" / "cli.py", "a") as f:
        f.write("\n# an edit no runner imports\n")
    assert keys() == before
    with open(tmp_path / "ablate" / "phases" / "train.py", "a") as f:
        f.write("\nSELECTION_SEED_NOTE = 'changed behaviour'\n")
    after = keys()
    for name in ("intermediate:mnli", "finetune:xnli", "evaluate:xnli", "retrieve:bucc2018"):
        assert after[name] != before[name], name  # trained by it, or reading what it trained
    with open(tmp_path / "ablate" / "phases" / "retrieve.py", "a") as f:
        f.write("\n# retrieval edited\n")
    last = keys()
    assert last["retrieve:bucc2018"] != after["retrieve:bucc2018"]
    assert {k: v for k, v in last.items() if k != "retrieve:bucc2018"} == \
        {k: v for k, v in after.items() if k != "retrieve:bucc2018"}


def _data_dir(tmp_path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(FIXTURES, data)
    return data


def test_data_file_bytes_change_the_key_a_touch_does_not_and_digests_are_remembered(tmp_path):
    data = _data_dir(tmp_path)
    kw = {"data": "hub", "data_dir": str(data), "targets": "pawsx"}
    first = _keys(**kw)
    train = data / "google__xtreme" / "PAWS-X.en" / "train.jsonl"
    assert train.is_file()
    # A touch (same bytes, new mtime) re-hashes that one file and changes no key.
    os.utime(train, ns=(train.stat().st_atime_ns, train.stat().st_mtime_ns + 10**9))
    plan, cfg = _plan(**kw)
    maker = KeyMaker(cfg)
    touched = {n: k for n, (k, _) in maker.plan_keys(plan, 1).items()}
    assert touched == first and maker.files.hashed == 1
    again = KeyMaker(cfg)
    again.plan_keys(plan, 1)
    assert again.files.hashed == 0  # remembered per (path, size, mtime): nothing re-read
    # Changed bytes: the fine-tune on that data and its evaluation rebuild; phase 2 does not.
    lines = train.read_text().splitlines()
    train.write_text("\n".join(lines[1:]) + "\n")
    changed = _keys(**kw)
    assert changed["finetune:pawsx"] != first["finetune:pawsx"]
    assert changed["evaluate:pawsx"] != first["evaluate:pawsx"]
    assert changed["intermediate:mnli"] == first["intermediate:mnli"]
    # An evaluation file changes only the evaluation.
    test_de = data / "google__xtreme" / "PAWS-X.de" / "test.jsonl"
    test_de.write_text(test_de.read_text().replace("a", "b", 1))
    evaluated = _keys(**kw)
    assert evaluated["evaluate:pawsx"] != changed["evaluate:pawsx"]
    assert evaluated["finetune:pawsx"] == changed["finetune:pawsx"]


def test_local_model_weights_change_the_key_a_touch_does_not(tmp_path):
    model = tmp_path / "model"
    model.mkdir()
    (model / "config.json").write_text('{"model_type": "xlm-roberta"}')
    weights = model / "model.safetensors"
    weights.write_bytes(b"\x00" * 64)
    first = _keys("baseline", model=str(model))
    os.utime(weights, ns=(weights.stat().st_atime_ns, weights.stat().st_mtime_ns + 10**9))
    assert _keys("baseline", model=str(model)) == first
    weights.write_bytes(b"\x01" + b"\x00" * 63)
    changed = _keys("baseline", model=str(model))
    assert changed["finetune:xnli"] != first["finetune:xnli"]
    (model / "tokenizer.json").write_text("{}")  # any file of the directory counts
    assert _keys("baseline", model=str(model))["finetune:xnli"] != changed["finetune:xnli"]


def test_xquad_and_mlqa_share_one_fine_tune_key_but_not_their_evaluations():
    for recipe in ("baseline", "stilts"):
        keys = _keys(recipe, targets="xquad,mlqa")
        assert keys["finetune:xquad"] == keys["finetune:mlqa"]
        assert keys["evaluate:xquad"] != keys["evaluate:mlqa"]
    plan, cfg = _plan("baseline", targets="xquad,tydiqa")
    keys = plan_keys(plan, 1, cfg)
    assert keys["finetune:xquad"] != keys["finetune:tydiqa"]  # other English training data
    different = _keys("baseline", targets="xquad,mlqa", finetune={"mlqa": {"learning_rate": 1e-3}})
    assert different["finetune:xquad"] != different["finetune:mlqa"]  # other settings


def test_explain_names_the_parts_that_changed():
    plan, cfg = _plan()
    maker = KeyMaker(cfg)
    _, parts = maker.plan_keys(plan, 1)["finetune:xnli"]
    assert explain(parts, []) == "none stored"
    stored = [dict(parts, code="0" * 16), dict(parts, code="1" * 16, data="2" * 16)]
    assert explain(parts, stored) == "new code"


def _count_runner(builds):
    def run_phase(kind):
        def run(ctx):
            builds.append((kind, ctx.phase.name))
            return PhaseResult(metrics={f"{ctx.phase.task}.en.accuracy": 50.0})
        return run
    return run_phase


def test_executor_rebuilds_exactly_what_changed_and_records_who_built_it(tmp_path):
    data = _data_dir(tmp_path)
    plan, cfg = _plan("baseline", targets="pawsx,xnli", data="hub", data_dir=str(data), output_dir=str(tmp_path / "out"),
                      offline=True)
    tracker = Tracker(f"sqlite:///{tmp_path / 'out' / 'mlflow.db'}", "ablate")
    builds: list = []
    progress = Progress(enabled=False)
    execute(plan, cfg, tracker, progress, run_phase=_count_runner(builds))
    assert len(builds) == 4
    builds.clear()
    execute(plan, cfg, tracker, progress, run_phase=_count_runner(builds))
    assert builds == []
    train = data / "google__xtreme" / "PAWS-X.en" / "train.jsonl"
    os.utime(train, ns=(train.stat().st_atime_ns, train.stat().st_mtime_ns + 10**9))
    runs = execute(plan, cfg, tracker, progress, run_phase=_count_runner(builds))
    assert builds == []  # touched, same bytes
    train.write_text(train.read_text().replace("a", "b", 1))
    runs = execute(plan, cfg, tracker, progress, run_phase=_count_runner(builds))
    assert builds == [("finetune", "finetune:pawsx"), ("evaluate", "evaluate:pawsx")]
    info = runs[0].phases["finetune:xnli"]
    assert info["cached"] and info["built_by"]["commit"]
    entry = json.loads((Path(info["dir"]) / "entry.json").read_text())
    assert entry["built_by"] == info["built_by"] and set(entry["parts"]) == {"task", "settings", "seed", "inputs", "code", "data", "model"}
    child = tracker.client.get_run(info["run_id"]).data.tags
    assert child["cached"] == "yes" and child["built_by_commit"] == entry["built_by"]["commit"]
    assert child["key.data"] == entry["parts"]["data"]
    parent = tracker.client.get_run(runs[0].run_id).data.tags
    assert parent["phases_reused"] == "2" and parent["phases_built_by_other_code"] == "none"


class _FakeHub:
    def __init__(self, fail=()):
        self.fail = fail
        self.calls = []

    def model_info(self, ident, revision=None):
        return self._info("model", ident, revision)

    def dataset_info(self, ident, revision=None):
        return self._info("dataset", ident, revision)

    def _info(self, kind, ident, revision):
        self.calls.append((kind, ident, revision))
        if ident in self.fail:
            raise OSError("no route to host")
        return type("Info", (), {"sha": f"sha-of-{ident}"})()


def test_unpinned_hub_revisions_are_resolved_once_and_key_the_run():
    plan, cfg = _plan("baseline", model="xlm-roberta-base", data="hub")
    hub = _FakeHub()
    resolved, notes = resolve_revisions(plan, cfg, offline=False, api=hub)
    assert notes == [] and resolved.model_revision == "sha-of-xlm-roberta-base"
    assert resolved.dataset_revisions["google/xtreme"] == "sha-of-google/xtreme"
    assert len(hub.calls) == len({c[1] for c in hub.calls})  # each id asked once
    assert plan_keys(plan, 1, resolved) != plan_keys(plan, 1, cfg)
    moved = resolve_revisions(plan, cfg, offline=False, api=type("Moved", (_FakeHub,), {
        "_info": lambda self, k, i, r: type("Info", (), {"sha": f"newer-{i}"})()})())[0]
    assert plan_keys(plan, 1, moved) != plan_keys(plan, 1, resolved)  # the branch moved: rebuild
    same, notes = resolve_revisions(plan, cfg, offline=True, api=hub)
    assert same is cfg and "offline" in notes[0]
    partial, notes = resolve_revisions(plan, cfg, offline=False, api=_FakeHub(fail=("google/xtreme",)))
    assert "google/xtreme" not in partial.dataset_revisions and "could not resolve dataset google/xtreme" in notes[0]


def test_plan_shows_why_a_phase_is_not_cached(tmp_path, cli):
    out = tmp_path / "out"
    plan, cfg = _plan("baseline", targets="xnli", output_dir=str(out))
    tracker = Tracker(f"sqlite:///{out / 'mlflow.db'}", "ablate")
    execute(plan, cfg, tracker, Progress(enabled=False), run_phase=_count_runner([]))
    r = cli("plan", "baseline", "--targets", "xnli,pawsx", "--preset", "smoke", "-o", str(out))
    assert r.code == 0, r.err
    rows = {line.split("│")[2].strip(): line for line in r.out.splitlines() if line.count("│") > 4}
    assert "cached" in rows["finetune:xnli"] and "cached" in rows["evaluate:xnli"]
    assert "to run: new settings, data" in rows["finetune:pawsx"]  # fine-tunes are keyed by training data
    r = cli("plan", "baseline", "--targets", "xnli", "--preset", "smoke", "-o", str(out), "--seeds", "2",
            "--set", "finetune.xnli.learning_rate=0.001")
    rows = {line.split("│")[2].strip(): line for line in r.out.splitlines() if line.count("│") > 4}
    assert "to run: new settings, seed" in rows["finetune:xnli"]
    assert "to run: new inputs" in rows["evaluate:xnli"]  # it reads a fine-tune not built yet


def test_a_run_with_xquad_and_mlqa_trains_one_squad_fine_tune_per_seed(tmp_path, cli, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    r = cli("run", "baseline", "--targets", "xquad,mlqa", "--preset", "smoke", "--seeds", "1", "-o", str(out), "-q")
    assert r.code == 0, r.err
    assert len([d for d in (out / "phases" / "finetune").iterdir()]) == 1  # one for the seed
    assert len([d for d in (out / "phases" / "evaluate").iterdir()]) == 2  # one per target
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=f"sqlite:///{out / 'mlflow.db'}")
    exp = client.get_experiment_by_name("ablate")
    children = client.search_runs([exp.experiment_id], "tags.phase_kind = 'finetune'")
    assert sorted((c.data.tags["phase"], c.data.tags["cached"]) for c in children) == [
        ("finetune:mlqa", "yes"), ("finetune:xquad", "no")]
    parents = client.search_runs([exp.experiment_id], "tags.kind = 'run'")
    for p in parents:
        assert {"xquad.avg.em_f1", "mlqa.avg.em_f1"} <= set(p.data.metrics)


def test_the_contexts_selection_excludes_are_data_of_the_phases_that_select(tmp_path):
    """SQuAD-dev selection drops XQuAD.en's paragraphs, so XQuAD.en's bytes determine the squad
    intermediate phase and the shared SQuAD fine-tune (not only their evaluation)."""
    data = _data_dir(tmp_path)
    kw = {"data": "hub", "data_dir": str(data), "task": "squad", "targets": "mlqa"}
    first = _keys(**kw)
    xquad_en = data / "google__xtreme" / "XQuAD.en" / "validation.jsonl"
    xquad_en.write_text("\n".join(xquad_en.read_text().splitlines()[1:]) + "\n")
    changed = _keys(**kw)
    assert changed["intermediate:squad"] != first["intermediate:squad"]
    assert changed["finetune:mlqa"] != first["finetune:mlqa"]
