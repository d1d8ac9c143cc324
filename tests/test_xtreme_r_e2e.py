"""XTREME-R targets offline in the smoke preset: every language logged, and the XTREME-R score.

The default run covers the new kinds of target (XCOPA's two-stage fine-tune, Mewsli-X and LAReQA
with their dual-encoder fine-tunes, an extended language set); the slow one runs `--targets
xtreme-r` (all ten) and checks the score against evaluate.py's rules applied to the logged
per-language numbers.
"""

from __future__ import annotations

import pytest

from ablate.metric_names import metric_task
from ablate.metrics.xtreme_r_score import CATEGORIES, TASK_LANGUAGES
from ablate.tasks import expand_targets, get_task
from ablate.xtreme_r import TARGETS


def _metrics(out) -> tuple[dict, dict, str]:
    """The parent run's metrics and description, and each phase run's metrics (by run name)."""
    from mlflow import MlflowClient

    c = MlflowClient(f"sqlite:///{out / 'mlflow.db'}")
    runs = c.search_runs([c.get_experiment_by_name("ablate").experiment_id])
    (parent,) = [r for r in runs if r.data.tags.get("kind") == "run"]
    phases = {r.data.tags.get("mlflow.runName"): r.data.metrics for r in runs}
    return parent.data.metrics, phases, parent.data.tags.get("mlflow.note.content", "")


@pytest.mark.parametrize("targets", [
    "xcopa,mewslix,lareqa,tatoeba_xr",
    pytest.param("xtreme-r", marks=pytest.mark.slow),
])
def test_xtreme_r_targets_log_every_language(cli, tmp_path, targets):
    r = cli("run", "baseline", "--targets", targets, "--preset", "smoke", "--seeds", "1", "-o", str(tmp_path), "-q")
    assert r.code == 0, r.err
    _check(tmp_path, targets, r.out)


def _check(out, targets: str, printed: str) -> None:
    m, phases, note = _metrics(out)
    # XCOPA's fine-tune trained on SIQA first (XTREME-R's recipe), then on COPA
    assert "first_stage.dev.accuracy" in phases["finetune:xcopa"] and "dev.accuracy" in phases["finetune:xcopa"]
    # Mewsli-X and LAReQA were fine-tuned as dual encoders, selected on English dev pairs
    assert "dev.map20" in phases["finetune:mewslix"] and "dev.map20" in phases["finetune:lareqa"]
    # LAReQA's selection set lost the SQuAD dev questions on XQuAD(-R)'s paragraphs
    assert phases["finetune:lareqa"]["selection.excluded_test_questions"] > 0
    by_target = {target: task for task, target in TARGETS.items()}
    for target in expand_targets(tuple(targets.split(","))):
        spec, task = get_task(target), by_target[target]
        name = metric_task(target)  # fine-tuned Mewsli-X / LAReQA: their own names, as XTREME-R's
        assert not any(k.startswith(f"{name}_untuned.") for k in m)
        values = [m[f"{name}.{lang}.{spec.metric}"] for lang in spec.languages]
        assert all(0 <= v <= 100 for v in values), (target, dict(zip(spec.languages, values)))
        assert m[f"xtreme_r.{task}"] == pytest.approx(sum(values) / len(values))
        if "validation" in spec.evaluation:  # dev next to test, every language that has a dev split
            assert all(f"dev.{name}.{lang}.{spec.metric}" in m for lang in spec.languages
                       if ("validation", lang) not in spec.unavailable), target
    if targets == "xtreme-r":
        task_scores = {t: m[f"xtreme_r.{t}"] for t in TASK_LANGUAGES}
        # evaluate.py: all_task = mean of the ten; groups as XTREME_R_GROUP2TASK (retrieval without LAReQA)
        assert m["xtreme_r.score"] == pytest.approx(sum(task_scores.values()) / 10)
        retrieval = (task_scores["tatoeba"] + task_scores["mewslix"]) / 2
        assert m["xtreme_r.category.retrieval"] == pytest.approx(retrieval)
        assert all(f"xtreme_r.category.{c}" in m for c in CATEGORIES)
        assert not [k for k in m if "untuned" in k]
        assert "xtreme_r.score" in printed  # the run summary shows it (its cell may wrap after that)
        assert "**xtreme_r.score:" in note  # and the parent run's description
    else:
        assert "xtreme_r.score" not in m  # not all ten tasks ran
        assert m["xtreme_r.category.multi_choice"] == m["xtreme_r.xcopa"]


def test_untuned_retrieval_is_logged_and_scored_under_its_own_names(cli, tmp_path):
    """`retrieval_finetune=false`: no fine-tune phase; `<task>_untuned.*` and `_untuned` scores only."""
    r = cli("run", "baseline", "--targets", "mewslix,lareqa", "--preset", "smoke", "--seeds", "1", "-o",
            str(tmp_path), "-q", "--set", "retrieval_finetune=false", "--set", "max_eval_examples=4")
    assert r.code == 0, r.err
    m, phases, _ = _metrics(tmp_path)
    assert not [name for name in phases if name and name.startswith("finetune:")]
    for task in ("mewslix", "lareqa"):
        assert f"{task}_untuned.avg.map20" in m and f"xtreme_r.{task}_untuned" in m
        assert not [k for k in m if k.startswith((f"{task}.", f"dev.{task}.", f"xtreme_r.{task}"))
                    and "untuned" not in k]
