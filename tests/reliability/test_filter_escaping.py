"""User-chosen values in MLflow search filters: a quote in a model id or arm name neither breaks a
query nor changes what it selects (MLflow's own filter parser is the reference)."""

from __future__ import annotations

import random

import pytest

from ablate.mlflow_filter import literal, tag_filter
from ablate.records import Arm, Store
from ablate.tracking import Tracker

NASTY = ["bob's model", 'say "hi"', "both ' and \"", "ends with \\", "tiny' and tags.seed = '2",
         'x" and tags.seed = "2', "plain", "", "back\\slash", "it''s"]


def test_every_literal_reads_back_exactly_through_mlflows_parser_even_before_another_clause():
    from mlflow.utils.search_utils import SearchUtils

    rng = random.Random(0)
    values = NASTY + ["".join(rng.choice("a '\"\\=") for _ in range(rng.randint(0, 8))) for _ in range(2000)]
    expressible = 0
    for value in values:
        text = literal(value)
        if text is None:
            assert ("'" in value and '"' in value) or value.endswith("\\"), value  # only these are left out
            continue
        expressible += 1
        parsed = SearchUtils.parse_search_filter(f"tags.a = {text} and tags.b = 'x'")
        assert [(c["key"], c["value"]) for c in parsed] == [("a", value), ("b", "x")], value
    assert expressible > 1000  # the generator does produce mostly expressible values


@pytest.fixture(scope="module")
def tracked(tmp_path_factory):
    """One store (creating an sqlite store takes seconds): two seeds of stilts:mnli per NASTY model."""
    tmp_path = tmp_path_factory.mktemp("filters")
    tracker = Tracker(f"sqlite:///{tmp_path / 'mlflow.db'}", "ablate")
    ids = {}
    for model in [m for m in NASTY if m]:
        for seed in (1, 2):
            ids[model, seed] = tracker.start("r", {"kind": "run", "recipe": "stilts", "intermediate_task": "mnli",
                                                   "model": model, "seed": seed, "targets": "xnli"})
            tracker.end(ids[model, seed])
    return tracker, ids, Store(f"sqlite:///{tmp_path / 'mlflow.db'}", "ablate")


@pytest.mark.parametrize("model", NASTY)
def test_runs_of_a_model_whose_name_holds_quotes_are_exactly_that_models_runs(tracked, model):
    _, ids, store = tracked
    found = store.runs(Arm("stilts", "mnli"), model=model or None)
    wanted = {ids[m, s] for m, s in ids if m == model} if model else set(ids.values())
    assert {r.run_id for r in found} == wanted
    assert {a.label for a in store.arms(model or None)} == {"stilts:mnli"}


def test_an_arm_name_cannot_inject_a_clause(tracked):
    _, ids, store = tracked
    assert store.runs(Arm("stilts", "mnli' and tags.seed = '2")) == []
    assert len(store.runs(Arm("stilts", "mnli"))) == len(ids)


def test_an_identical_finished_run_is_found_even_when_its_signature_holds_quotes(tracked):
    tracker, ids, _ = tracked
    for model in ("bob's model", "both ' and \""):
        sig = f"recipe:stilts|model:{model}|seeds:1"
        tracker.tags(ids[model, 1], {"signature": sig})
        assert tracker.finished_run(sig, 1) == ids[model, 1]
        assert tracker.finished_run(sig, 2) is None


def test_tag_filter_keeps_fixed_clauses_first_and_sets_aside_what_no_literal_holds():
    query, rest = tag_filter({"model": "a'b\"c", "seed": "1"}, "tags.kind = 'run'")
    assert query == "tags.kind = 'run' and tags.seed = '1'" and rest == {"model": "a'b\"c"}
