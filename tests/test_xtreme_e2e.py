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
    for task, langs in TASK_LANGUAGES.items():
        metric = get_task(task).metric
        for lang in langs:
            assert 0 <= m[f"{task}.{lang}.{metric}"] <= 100, (task, lang)
        assert m[f"xtreme.{task}"] == pytest.approx(sum(m[f"{task}.{l}.{metric}"] for l in langs) / len(langs))
    assert m["xtreme.score"] == pytest.approx(sum(m[f"xtreme.{t}"] for t in TASK_LANGUAGES) / 9)
    for category in CATEGORIES:
        assert f"xtreme.category.{category}" in m
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
    assert "XTREME" in r.out  # the score is in the run summary too
    _check(tmp_path)
