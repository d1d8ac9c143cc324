"""`--targets xtreme`: all nine target tasks offline, every language, and the XTREME score."""

from __future__ import annotations

import pytest

from ablate.metrics.xtreme_score import CATEGORIES, TASK_LANGUAGES
from ablate.tasks import get_task


def _check(out):
    from mlflow import MlflowClient

    c = MlflowClient(f"sqlite:///{out / 'mlflow.db'}")
    (run,) = c.search_runs([c.get_experiment_by_name("ablate").experiment_id], "tags.kind = 'run'")
    m = run.data.metrics
    names = {t: t for t in TASK_LANGUAGES} | {"bucc2018": "bucc2018_goldonly"}  # fixtures: the Hub's gold pairs
    for task, langs in TASK_LANGUAGES.items():
        metric, name = get_task(task).metric, names[task]
        for lang in langs:
            assert 0 <= m[f"{name}.{lang}.{metric}"] <= 100, (task, lang)
        assert m[f"xtreme.{name}"] == pytest.approx(sum(m[f"{name}.{l}.{metric}"] for l in langs) / len(langs))
    # gold-only BUCC never makes an `xtreme.score`; the variant that includes it says so in its name
    assert "xtreme.score" not in m and "xtreme.bucc2018" not in m
    assert m["xtreme.score_bucc_goldonly"] == pytest.approx(sum(m[f"xtreme.{n}"] for n in names.values()) / 9)
    assert m["xtreme.score_without_bucc"] == pytest.approx(
        sum(m[f"xtreme.{t}"] for t in TASK_LANGUAGES if t != "bucc2018") / 8)
    for category in CATEGORIES:
        assert f"xtreme.category.{category}" + ("_bucc_goldonly" if category == "retrieval" else "") in m
    for lang in TASK_LANGUAGES["udpos"]:  # UD-POS under both seqeval conventions
        assert 0 <= m[f"udpos.{lang}.f1_seqeval1"] <= 100
    return m, run.info.run_id


def _export_and_rescore(cli, out, run_id, m):
    """`ablate export xtreme`, then XTREME's evaluate.py rules (tests/xtreme_rescore.py, none of
    ablate's metric code) on the exported files give every logged number back."""
    import json

    from tests import xtreme_rescore

    export = out / "export"
    r = cli("export", "xtreme", "--run", run_id, "--out", str(export), "-o", str(out))
    assert r.code == 0, r.err
    assert "gold pairs only" in r.out.replace("\n", " ")
    manifest = json.loads((export / "manifest.json").read_text())
    task_avg = {}
    for task, langs in TASK_LANGUAGES.items():
        entry = manifest["tasks"][task]
        assert entry["max_eval_examples"] == 16 and entry["missing_languages"] == []  # the smoke cap, recorded
        name = entry["metric_name"]
        per_lang = []
        for lang in langs:
            suffix = "json" if task in xtreme_rescore.QA else "tsv"
            scores = xtreme_rescore.score(task, lang, export / "predictions" / task / f"test-{lang}.{suffix}",
                                          export / "labels" / task / f"test-{lang}.{suffix}")
            per_lang.append(xtreme_rescore.task_metric(task, scores))
            metric = get_task(task).metric
            assert per_lang[-1] == pytest.approx(m[f"{name}.{lang}.{metric}"], abs=1e-9), (task, lang)
            if task == "udpos":
                assert scores["f1_seqeval1"] == pytest.approx(m[f"udpos.{lang}.f1_seqeval1"], abs=1e-9)
            if task in xtreme_rescore.QA:
                assert scores["f1"] == pytest.approx(m[f"{task}.{lang}.f1"], abs=1e-9)
        task_avg[task] = sum(per_lang) / len(per_lang)
    all_task = sum(task_avg.values()) / len(task_avg)  # evaluate.py's `all_task`
    assert all_task == pytest.approx(m["xtreme.score_bucc_goldonly"], abs=1e-9)
    assert manifest["logged_scores"]["xtreme.score_bucc_goldonly"] == m["xtreme.score_bucc_goldonly"]
    # BUCC candidates below the threshold are exported with their scores
    bucc = manifest["tasks"]["bucc2018"]
    assert bucc["corpus"] == "bucc18-goldonly" and "not comparable" in bucc["warning"]
    for lang in TASK_LANGUAGES["bucc2018"]:
        rows = [line.split("\t") for line in
                (export / "bucc2018_candidates" / f"test-{lang}.tsv").read_text().splitlines()[1:]]
        assert rows and all((float(s) >= bucc["thresholds"][lang]) == (p == "1") for s, _, _, p in rows)
        predicted = {(src, trg) for _, src, trg, p in rows if p == "1"}
        exported = {tuple(x.split("\t")) for x in
                    (export / "predictions" / "bucc2018" / f"test-{lang}.tsv").read_text().splitlines()}
        assert predicted == exported
    # bad input: one line, exit 2, nothing written
    again = cli("export", "xtreme", "--run", run_id, "--out", str(export), "-o", str(out))
    assert again.code == 2 and "already exists" in again.err
    child = manifest["tasks"]["xnli"]["phase_run_id"]
    r = cli("export", "xtreme", "--run", child, "--out", str(out / "other"), "-o", str(out))
    assert r.code == 2 and "export that one" in r.err.replace("\n", " ") and not (out / "other").exists()
    assert [p.name for p in out.iterdir() if p.name.startswith(".other")] == []


@pytest.mark.parametrize("task", [
    "hellaswag",
    pytest.param("squad", marks=pytest.mark.slow),
    pytest.param("ccg", marks=pytest.mark.slow),
])
def test_stilts_to_every_xtreme_task_offline(cli, tmp_path, task):
    r = cli("run", "stilts", "--task", task, "--targets", "xtreme", "--preset", "smoke", "--seeds", "1",
            "-o", str(tmp_path), "-q")
    assert r.code == 0, r.err
    assert "xtreme.score_bucc_goldonly" in r.out.replace("\n", "")  # the score is in the run summary too
    m, run_id = _check(tmp_path)
    if task == "hellaswag":
        _export_and_rescore(cli, tmp_path, run_id, m)
