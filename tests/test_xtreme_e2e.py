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
    return m


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
    _check(tmp_path)
