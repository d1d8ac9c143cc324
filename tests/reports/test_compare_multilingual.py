"""English vs published translations vs ablate's MT, on a smoke store: `ablate compare --arms
stilts:mnli,stilts:xnli_translate_train,mt-translate:mnli`, by each task's metric and by macro-F1
(logged per language for PAN-X and PAWS-X)."""

from __future__ import annotations

import json

import numpy as np
import pytest

ARMS = "stilts:mnli,stilts:xnli_translate_train,mt-translate:mnli"
TARGETS = "pawsx,panx"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    from ablate.cli import main

    out = tmp_path_factory.mktemp("multilingual-store")
    common = ["--targets", TARGETS, "--preset", "smoke", "--seeds", "1", "-o", str(out), "-q",
              "--set", "eval_splits=test", "--set", "max_eval_examples=4"]
    for recipe, task in (("stilts", "mnli"), ("stilts", "xnli_translate_train"), ("mt-translate", "mnli")):
        main(["run", recipe, "--task", task, *common, *(["--langs", "de,fr"] if recipe == "mt-translate" else [])])
    return out, f"sqlite:///{out / 'mlflow.db'}"


def _request(**kw):
    from ablate.reports import compare

    return compare.Request(ARMS.split(","), **{"targets": TARGETS, "n_replicates": 200, **kw})


def test_every_run_logs_macro_f1_per_language_beside_the_headline(store):
    from ablate.records import Arm, Store
    from ablate.tasks import get_task

    s = Store(store[1], "ablate")
    for label in ARMS.split(","):
        (run,) = s.runs(Arm.parse(label))
        for task in ("pawsx", "panx"):
            for lang in get_task(task).languages:
                assert f"{task}.{lang}.macro_f1" in run.metrics, (label, task, lang)
                assert f"{task}.{lang}.{get_task(task).metric}" in run.metrics
            assert np.isfinite(run.metrics[f"{task}.avg.macro_f1"])


def test_compare_answers_english_vs_published_vs_mt_by_each_metric(store):
    from ablate.records import Store
    from ablate.reports import compare

    s = Store(store[1], "ablate")
    by_own = compare.run(s, _request())
    by_macro = compare.run(s, _request(metric="macro_f1"))
    for c, metric in ((by_own, None), (by_macro, "macro_f1")):
        assert c.labels == ARMS.split(",") and c.targets == ["pawsx", "panx"]
        for treatment in ("stilts:xnli_translate_train", "mt-translate:mnli"):
            assert {m.task for m in c.lines(level="task", treatment=treatment)} == {"pawsx", "panx"}
        data = c.to_json()
        assert data["metrics"] == ({"pawsx": "accuracy", "panx": "f1"} if metric is None
                                   else {"pawsx": "macro_f1", "panx": "macro_f1"})
        assert (f"metric:{metric}" in c.signature) == bool(metric)
    assert by_macro.overall == "average"
    # Macro-F1 is a different number from the headline on the same predictions (PAN-X: F1 per
    # entity type, unweighted; not the micro F1 over all entities).
    own = {(m.treatment, m.task, m.lang): m.mean_a for m in by_own.lines(level="cell")}
    macro = {(m.treatment, m.task, m.lang): m.mean_a for m in by_macro.lines(level="cell")}
    assert own.keys() == macro.keys() and any(abs(own[k] - macro[k]) > 1e-6 for k in own)


def test_a_cell_by_macro_f1_is_the_logged_macro_f1(store):
    from ablate.records import Arm, Store
    from ablate.reports import compare

    s = Store(store[1], "ablate")
    c = compare.run(s, _request(metric="macro_f1"))
    (run,) = s.runs(Arm.parse("stilts:xnli_translate_train"))
    line = next(m for m in c.lines(level="cell", treatment="stilts:xnli_translate_train", task="panx")
                if m.lang == "de")
    assert line.mean_a == pytest.approx(run.metrics["panx.de.macro_f1"], abs=1e-9)


def _cli(*args) -> tuple[int, str]:
    """`ablate ARGS` in-process: (exit code, stdout + stderr)."""
    import contextlib
    import io

    from ablate.cli import main

    out = io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            main(list(args))
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else 1
    return code, out.getvalue()


def test_cli_metric_flag_writes_the_metric_and_refuses_unknown_ones(store, tmp_path):
    code, output = _cli("compare", "--arms", ARMS, "--targets", TARGETS, "--metric", "macro_f1", "--tracking-uri",
                        store[1], "--out", str(tmp_path), "-B", "200", "--no-log")
    assert code == 0, output
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["metrics"]["panx"] == "macro_f1" and "macro_f1" in (tmp_path / "report.md").read_text()
    code, output = _cli("compare", "--arms", ARMS, "--metric", "macro_f", "--tracking-uri", store[1],
                        "--out", str(tmp_path / "bad"))
    assert code == 2 and "Did you mean 'macro_f1'" in output and "Traceback" not in output
    assert not (tmp_path / "bad").exists()  # refused before anything is written


def test_metric_defaults_to_the_shared_targets_and_a_target_without_it_is_refused_by_name(store):
    from ablate.errors import AblateError
    from ablate.records import Store
    from ablate.reports import compare

    c = compare.run(Store(store[1], "ablate"), compare.Request(ARMS.split(","), n_replicates=200, metric="macro_f1"))
    assert c.targets == ["pawsx", "panx"]
    with pytest.raises(AblateError, match="Target 'xquad' has no macro_f1"):
        compare.run(Store(store[1], "ablate"), _request(targets="xquad", metric="macro_f1"))


def test_seeds_of_one_arm_run_with_different_mixes_are_not_pooled():
    """`--mt-mix` decides the training data of a published-data arm, so two seeds of
    stilts:xnli_translate_train, one with the English part and one without, are one problem."""
    from ablate.records import Arm, RunRecord
    from ablate.reports.selection import _settings_drift

    def run(seed: int, mix: str) -> RunRecord:
        params = {"model": "tiny-xlmr", "data": "fixtures", "mt.mix": mix}
        return RunRecord(f"run{seed}", Arm("stilts", "xnli_translate_train"), seed, "FINISHED", {}, params, {}, 0, 1)

    same = {"stilts:xnli_translate_train": {"pawsx": {1: run(1, "translated"), 2: run(2, "translated")}}}
    assert _settings_drift(same) == []
    mixed = {"stilts:xnli_translate_train": {"pawsx": {1: run(1, "translated"), 2: run(2, "en+translated")}}}
    (problem,) = _settings_drift(mixed)
    assert "different settings" in problem and "mt.mix='translated' vs 'en+translated'" in problem
