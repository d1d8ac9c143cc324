"""The run's XTREME scores: gold-only BUCC never enters `xtreme.score`; every variant is named."""

from __future__ import annotations

import pytest

from ablate import xtreme
from ablate.metrics.xtreme_score import TASK_LANGUAGES
from ablate.tasks import get_task

VALUES = {"pawsx": 90.0, "xnli": 80.0, "udpos": 70.0, "panx": 60.0, "xquad": 70.0, "mlqa": 60.0,
          "tydiqa": 50.0, "bucc2018": 30.0, "tatoeba": 20.0}
EIGHT = [v for t, v in VALUES.items() if t != "bucc2018"]


def run_metrics(bucc_name: str | None, bucc_value: float = 30.0) -> dict[str, float]:
    out = {}
    for task, langs in TASK_LANGUAGES.items():
        name = bucc_name if task == "bucc2018" else task
        if name is None:
            continue
        value = bucc_value if task == "bucc2018" else VALUES[task]
        out.update({f"{name}.{lang}.{get_task(task).metric}": value for lang in langs})
    return out


def test_full_bucc_gives_the_xtreme_score():
    s = xtreme.summarize(run_metrics("bucc2018"))
    assert s["xtreme.score"] == pytest.approx(sum(VALUES.values()) / 9)
    assert s["xtreme.category.retrieval"] == pytest.approx(25.0)
    assert s["xtreme.avg_of_categories"] == pytest.approx((85 + 65 + 60 + 25) / 4)
    assert s["xtreme.score_without_bucc"] == pytest.approx(sum(EIGHT) / 8)
    assert not any("goldonly" in k for k in s)


def test_gold_only_bucc_is_kept_out_of_the_xtreme_score():
    s = xtreme.summarize(run_metrics("bucc2018_goldonly", bucc_value=99.0))
    assert "xtreme.score" not in s and "xtreme.bucc2018" not in s
    assert "xtreme.avg_of_categories" not in s and "xtreme.category.retrieval" not in s
    assert s["xtreme.bucc2018_goldonly"] == 99.0
    assert s["xtreme.score_bucc_goldonly"] == pytest.approx((sum(EIGHT) + 99.0) / 9)
    assert s["xtreme.category.retrieval_bucc_goldonly"] == pytest.approx((99.0 + 20.0) / 2)
    assert s["xtreme.avg_of_categories_bucc_goldonly"] == pytest.approx((85 + 65 + 60 + 59.5) / 4)
    assert s["xtreme.score_without_bucc"] == pytest.approx(sum(EIGHT) / 8)
    assert s["xtreme.category.qa"] == pytest.approx(60.0)  # categories without BUCC are unaffected


def test_without_bucc_only_the_eight_task_score():
    s = xtreme.summarize(run_metrics(None))
    assert s["xtreme.score_without_bucc"] == pytest.approx(sum(EIGHT) / 8)
    assert not {"xtreme.score", "xtreme.score_bucc_goldonly"} & set(s)
    assert set(xtreme.SCORES) == {"xtreme.score", "xtreme.score_bucc_goldonly", "xtreme.score_without_bucc",
                                  "xtreme_r.score", "xtreme_r.score_untuned_retrieval"}  # XTREME-R's (ablate.xtreme_r)


def test_incomplete_tasks_give_no_headline_score():
    metrics = run_metrics("bucc2018")
    del metrics["xnli.de.accuracy"]
    s = xtreme.summarize(metrics)
    assert "xtreme.xnli" not in s and "xtreme.pawsx" in s
    assert not set(xtreme.SCORES) & set(s)


@pytest.mark.parametrize("targets,fragment", [("udpos", "pos:seqeval0.0.12"), ("panx", None)])
def test_signature_names_the_udpos_seqeval_convention(targets, fragment):
    from ablate.config import resolve
    from ablate.execute import signature
    from ablate.recipes import load

    cfg = resolve("smoke", None, {"recipe": "baseline", "targets": targets})
    text = signature(load("baseline").plan(cfg), cfg, 1).format()
    assert (fragment in text) if fragment else "pos:" not in text


def test_readers_find_a_task_under_its_gold_only_name():
    from ablate.metric_names import logged_task, metric_task

    assert metric_task("bucc2018", goldonly=True) == "bucc2018_goldonly"
    assert metric_task("tatoeba", goldonly=True) == "tatoeba"  # only BUCC has a gold-only copy
    assert logged_task("bucc2018", {"dev.bucc2018_goldonly.de.f1": 1.0}) == "bucc2018_goldonly"
    assert logged_task("bucc2018", {"bucc2018.de.f1": 1.0}) == "bucc2018"
    assert logged_task("xnli", {"xnli.de.accuracy": 1.0}) == "xnli"
