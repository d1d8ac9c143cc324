"""The XTREME-R score: language sets and groups as evaluate.py has them, and a hand computation."""

from __future__ import annotations

import pytest

from ablate import xtreme, xtreme_r
from ablate.errors import AblateError
from ablate.metric_names import metric_key, metric_task
from ablate.metrics import xtreme_r_score as xr
from ablate.tasks import TASKS

# google-research/xtreme evaluate.py, XTREME_R_TASK2LANGS (lareqa: [] there; see the module docstring)
EVALUATE_PY = {
    "xnli": "ar,bg,de,el,en,es,fr,hi,ru,sw,th,tr,ur,vi,zh",
    "panx": "ar,he,vi,id,jv,ms,tl,eu,ml,ta,te,af,nl,en,de,el,bn,hi,mr,ur,fa,fr,it,pt,es,bg,ru,ja,ka,ko,th,"
            "sw,yo,my,zh,kk,tr,et,fi,hu,qu,pl,uk,az,lt,pa,gu,ro",
    "udpos": "af,ar,bg,de,el,en,es,et,eu,fa,fi,fr,he,hi,hu,id,it,ja,kk,ko,mr,nl,pt,ru,ta,te,th,tl,tr,ur,vi,"
             "yo,zh,lt,pl,uk,wo,ro",
    "tatoeba": "ar,he,vi,id,jv,tl,eu,ml,ta,te,af,nl,de,el,bn,hi,mr,ur,fa,fr,it,pt,es,bg,ru,ja,ka,ko,th,sw,zh,"
               "kk,tr,et,fi,hu,az,lt,pl,uk,ro",
    "xcopa": "et,ht,id,it,qu,sw,ta,th,tr,vi,zh",
    "mewslix": "ar,de,en,es,fa,ja,pl,ro,ta,tr,uk",
    "xquad": "en,es,de,el,ru,tr,ar,vi,th,zh,hi,ro",
    "mlqa": "en,es,de,ar,hi,vi,zh",
    "tydiqa": "en,ar,bn,fi,id,ko,ru,sw,te",
}
GROUPS_PY = {"classification": ["xnli", "xcopa"], "tagging": ["udpos", "panx"], "qa": ["xquad", "mlqa", "tydiqa"],
             "retrieval": ["tatoeba", "mewslix"], "multi_choice": ["xcopa"]}

# Fixed per-task base values; every language gets the base, the first gets base + n_languages, so
# each task score is base + 1 by hand.
BASE = {"xnli": 70, "xcopa": 60, "udpos": 80, "panx": 50, "xquad": 40, "mlqa": 30, "tydiqa": 20,
        "tatoeba": 10, "mewslix": 90, "lareqa": 0}


def _logged(skip: tuple[str, str] | None = None, untuned: bool = True) -> dict[str, float]:
    out = {}
    for task, langs in xr.TASK_LANGUAGES.items():
        target = xtreme_r.TARGETS[task]
        for i, lang in enumerate(langs):
            if (task, lang) != skip:
                value = BASE[task] + (len(langs) if i == 0 else 0)
                out[metric_key(metric_task(target, untuned=untuned), lang, TASKS[target].metric)] = float(value)
    return out


def test_language_sets_and_groups_are_evaluate_py_s():
    for task, langs in EVALUATE_PY.items():
        assert sorted(xr.TASK_LANGUAGES[task]) == sorted(langs.split(",")), task
        assert sorted(TASKS[xtreme_r.TARGETS[task]].languages) == sorted(langs.split(",")), task
    assert {c: list(m) for c, m in xr.CATEGORIES.items()} == GROUPS_PY
    assert set(xr.TASK_LANGUAGES) == set(EVALUATE_PY) | {"lareqa"}


def test_score_equals_a_hand_computation():
    out = xtreme.summarize(_logged())
    # task scores: base + 1
    assert out["xtreme_r.xnli"] == 71 and out["xtreme_r.xcopa"] == 61 and out["xtreme_r.udpos"] == 81
    assert out["xtreme_r.panx"] == 51 and out["xtreme_r.xquad"] == 41 and out["xtreme_r.mlqa"] == 31
    assert out["xtreme_r.tydiqa"] == 21 and out["xtreme_r.tatoeba"] == 11
    assert out["xtreme_r.mewslix_untuned"] == 91 and out["xtreme_r.lareqa_untuned"] == 1
    # categories as the code groups them: retrieval = (11 + 91) / 2, LAReQA outside; XCOPA twice
    assert out["xtreme_r.category.classification"] == 66.0  # (71 + 61) / 2
    assert out["xtreme_r.category.tagging"] == 66.0  # (81 + 51) / 2
    assert out["xtreme_r.category.qa"] == 31.0  # (41 + 31 + 21) / 3
    assert out["xtreme_r.category.retrieval_untuned"] == 51.0  # not (11 + 91 + 1) / 3, the paper's grouping
    assert out["xtreme_r.category.multi_choice"] == 61.0
    # all_task: (71+61+81+51+41+31+21+11+91+1) / 10
    assert out["xtreme_r.score_untuned_retrieval"] == 46.0
    assert "xtreme_r.score" not in out  # never without the `_untuned` mark while Mewsli-X/LAReQA are untuned


def test_fine_tuned_retrieval_gives_the_score_comparable_to_xtreme_r():
    """Mewsli-X and LAReQA fine-tuned (`mewslix.*`, `lareqa.*`, the default): the same numbers under
    the unmarked names, and no `_untuned` anywhere."""
    out = xtreme.summarize(_logged(untuned=False))
    assert out["xtreme_r.mewslix"] == 91 and out["xtreme_r.lareqa"] == 1
    assert out["xtreme_r.category.retrieval"] == 51.0
    assert out["xtreme_r.score"] == 46.0
    assert not [k for k in out if "untuned" in k]


def test_one_untuned_retrieval_task_marks_the_overall_score():
    logged = _logged(untuned=False)
    logged = {k.replace("lareqa.", "lareqa_untuned."): v for k, v in logged.items()}
    out = xtreme.summarize(logged)
    assert out["xtreme_r.lareqa_untuned"] == 1 and out["xtreme_r.mewslix"] == 91
    assert out["xtreme_r.category.retrieval"] == 51.0  # LAReQA is in no category
    assert out["xtreme_r.score_untuned_retrieval"] == 46.0 and "xtreme_r.score" not in out


def test_an_incomplete_task_gives_no_overall_score():
    out = xtreme.summarize(_logged(skip=("udpos", "wo")))
    assert "xtreme_r.udpos" not in out and "xtreme_r.category.tagging" not in out
    assert "xtreme_r.score_untuned_retrieval" not in out
    assert out["xtreme_r.category.qa"] == 31.0  # complete categories still appear


def test_the_xtreme_score_ignores_xtreme_r_language_sets():
    """XTREME's scores read `udpos.*`, not `udpos_xr.*`: no XTREME score from XTREME-R runs."""
    out = xtreme.summarize(_logged())
    assert "xtreme.udpos" not in out and "xtreme.score_without_bucc" not in out


def test_bad_tables_are_refused():
    langs = {lang: 1.0 for lang in xr.TASK_LANGUAGES["xcopa"]}
    with pytest.raises(AblateError, match="missing: ht"):
        xr.task_score("xcopa", {k: v for k, v in langs.items() if k != "ht"})
    with pytest.raises(AblateError, match="not scored by XTREME-R: en"):
        xr.task_score("xcopa", {**langs, "en": 1.0})
    with pytest.raises(AblateError, match="Did you mean 'xcopa'"):
        xr.task_score("xcopaa", langs)
    with pytest.raises(AblateError, match="needs all 10 tasks"):
        xr.xtreme_r_score({"xcopa": langs})
