"""Intermediate tasks from published multilingual training sets: they train in the smoke preset,
hand their encoder over, mix English in only when asked, and never read a split a target
evaluates — neither for training nor for checkpoint selection. Checkpoint selection reads
English only: checked on the words of the rows it scores (each fixture language has its own
lexicon), not on ids or source names."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
import torch

from ablate.errors import AblateError
from ablate.tasks import TASKS, get_task
from ablate.tasks.evaluated import check_training_sources, evaluated_splits, identity
from ablate.tasks.multilingual_tasks import english_part
from ablate.tasks.spec import Source

NEW = ("xnli_translate_train", "pawsx_translate_train", "tydiqa_multilingual")
TARGET_OF = {"xnli_translate_train": "xnli", "pawsx_translate_train": "pawsx", "tydiqa_multilingual": "tydiqa"}


def non_english_words(ds) -> list[str]:
    """The words of `ds`'s text (sentences, questions, contexts, tokens, choices, answers) that
    are not words of the English fixture lexicon; ids, labels and tags are not text."""
    from ablate.fixtures.text import lexicon

    english = set(lexicon("en"))

    def words(value) -> list[str]:
        if isinstance(value, str):
            return re.findall(r"\w+", value)
        if isinstance(value, list):
            return [w for v in value for w in words(v)]
        if isinstance(value, dict):  # answers / choices: their text, not answer_start or A-E
            return words(value.get("text", []))
        return []

    # copa_question: "cause" or "effect", a category in every language; candidate_id: a Wikidata QID
    text = [c for c in ds.column_names
            if c not in ("id", "parallel_id", "label", "tags", "tag_ids", "copa_question", "candidate_id")]
    return [w for row in ds for c in text for w in words(row[c]) if w not in english]


def _cfg(tmp_path, task: str, **extra):
    from ablate.config import resolve

    return resolve("smoke", None, {"recipe": "stilts", "task": task, "targets": TARGET_OF[task], "seeds": "3",
                                   "output_dir": str(tmp_path), "eval_splits": "test", "max_eval_examples": 4,
                                   **extra})


@pytest.mark.parametrize("task", NEW)
def test_trains_in_smoke_hands_its_encoder_over_and_never_reads_an_evaluated_split(task, tmp_path, monkeypatch):
    """Phase 2 on the published data, then phase 3's fine-tune from its encoder (no evaluation)."""
    import ablate.data.load as load
    import ablate.phases.train as train
    from ablate import phases_plan
    from ablate.execute import execute
    from ablate.plan import Plan
    from ablate.progress import Progress
    from ablate.tracking import Tracker

    seen: dict = {"starts": [], "reads": [], "dev": None}
    phase = ["-"]
    real_save, real_load, real_raw = train.save_encoder, train.load_with_head, load.load_raw
    real_intermediate, real_split, real_score = train.run_intermediate, train.load_task_split, train.score

    def run_intermediate(ctx):
        phase[0] = "intermediate"
        try:
            return real_intermediate(ctx)
        finally:
            phase[0] = "-"

    def load_task_split(spec, which, cfg, lang="en", counts=None):
        ds = real_split(spec, which, cfg, lang, counts)
        if phase[0] == "intermediate":
            seen[which] = list(ds["id"])
        return ds

    def save_encoder(model, tokenizer, out_dir):
        seen["end_of_phase2"] = {k: v.detach().clone() for k, v in model.state_dict().items()}
        return real_save(model, tokenizer, out_dir)

    def load_with_head(path, head, **kw):
        model = real_load(path, head, **kw)
        seen["starts"].append((path, {k: v.detach().clone() for k, v in model.state_dict().items()}))
        return model

    def score(model, tokenizer, fmt, spec, ds, *rest):  # what checkpoint selection scores, per phase
        seen.setdefault("scored", []).append((phase[0], ds))
        return real_score(model, tokenizer, fmt, spec, ds, *rest)

    monkeypatch.setattr(train, "run_intermediate", run_intermediate)
    monkeypatch.setattr(train, "score", score)
    monkeypatch.setattr(train, "load_task_split", load_task_split)
    monkeypatch.setattr(train, "save_encoder", save_encoder)
    monkeypatch.setattr(train, "load_with_head", load_with_head)
    monkeypatch.setattr(load, "load_raw", lambda src, cfg: seen["reads"].append((phase[0], src)) or real_raw(src, cfg))
    cfg = _cfg(tmp_path, task)
    encoder = phases_plan.intermediate(cfg, task)
    finetune = phases_plan.target(cfg, TARGET_OF[task], encoder=encoder)[0]
    execute(Plan("stilts", "handover", (encoder, finetune)), cfg, Tracker(cfg.store_uri, "multilingual"),
            Progress(enabled=False))

    # Phase 2 read only training data: nothing any target evaluates, in any Hub copy.
    evaluated = evaluated_splits()
    read = [src for when, src in seen["reads"] if when == "intermediate"]
    assert read and not [s.describe() for s in read if identity(s) in evaluated]
    # It trained on the non-English part only (default mix) and selected on English rows it never trained on.
    # Ids: "<source>.<split>:<lang>:<id>" for training rows, "en:<id>" for selection rows.
    assert {i.split(":")[1] for i in seen["train"]} == set(get_task(task).languages) - {"en"}
    assert seen["dev"] and all(i.startswith("en:") for i in seen["dev"])
    if task != "xnli_translate_train":  # (its selection set is MNLI dev, another dataset)
        trained = {i.split(":", 2)[2] for i in seen["train"]}
        assert not {i.split(":", 1)[1] for i in seen["dev"]} & trained  # no translation of a selection pair

    # Selection in both phases scored English rows only (the target's language data is not read).
    assert {when for when, _ in seen["scored"]} == {"intermediate", "-"}
    assert all(len(ds) and not non_english_words(ds) for _, ds in seen["scored"])

    # The encoder is handed over exactly, under a fresh head.
    (_, phase2_start), (phase3_path, phase3_start) = seen["starts"]
    assert phase3_path.endswith("encoder")
    end2 = seen["end_of_phase2"]
    encoder_keys = [k for k in phase3_start if k.startswith("roberta.")]
    assert encoder_keys and all(k in end2 for k in encoder_keys)
    for k in encoder_keys:
        torch.testing.assert_close(phase3_start[k], end2[k], rtol=0, atol=0)
    assert [k for k in encoder_keys if not torch.equal(phase2_start[k], end2[k])]  # phase 2 trained
    head = [k for k in phase3_start if not k.startswith("roberta.") and k.endswith("weight")]
    assert head and all(k not in end2 or not torch.equal(phase3_start[k], end2[k]) for k in head)


def test_tydiqa_selection_is_the_targets_own_english_slice_never_the_evaluated_split(tmp_path):
    """The multilingual TyDiQA task selects on exactly the held-out English train rows the tydiqa
    target selects on, trains on none of them, and no row of either is an evaluated row."""
    from ablate.data.load import load_task_split

    cfg = _cfg(tmp_path, "tydiqa_multilingual")
    spec, target = get_task("tydiqa_multilingual"), get_task("tydiqa")
    dev = set(load_task_split(spec, "dev", cfg)["id"])
    assert dev == set(load_task_split(target, "dev", cfg)["id"])
    for mix in ("translated", "en+translated"):
        train = load_task_split(english_part(spec, mix), "train", cfg)["id"]
        assert not {i.split(":", 1)[1] for i in train} & dev  # train ids: "<source>:<lang>:<id>"
    evaluated = {f"en:{i.split(':', 1)[1]}" for lang in target.languages
                 for i in load_task_split(target, "test", cfg, lang)["id"]}
    assert not dev & evaluated


def test_mix_adds_exactly_the_english_part(tmp_path):
    from ablate.data.load import load_task_split

    cfg = _cfg(tmp_path, "xnli_translate_train")
    spec = get_task("xnli_translate_train")
    translated = load_task_split(english_part(spec, "translated"), "train", cfg)
    both = load_task_split(english_part(spec, "en+translated"), "train", cfg)
    mnli = load_task_split(get_task("mnli"), "train", cfg)
    assert len(both) == len(translated) + len(mnli)
    assert sorted(both["text_a"]) == sorted(list(translated["text_a"]) + list(mnli["text_a"]))
    assert {i.split(":")[1] for i in translated["id"]} == set(get_task("xnli").languages) - {"en"}


def test_mix_is_part_of_the_phase_key_and_mt_translate_refuses_published_translations(tmp_path):
    from ablate import phases_plan

    a = phases_plan.intermediate(_cfg(tmp_path, "pawsx_translate_train"), "pawsx_translate_train")
    b = phases_plan.intermediate(_cfg(tmp_path, "pawsx_translate_train", mt={"mix": "en+translated"}),
                                 "pawsx_translate_train")
    assert a.settings["mix"] == "translated" and b.settings["mix"] == "en+translated"
    assert "mix" not in phases_plan.intermediate(_cfg(tmp_path, "xnli_translate_train"), "mnli").settings
    with pytest.raises(AblateError, match="already multilingual"):
        phases_plan.translate(_cfg(tmp_path, "xnli_translate_train"), "xnli_translate_train", ("xnli",))


@pytest.mark.parametrize("bad, role", [
    (Source("facebook/xnli", "de", "validation", {"text_a": "premise", "text_b": "hypothesis", "label": "label"}), "dev"),
    (Source("google-research-datasets/paws-x", "ja", "test", {"text_a": "sentence1", "text_b": "sentence2", "label": "label"}), "dev"),
    (Source("google/xtreme", "tydiqa", "validation", {"question": "question", "context": "context", "answers": "answers"}), "train"),
])
def test_a_task_reading_an_evaluated_split_from_any_hub_copy_is_refused_at_planning(bad, role, tmp_path, monkeypatch):
    from ablate.recipes import load
    from ablate.tasks.definitions import TASKS as registry

    base = get_task("tydiqa_multilingual" if role == "train" else "xnli_translate_train")
    monkeypatch.setitem(registry, "leaky", replace(base, name="leaky", **{role: (bad,)}))
    with pytest.raises(AblateError, match=r"Task 'leaky' (selects checkpoints|trains) on .* which target \w+ "):
        check_training_sources(registry["leaky"])
    cfg = replace(_cfg(tmp_path, "xnli_translate_train"), task="leaky")
    with pytest.raises(AblateError, match="zero-shot results would have seen their own test data"):
        load("stilts").plan(cfg)


def test_every_registered_intermediate_task_passes_the_guard():
    for spec in TASKS.values():
        if spec.role == "intermediate":
            check_training_sources(spec)


def _selecting_tasks():
    return [name for name, spec in TASKS.items() if spec.dev]


@pytest.mark.parametrize("task", _selecting_tasks())
def test_every_tasks_selection_set_is_english_text(task, tmp_path):
    """What `train._train` selects checkpoints on (the dev split as loaded) for every intermediate
    and target task: English words only, so no recipe selects on target-language labelled data."""
    from ablate.data.load import load_task_split

    dev = load_task_split(get_task(task), "dev", _cfg(tmp_path, "xnli_translate_train"))
    assert len(dev) and non_english_words(dev) == []


@pytest.mark.parametrize("task, which, lang", [("xnli", "test", "de"), ("pawsx", "validation", "ja"),
                                               ("tydiqa", "test", "sw"), ("panx", "test", "fr")])
def test_the_english_check_sees_target_language_rows(task, which, lang, tmp_path):
    """The check above can fail: every row of a target's non-English evaluation data is caught."""
    from ablate.data.load import load_task_split

    ds = load_task_split(get_task(task), which, _cfg(tmp_path, "xnli_translate_train"), lang)
    assert len(ds) and all(non_english_words(ds.select([i])) for i in range(len(ds)))


@pytest.mark.parametrize("args", [["stilts", "--task", "mnli"], ["baseline"]])
def test_mt_mix_on_a_run_that_would_ignore_it_is_one_clear_line(args, cli, tmp_path):
    r = cli("plan", *args, "--mt-mix", "en+translated", "--targets", "xnli", "--preset", "smoke",
            "-o", str(tmp_path / "out"))
    assert r.code == 2 and "Traceback" not in r.out + r.err
    assert "--mt-mix" in r.err and "would ignore it: drop it" in r.err and len(r.err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_mt_mix_is_accepted_where_it_chooses_the_english_part(cli, tmp_path):
    r = cli("plan", "stilts", "--task", "tydiqa_multilingual", "--mt-mix", "en+translated", "--targets", "tydiqa",
            "--preset", "smoke", "-o", str(tmp_path / "out"))
    assert r.code == 0, r.err
