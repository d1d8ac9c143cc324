"""XTREME score averaging on a crafted table."""

from __future__ import annotations

import numpy as np
import pytest

from ablate.errors import AblateError
from ablate.metrics import xtreme_score as xs

# One constant per task; QA tasks given as EM / F1 pairs.
TASK_VALUES = {
    "pawsx": 90.0, "xnli": 80.0, "udpos": 70.0, "panx": 60.0,
    "xquad": (60.0, 80.0), "mlqa": (50.0, 70.0), "tydiqa": (40.0, 60.0),
    "bucc2018": 30.0, "tatoeba": 20.0,
}


def crafted_table() -> dict:
    table = {}
    for task, value in TASK_VALUES.items():
        langs = xs.TASK_LANGUAGES[task]
        if isinstance(value, tuple):
            table[task] = {lang: {"exact_match": value[0], "f1": value[1]} for lang in langs}
        else:
            table[task] = {lang: value for lang in langs}
    # make one task vary by language: xnli en = 95, the other 14 stay 80 → mean 81
    table["xnli"]["en"] = 95.0
    return table


def test_crafted_table():
    score = xs.xtreme_score(crafted_table())
    assert score.tasks["xnli"] == pytest.approx(81.0)
    assert (score.tasks["xquad"], score.tasks["mlqa"], score.tasks["tydiqa"]) == (70.0, 60.0, 50.0)
    assert score.categories == pytest.approx(
        {"classification": 85.5, "structured_prediction": 65.0, "qa": 60.0, "retrieval": 25.0}
    )
    tasks = [90, 81, 70, 60, 70, 60, 50, 30, 20]
    assert score.overall == pytest.approx(sum(tasks) / 9)
    assert score.average_of_categories == pytest.approx((85.5 + 65 + 60 + 25) / 4)


def test_accepts_aggregate_outputs_and_bootstrap_arrays():
    table = crafted_table()
    replicates = {"f1": np.array([60.0, 62.0]), "precision": 1.0}  # an aggregate() output
    table["panx"] = {lang: replicates for lang in xs.TASK_LANGUAGES["panx"]}
    score = xs.xtreme_score(table)
    assert score.tasks["panx"].tolist() == [60.0, 62.0]
    assert score.overall.shape == (2,)
    assert score.overall[1] - score.overall[0] == pytest.approx(2 / 9)


def test_missing_language_is_named():
    table = crafted_table()
    del table["udpos"]["yo"], table["udpos"]["tl"]
    with pytest.raises(AblateError, match="Task 'udpos' is missing language\\(s\\) tl, yo"):
        xs.xtreme_score(table)


def test_extra_language_is_named():
    table = crafted_table()
    table["tatoeba"]["en"] = 100.0
    with pytest.raises(AblateError, match="'tatoeba' has language\\(s\\) en that XTREME does not"):
        xs.task_scores(table)


def test_missing_and_unknown_tasks():
    table = crafted_table()
    del table["bucc2018"]
    with pytest.raises(AblateError, match="missing: bucc2018"):
        xs.xtreme_score(table)
    assert "retrieval" not in xs.category_scores(xs.task_scores(table))
    table["bucc"] = {}
    with pytest.raises(AblateError, match="Unknown XTREME task 'bucc'. Did you mean 'bucc2018'"):
        xs.xtreme_score(table)


def test_qa_needs_both_numbers():
    with pytest.raises(AblateError, match="needs 'exact_match' and 'f1'"):
        xs.task_score("mlqa", {lang: {"f1": 1.0} for lang in xs.TASK_LANGUAGES["mlqa"]})
