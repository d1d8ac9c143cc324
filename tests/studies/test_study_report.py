"""`ablate study report` on synthetic stores with planted answers (every analysis), and ONE
smoke study that really trains, end to end: run -> resume (nothing redone) -> report."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ablate.studies import matrix, spec, uriel
from tests.studies.conftest import main, write_runs


def _report(tmp_path, name, value, capsys=None):
    m = matrix.build(spec.load(name), "smoke")
    write_runs(tmp_path / "store", list(m.requests), value)
    out = tmp_path / "report"
    assert main("study", "report", name, "--preset", "smoke", "-o", str(tmp_path / "store"), "--out", str(out),
                "-B", "2000") == 0
    data = json.loads((out / "report.json").read_text())
    assert data["runs"] == {"matrix": len(m.requests), "finished": len(m.requests), "missing": []}
    assert "data:image/png;base64," in (out / "report.html").read_text() and data["report_run_id"]
    assert any("SMOKE RUNS" in w for w in data["warnings"])
    _report.warnings = data["warnings"]
    return data["results"]


def test_granularity_report_finds_the_planted_retrieval_gain(tmp_path):
    def value(r, task, lang):
        return 50.0 + (10.0 if r.task == "squad" and task == "tatoeba" else 0.0)

    _report.last = _report(tmp_path, "granularity", value)
    lines = {(m["group"], m["category"]): m for m in _report.last["tiny-xlmr"]["lines"]}
    assert lines["span", "retrieval"]["verdict"] == "gain" and 8 < lines["span", "retrieval"]["gain"] < 12
    assert lines["pair", "retrieval"]["verdict"] == "no difference detected"
    assert set(lines) == {(g, c) for g in ("token", "span", "pair", "multiple_choice") for c in ("classification", "retrieval")}
    # synthetic runs have no per-example predictions: the compare machinery says why it is absent
    assert "compare" not in _report.last["tiny-xlmr"]


def test_size_report_finds_the_planted_interaction(tmp_path):
    def value(r, task, lang):
        return 50.0 + (6.0 if r.task == "mnli" and r.model == "tiny-xlmr-2x" else 0.0)

    results = _report(tmp_path, "size", value)
    (did,) = results["interactions"]
    assert did["large"] == "tiny-xlmr-2x" and did["small"] == "tiny-xlmr" and did["metric"] == "score"
    assert did["did"]["low"] < 6 < did["did"]["high"] and did["verdict"].startswith("interaction: mnli")
    assert "not available yet: metric:macro_f1 (left out of this study)" in _report.warnings  # these runs log none


def test_volume_report_finds_the_planted_learning_curve_and_multitask_advantage(tmp_path):
    axes = ("intermediate.*.max_train_examples", "multitask.total_train_examples")

    def value(r, task, lang):
        one, total = matrix.axis_values(r, axes).values()
        n = one or total
        return 40.0 if n is None else 50.0 + 4.0 * np.log10(n) + (3.0 if total else 0.0)

    results = _report(tmp_path, "volume", value)
    trends = {t["arm"]: t for t in results["trends"]}
    single, multi = "stilts:mnli (tiny-xlmr)", "multitask:mnli-squad-hellaswag (tiny-xlmr)"
    assert set(trends) == {single, multi} and all(t["verdict"] == "grows with volume" for t in trends.values())
    assert trends[single]["low"] < 4 < trends[single]["high"]
    assert [(p["arm"], p["volume"], p["counted"]) for p in results["points"]] == [
        *((multi, n, "total over 3 tasks") for n in (16, 32, 64)), *((single, n, "one task") for n in (16, 32, 64))]
    assert results["baseline_mean"] == pytest.approx(40, abs=0.5)
    lines = results["equal_volume"]
    assert [(m["arm"], m["reference"], m["volume"]) for m in lines] == [(multi, single, n) for n in (16, 32, 64)]
    assert all(m["low"] < 3 < m["high"] and m["p_holm"] <= 0.05 for m in lines)
    # synthetic runs have no per-example predictions: the compare machinery says why it is absent
    assert "compare" not in results


def test_typology_report_finds_degradation_growing_with_syntactic_distance(tmp_path):
    def value(r, task, lang):
        return 80.0 - (0.0 if lang == "en" else 40.0 * uriel.distance("syntax", "en", lang))

    lines = _report(tmp_path, "typology", value)["lines"]
    syntax = {m["task"]: m for m in lines if m["family"] == "syntax"}
    assert syntax["xnli"]["verdict"] == "positive relationship" and syntax["xnli"]["rho"] > 0.8
    assert syntax["tatoeba"]["degradation"].startswith("100 − score") and syntax["tatoeba"]["rho"] > 0.8
    assert syntax["xnli"]["languages"] == 14 and "not estimable" not in syntax["tatoeba"]["support"]


def test_smoke_study_runs_offline_end_to_end_and_resumes(tmp_path, capsys):
    out = tmp_path / "runs"
    assert main("study", "run", "typology", "--preset", "smoke", "-o", str(out), "-q") == 0
    assert "0 of 2 runs done, running 2" in capsys.readouterr().out
    assert main("study", "run", "typology", "--preset", "smoke", "-o", str(out), "-q") == 0
    assert "2 of 2 runs done, running 0" in capsys.readouterr().out  # nothing redone
    assert main("study", "plan", "typology", "--preset", "smoke", "-o", str(out)) == 0
    assert "2 done, 0 missing" in " ".join(capsys.readouterr().out.split())
    assert main("study", "report", "typology", "--preset", "smoke", "-o", str(out), "--out", str(tmp_path / "rep"), "-B", "500") == 0
    data = json.loads((tmp_path / "rep" / "report.json").read_text())
    assert {m["task"] for m in data["results"]["lines"]} == {"xnli", "tatoeba"} and len(data["source_run_ids"]) == 2
    assert (tmp_path / "rep" / "report.md").read_text().startswith("# ablate study typology (smoke)")

    # A user's own spec reuses those two runs (same settings) and adds the baseline: the arms
    # analysis then also reports through the compare machinery (per-example statistics).
    mine = tmp_path / "arms.toml"
    mine.write_text(ARMS_SPEC)
    assert main("study", "run", str(mine), "--preset", "smoke", "-o", str(out), "-q") == 0
    assert "2 of 4 runs done, running 2" in capsys.readouterr().out
    assert main("study", "report", str(mine), "--preset", "smoke", "-o", str(out), "--out", str(tmp_path / "arms"), "-B", "500") == 0
    results = json.loads((tmp_path / "arms" / "report.json").read_text())["results"]["tiny-xlmr"]
    assert {(m["level"], m["task"]) for m in results["compare"]} == {("task", "xnli"), ("task", "tatoeba"), ("overall", "average")}
    assert all(m["treatment"] == "stilts:mnli" and m["low"] <= m["delta"] <= m["high"] for m in results["compare"])


ARMS_SPEC = """name = "arms-smoke"
question = "Does STILTs on MNLI beat no intermediate training?"
analysis = "arms"
[paper]
recipes = ["baseline", "stilts"]
tasks = ["mnli"]
targets = ["xnli", "tatoeba"]
models = ["xlm-roberta-large"]
seeds = [1, 2]
[smoke]
recipes = ["baseline", "stilts"]
tasks = ["mnli"]
targets = ["xnli", "tatoeba"]
models = ["tiny-xlmr"]
seeds = [1, 2]
"""


def test_volume_smoke_pairs_multitask_with_one_task_through_compare(tmp_path):
    """The volume study trained for real at one total (the shipped smoke grid has three): the
    multi-task arm is paired with the single task at that total by the compare machinery."""
    mine = tmp_path / "volume-one-total.toml"
    mine.write_text(spec.load("volume").path.read_text().split("[smoke]")[0] + SMOKE_VOLUME)
    out = tmp_path / "runs"
    assert main("study", "run", str(mine), "--preset", "smoke", "-o", str(out), "-q") == 0
    assert main("study", "report", str(mine), "--preset", "smoke", "-o", str(out), "--out", str(tmp_path / "rep"), "-B", "500") == 0
    results = json.loads((tmp_path / "rep" / "report.json").read_text())["results"]
    single, multi = "stilts:mnli (tiny-xlmr)", "multitask:mnli-squad-hellaswag (tiny-xlmr)"
    (line,) = results["equal_volume"]
    assert (line["arm"], line["reference"], line["volume"]) == (multi, single, 24)
    assert {(m["level"], m["task"], m["volume"]) for m in results["compare"]} == {("task", "xnli", 24), ("overall", "average", 24)}
    assert all(m["treatment"] == "multitask:mnli-squad-hellaswag" and m["baseline"] == "stilts:mnli"
               and m["low"] <= m["delta"] <= m["high"] for m in results["compare"])
    # 2 seeds: the compare machinery refuses its test and says why; a refused line gets no Holm p
    assert all(m["p"] is None and "use ≥ 4 seeds" in m["refused"] and "p_holm_totals" not in m for m in results["compare"])
    assert "The same pairs through the compare machinery" in (tmp_path / "rep" / "report.md").read_text()


SMOKE_VOLUME = """[smoke]
recipes = ["stilts", "multitask"]
tasks = ["mnli"]
task_sets = [["mnli", "squad", "hellaswag"]]
targets = ["xnli"]
models = ["tiny-xlmr"]
seeds = [1, 2]
axes = { "intermediate.*.max_train_examples" = [24], "multitask.total_train_examples" = [24] }
"""
