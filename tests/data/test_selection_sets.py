"""Checkpoint selection never sees test data: generic over the task registry, on the fixtures.

The fixtures mirror the real overlaps (SQuAD dev holds XQuAD.en paragraphs; TyDiQA's English
evaluation rows are the rows of the evaluated split), so these checks fail if a rule is dropped.
"""

from __future__ import annotations

import json

import pytest

from ablate.config import resolve
from ablate.data.load import load_task_split
from ablate.tasks import TASKS, get_task

GOLD = ("id", "parallel_id", "label", "labels", "answers", "tags")
TASKS_WITH_DEV = [t.name for t in TASKS.values() if t.dev]
TARGETS = [t.name for t in TASKS.values() if t.role == "target"]


@pytest.fixture(scope="module")
def cfg():
    return resolve("smoke")


def _content(row: dict) -> str:
    """What makes two examples the same item: the paragraph for QA, else every input column."""
    if "context" in row:
        return " ".join(row["context"].split())
    return json.dumps({k: v for k, v in row.items() if k not in GOLD}, sort_keys=True, ensure_ascii=False)


@pytest.fixture(scope="module")
def test_items(cfg):
    """Per target task: English content and (raw) ids of every row of every split it reports as
    test, ids in every language (XQuAD and MLQA share ids with their English originals)."""
    out = {}
    for name in TARGETS:
        spec = get_task(name)
        if "test" not in spec.evaluation:
            continue
        contents, ids = set(), set()
        for lang in spec.languages:
            if ("test", lang) in spec.unavailable:
                continue
            rows = load_task_split(spec, "test", cfg, lang).to_list()
            if lang == "en":
                contents |= {_content(r) for r in rows}
            if spec.evaluation["test"].id_column:
                ids |= {r["id"].split(":", 1)[1] for r in rows}
        out[name] = (contents, ids)
    return out


@pytest.mark.parametrize("task", TASKS_WITH_DEV)
def test_selection_set_never_reads_a_split_evaluated_as_test(task, cfg, test_items):
    spec = get_task(task)
    # Statically: no dev source is a test source of any target, unless a held-out slice of it.
    for target in TARGETS:
        test_src = get_task(target).evaluation.get("test")
        if test_src is None:
            continue
        for src in spec.dev:
            en = test_src.for_lang("en")
            same = (src.hub_id, src.config, src.split) == (en.hub_id, en.config, en.split)
            assert not same, f"{task} selects on {src.describe()}, which {target} evaluates as test"
    # By content: no selection row is (or shares an id with) a test row of any target task.
    dev = load_task_split(spec, "dev", cfg).to_list()
    contents = {_content(r) for r in dev}
    with_ids = all(s.id_column for s in spec.dev)
    ids = {r["id"].split(":", 1)[1] for r in dev} if with_ids else set()
    for target, (test_contents, test_ids) in test_items.items():
        assert not contents & test_contents, f"{task}'s selection set holds {target} test items"
        if get_task(target).evaluation["test"].id_column:
            assert not ids & test_ids, f"{task}'s selection set shares ids with {target} test items"


def test_squad_dev_fixture_holds_xquad_paragraphs_and_selection_drops_them(cfg):
    """The exclusion is exercised: without it the check above fails for squad, xquad and mlqa."""
    from ablate.data.restrict import normalize_context
    from ablate.fixtures.span_qa import XQUAD_IN_SQUAD_DEV

    squad = get_task("squad")
    raw = load_task_split(squad, "dev", cfg).to_list()
    counts: dict[str, int] = {}
    kept = load_task_split(squad, "dev", cfg, counts=counts)
    assert counts == {"excluded": 2 * XQUAD_IN_SQUAD_DEV}
    xquad_en = {normalize_context(r["context"]) for r in load_task_split(get_task("xquad"), "test", cfg, "en")}
    assert len(kept) + 2 * XQUAD_IN_SQUAD_DEV == 32 > len(raw)
    assert not {normalize_context(c) for c in kept["context"]} & xquad_en
    for name in ("xquad", "mlqa"):
        assert load_task_split(get_task(name), "dev", cfg)["id"] == kept["id"]


def test_tydiqa_selects_on_a_held_out_slice_of_english_train(cfg):
    spec = get_task("tydiqa")
    train_counts: dict[str, int] = {}
    train = load_task_split(spec, "train", cfg, counts=train_counts)
    dev = load_task_split(spec, "dev", cfg)
    all_en = [r for r in load_task_split(spec, "test", cfg, "en")["id"]]
    assert set(train["id"]).isdisjoint(dev["id"])
    assert set(dev["id"]).isdisjoint(all_en)  # never the evaluated (validation) split
    assert all(i.startswith("en:english-") for i in [*train["id"], *dev["id"]])
    assert train_counts == {"held_out": len(dev)} and len(dev) == (len(train) + len(dev)) // 5


def test_holdout_is_deterministic_order_free_and_sized():
    from ablate.data.restrict import holdout_rows
    from ablate.tasks.spec import Holdout

    ids = [f"english-{i}" for i in range(3696)]  # TyDiQA-GoldP's English train size
    held = holdout_rows(ids, Holdout("held_out"))
    rest = holdout_rows(ids, Holdout("rest"))
    assert len(held) == 500 and len(rest) == 3196 and set(held).isdisjoint(rest)
    shuffled = ids[::-1]
    assert {shuffled[i] for i in holdout_rows(shuffled, Holdout("held_out"))} == {ids[i] for i in held}
    assert len(holdout_rows(ids[:20], Holdout("held_out"))) == 4  # at most a fifth of a small split
    assert len(holdout_rows(ids[:3], Holdout("held_out"))) == 1  # at least one
    assert holdout_rows([], Holdout("held_out")) == []
    other_salt = holdout_rows(ids, Holdout("held_out", salt="another"))
    assert other_salt != held  # the salt, not the position, picks the slice


def test_context_exclusion_ignores_whitespace_only():
    from ablate.data.restrict import normalize_context, rows_without_contexts

    contexts = ["The  cat\nsat.", "A dog.", "The cat sat!"]
    assert rows_without_contexts(contexts, {normalize_context("The cat sat.")}) == [1, 2]


def test_selection_rules_are_logged_in_words():
    rules = get_task("tydiqa").dev[0].rules()
    assert "sha256('ablate-selection:' + id)" in rules[0] and "held_out" in rules[0]
    assert "XQuAD.en" in get_task("xquad").dev[0].rules()[0]
