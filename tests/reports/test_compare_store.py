"""`ablate compare` and `ablate checklist` end to end on a synthetic store with a planted effect
(+12 points on XNLI, none on TyDiQA), and the guard rails."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from ablate.errors import AblateError
from ablate.records import Store
from ablate.reports import compare


@pytest.fixture(scope="module")
def report(synthetic_store, tmp_path_factory, cli_module):
    root, uri = synthetic_store
    out = tmp_path_factory.mktemp("report")
    res = cli_module("compare", "--baseline", "baseline", "--treatment", "stilts:mnli", "--tracking-uri", uri,
                     "--out", str(out), "-B", "2000", "--seed", "11")
    assert res.code == 0, res.err
    return uri, out, json.loads((out / "report.json").read_text()), res


@pytest.fixture(scope="module")
def cli_module():
    import contextlib
    import io

    from ablate.cli import main

    def run(*args):
        out, err = io.StringIO(), io.StringIO()
        code = 0
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main(list(args))
            except SystemExit as e:
                code = e.code if isinstance(e.code, int) else 1
        return type("R", (), {"code": code, "out": out.getvalue(), "err": err.getvalue()})

    return run


def test_files_and_numbers(report):
    uri, out, data, res = report
    assert {"report.md", "report.html", "report.json", "forest.png", "heatmap.png"} <= {p.name for p in out.iterdir()}
    html = (out / "report.html").read_text()
    assert "data:image/png;base64," in html and "<table>" in html
    md = (out / "report.md").read_text()
    assert "## Methods" in md and "F3" in md and "variance components" in md
    # Issue 8 §3/§5: every Δ row says its direction in words; the CI label is the actual level.
    assert "stilts:mnli − baseline = +" in md and "stilts:mnli ahead" in md and "95 % CI" in md
    lines = data["lines"]
    assert data["B"] == 2000 and data["seed"] == 11 and data["paired_seeds"] is True
    assert data["parallel_test_sets"] == {"xnli": True, "tydiqa": False}
    for task in ("xnli", "tydiqa"):
        cells = [m for m in lines if m["level"] == "cell" and m["task"] == task]
        t = next(m for m in lines if m["level"] == "task" and m["task"] == task)
        assert t["delta"] == pytest.approx(np.mean([m["delta"] for m in cells]))
        # The Markdown table shows the same number.
        assert f"{t['delta']:+.2f}" in md
    for m in lines:
        assert m["low"] <= m["delta"] <= m["high"]
        if m["p"] is None:  # 3 seeds: the averaged levels refuse a p (and k̂) and say why
            assert m["level"] != "cell" and "3 seeds" in m["refused"] and m["wins"] is None
        else:
            assert m["p_holm"] >= m["p"]
        assert m["signature"].startswith("recipe:stilts|task:mnli|") and "|test:components-t|" in m["signature"]
    xnli = next(m for m in lines if m["level"] == "task" and m["task"] == "xnli")
    xnli_cells = [m for m in lines if m["level"] == "cell" and m["task"] == "xnli"]
    assert xnli["delta"] > 5 and sum(m["p"] < 0.05 and m["delta"] > 0 for m in xnli_cells) >= 1
    assert any("not finished" in w for w in data["warnings"])  # the failed seed-4 run
    assert any("< 5" in w for w in data["warnings"])
    assert "xnli" in res.out and "average" in res.out


def test_report_run_in_mlflow_and_regeneration(report, cli_module, tmp_path):
    uri, out, data, _ = report
    store = Store(uri, "ablate")
    run_id = data["report_run_id"]
    info = store.run_info(run_id)
    assert info["tags"]["kind"] == "report" and info["tags"]["report"] == "compare"
    assert info["params"]["B"] == "2000" and info["params"]["seed"] == "11"
    prov = json.loads(store.artifact(run_id, "provenance.json").read_text())
    assert len(prov["source_run_ids"]) == 6 and prov["fingerprints"]["xnli"]["de"]
    assert prov["libraries"]["numpy"]
    names = {a.path for a in store.client.list_artifacts(run_id)}
    assert {"report.html", "report.md", "report.json"} <= names
    # kind=report runs are not picked up as arms.
    assert [a.label for a in store.arms()] == ["baseline", "stilts:mnli"]

    res = cli_module("compare", "--from-report", run_id, "--tracking-uri", uri, "--out", str(tmp_path))
    assert res.code == 0, res.err
    assert "identical numbers" in res.out
    again = json.loads((tmp_path / "report.json").read_text())
    assert compare.numbers_of(again) == compare.numbers_of(data)


def _request(**kw):
    return compare.Request(["baseline", "stilts:mnli"], n_replicates=200, **kw)


def test_guard_tampered_fingerprint(synthetic_store, monkeypatch):
    store = Store(synthetic_store[1], "ablate")
    cell = Store.cell

    def tampered(self, runs, task, split, lang):
        c = cell(self, runs, task, split, lang)
        if next(iter(runs.values())).arm.recipe == "stilts" and lang == "fr":
            c = replace(c, fingerprints=("0" * 16,) * len(c.seeds))
        return c

    monkeypatch.setattr(Store, "cell", tampered)
    with pytest.raises(AblateError, match="different data"):
        compare.run(store, _request(targets="xnli"))


def test_guard_tampered_logged_metric(synthetic_store, monkeypatch):
    store = Store(synthetic_store[1], "ablate")
    cell = Store.cell

    def tampered(self, runs, task, split, lang):
        c = cell(self, runs, task, split, lang)
        if lang == "de":
            c.metric_logged["accuracy"] = c.metric_logged["accuracy"] + 0.5
        return c

    monkeypatch.setattr(Store, "cell", tampered)
    with pytest.raises(AblateError, match="does not re-derive"):
        compare.run(store, _request(targets="xnli"))


def test_guard_missing_seed(synthetic_store, monkeypatch):
    store = Store(synthetic_store[1], "ablate")
    latest = Store.latest_per_seed

    def drop(self, runs, task):
        runs = list(runs)
        out = latest(self, runs, task)
        if runs and runs[0].arm.recipe == "stilts":
            out.pop(3, None)
        return out

    monkeypatch.setattr(Store, "latest_per_seed", drop)
    with pytest.raises(AblateError, match="Missing seeds in one arm"):
        compare.run(store, _request())
    with pytest.raises(AblateError, match="no finished run of seed"):
        compare.run(Store(synthetic_store[1], "ablate"), _request(seeds=(1, 2, 9)))


def test_guard_missing_language_and_selection_policy(synthetic_store, monkeypatch):
    store = Store(synthetic_store[1], "ablate")
    runs = Store.runs

    def fewer(self, arm, model=None):
        out = runs(self, arm, model)
        if arm.recipe == "stilts":
            for r in out:
                r.metrics = {k: v for k, v in r.metrics.items() if k != "xnli.fr.accuracy"}
        return out

    monkeypatch.setattr(Store, "runs", fewer)
    with pytest.raises(AblateError, match="xnli language"):
        compare.run(store, _request())
    monkeypatch.setattr(Store, "runs", runs)

    info = Store.run_info
    from ablate.records import Arm

    stilts = {r.run_id for r in store.runs(Arm.parse("stilts:mnli"))}

    def policy(self, run_id):
        i = info(self, run_id)
        if i["tags"].get("phase") == "finetune:xnli" and i["tags"].get("mlflow.parentRunId") in stilts:
            i["tags"]["selection"] = "last-checkpoint"
        return i

    monkeypatch.setattr(Store, "run_info", policy)
    with pytest.raises(AblateError, match="Checkpoint selection differs"):
        compare.run(Store(synthetic_store[1], "ablate"), _request(targets="xnli"))


def test_cli_errors(synthetic_store, cli_module, tmp_path):
    uri = synthetic_store[1]
    res = cli_module("compare", "--arms", "baseline,stilts:mnlii", "--tracking-uri", uri, "--out", str(tmp_path))
    assert res.code == 2 and "Did you mean 'stilts:mnli'" in res.err
    res = cli_module("compare", "--arms", "baseline,stilts:mnli", "--targets", "pawsx", "--tracking-uri", uri,
                     "--out", str(tmp_path))
    assert res.code == 2 and "pawsx" in res.err


def test_raises_b_to_the_resolution_rule(synthetic_store):
    c = compare.run(Store(synthetic_store[1], "ablate"), _request(targets="xnli"))
    assert c.n_replicates == 600 and c.replicates_raised  # m = 3 languages: 10·3/0.05
    assert any("raised to B = 600" in w for w in c.warnings)
    assert "B raised from 200" in c.methods


def test_checklist(synthetic_store, cli_module, tmp_path):
    uri = synthetic_store[1]
    res = cli_module("checklist", "--tracking-uri", uri, "--out", str(tmp_path / "checklist.md"), "-B", "1000")
    assert res.code == 0, res.err
    data = json.loads((tmp_path / "checklist.json").read_text())
    md = (tmp_path / "checklist.md").read_text()
    from ablate.reports.claims import CLAIMS, STATUSES

    assert [r["id"] for r in data["claims"]] == [c.id for c in CLAIMS]
    assert {r["status"] for r in data["claims"]} <= set(STATUSES)
    for c in CLAIMS:
        assert c.text in md
    by_id = {r["id"]: r for r in data["claims"]}
    # 3 seeds per arm: the average level gets no p (not calibrated), so the claim cannot be judged.
    assert by_id["mnli-gain"]["status"] == "not enough runs" and "too few seeds" in by_id["mnli-gain"]["reason"]
    assert by_id["mnli-gain"]["measured"]["delta"] > 0 and by_id["mnli-gain"]["paper_figure"] == 7.5
    # the planted XNLI gain: 3 seeds leave the task level untested, and the checklist says so
    assert by_id["xnli-no-benefit"]["status"] == "not enough runs" and "too few seeds" in by_id["xnli-no-benefit"]["reason"]
    assert by_id["squad-gain"]["status"] == "not enough runs"
    # both recipes exist, but neither a multitask:all nor a stilts-mlm arm was run: said so, not "not built"
    assert by_id["multitask-gain"]["status"] == "not enough runs" and "multitask:all" in by_id["multitask-gain"]["reason"]
    assert by_id["beats-mlm"]["status"] == "not enough runs" and "needs arms stilts-mlm:*" in by_id["beats-mlm"]["reason"]
    items = [i["item"] for i in data["auto"]]
    for needed in ("Number of runs (incl. failed)", "Seeds", "All hyperparameters", "Checkpoint selection rule",
                   "Dev score next to every test score", "Runtime per result and total compute", "Hardware",
                   "Parameter count", "Dataset statistics and fingerprints", "Language names",
                   "Data sources and revisions", "Code version, dirty flag and environment",
                   "Commands to reproduce each number", "Metric definitions", "Preprocessing and drop counts"):
        assert needed in items
    runs_item = next(i for i in data["auto"] if i["item"] == "Number of runs (incl. failed)")
    assert runs_item["data"]["status"]["stilts:mnli"] == {"FINISHED": 3, "FAILED": 1}
    assert "ablate run stilts --task mnli --targets xnli,tydiqa --seeds 1,2,3 --preset paper" in md
    assert "- [ ] Licenses" in md
    commands = next(i for i in data["auto"] if i["item"] == "Commands to reproduce each number")["data"]
    rerun = [c for c in commands if c.startswith("ablate rerun ")]
    assert len(rerun) == 2 and all(f"--tracking-uri {uri}" in c for c in rerun)
    assert Store(uri, "ablate").run_info(data["report_run_id"])["tags"]["kind"] == "report"


def test_two_finished_runs_of_one_seed_use_the_newest_and_say_so(tmp_path):
    """Issue 10: a rerun leaves two finished parent runs for one (arm, seed); compare uses the
    newest finished one and names both in a warning."""
    import time

    from conftest import write_arm

    from ablate.tracking import Tracker

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    tracker = Tracker(uri, "ablate")
    langs = {"xnli": ("de", "en")}
    write_arm(tracker, tmp_path / "art", "baseline", None, 1, {"xnli": 0.50}, langs)
    write_arm(tracker, tmp_path / "art", "stilts", "mnli", 1, {"xnli": 0.62}, langs)
    old = [r.run_id for r in Store(uri, "ablate").runs(compare.sel_mod.Arm.parse("baseline")) if r.seed == 1]
    time.sleep(0.01)
    newer = write_arm(tracker, tmp_path / "art", "baseline", None, 1, {"xnli": 0.55}, langs)
    c = compare.run(Store(uri, "ablate"), _request(targets="xnli"))
    assert c.provenance["source_runs"]["baseline"]["xnli"]["1"] == newer
    dup = [w for w in c.warnings if "seed 1" in w and "2 finished runs" in w]
    assert len(dup) == 1 and f"used the newest finished, {newer}" in dup[0] and old[0] in dup[0]
