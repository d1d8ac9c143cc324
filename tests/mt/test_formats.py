"""Task records in exact Hub schemas through a fake translator: pairs, choices, span QA."""

from __future__ import annotations

import pytest

from ablate.errors import AblateError
from ablate.mt.dataset import translate_dataset
from ablate.mt.formats import translate_records
from ablate.mt.spans import choose_markers, locate, mark, recover
from ablate.mt.translate import MTEngine, Settings

from .fakes import FakeBackend

MNLI = [  # nyu-mll/glue mnli: premise, hypothesis, label, idx — premises repeat (×3)
    {"premise": "The cat sat on the mat.", "hypothesis": "A cat sat.", "label": 0, "idx": 0},
    {"premise": "The cat sat on the mat.", "hypothesis": "No cat sat.", "label": 2, "idx": 1},
    {"premise": "The cat sat on the mat.", "hypothesis": "It was red.", "label": 1, "idx": 2},
]
CONTEXT = ("Paris is the capital of France. It has many museums. The Louvre opened in 1793 "
           "and New York has the Met.")
SQUAD = [  # rajpurkar/squad plain_text
    {"id": "q1", "title": "Paris", "context": CONTEXT, "question": "What is the capital?",
     "answers": {"text": ["Paris"], "answer_start": [0]}},
    {"id": "q2", "title": "Paris", "context": CONTEXT, "question": "When did it open?",
     "answers": {"text": ["1793", "1793"], "answer_start": [74, 74]}},
    {"id": "q3", "title": "Paris", "context": CONTEXT, "question": "Which city has the Met?",
     "answers": {"text": ["New York"], "answer_start": [83]}},
]


def engine(mode="upper", **settings):
    return MTEngine(FakeBackend(mode), Settings(**settings))


def _aligned(rec):
    a = rec["answers"]
    return all(rec["context"][s:s + len(t)] == t for t, s in zip(a["text"], a["answer_start"]))


def test_fixture_offsets_are_right():
    assert all(_aligned(r) for r in SQUAD)


def test_classification_pairs_translate_both_sentences_and_dedup():
    e = engine()
    res = translate_records(MNLI, "classification", "de", e)
    assert [r["premise"] for r in res.records] == ["THE CAT SAT ON THE MAT."] * 3
    assert [r["hypothesis"] for r in res.records] == ["A CAT SAT.", "NO CAT SAT.", "IT WAS RED."]
    assert [(r["label"], r["idx"]) for r in res.records] == [(0, 0), (2, 1), (1, 2)]
    assert res.kept == 3 and res.dropped == 0
    assert len(e.backend.translated) == 4  # the premise once
    assert res.stats["dedup_saved"] == pytest.approx(2 / 6, abs=1e-4)
    assert MNLI[0]["premise"] == "The cat sat on the mat."  # input untouched


def test_multiple_choice_schemas():
    hellaswag = {"ind": 4, "activity_label": "Cooking", "ctx_a": "A man cuts onions.",
                 "ctx_b": "he", "ctx": "A man cuts onions. he", "endings": ["cries.", "sings.",
                 "cries.", "runs."], "source_id": "x", "split": "train", "split_type": "indomain",
                 "label": "0"}
    csqa = {"id": "c1", "question": "Where is a fish?", "question_concept": "fish",
            "choices": {"label": ["A", "B"], "text": ["sea", "desk"]}, "answerKey": "A"}
    cosmos = {"id": "m1", "context": "I woke up late.", "question": "Why?", "answer0": "tired",
              "answer1": "ill", "answer2": "bored", "answer3": "None of the above", "label": 0}
    h = translate_records([hellaswag], "multiple_choice", "de", engine()).records[0]
    assert h["endings"] == ["CRIES.", "SINGS.", "CRIES.", "RUNS."] and h["ctx_b"] == "HE"
    assert h["activity_label"] == "Cooking" and h["label"] == "0"
    c = translate_records([csqa], "multiple_choice", "de", engine()).records[0]
    assert c["choices"] == {"label": ["A", "B"], "text": ["SEA", "DESK"]}
    assert c["question_concept"] == "fish" and c["answerKey"] == "A"
    m = translate_records([cosmos], "multiple_choice", "de", engine()).records[0]
    assert m["answer3"] == "NONE OF THE ABOVE" and m["label"] == 0


def test_explicit_fields_and_unknown_schema():
    rec = {"text_a": "hello", "text_b": "world", "y": 1}
    with pytest.raises(AblateError, match="pass fields="):
        translate_records([rec], "classification", "de", engine())
    out = translate_records([rec], "classification", "de", engine(), fields=("text_a",))
    assert out.records == [{"text_a": "HELLO", "text_b": "world", "y": 1}]


def test_tagging_is_refused_with_the_reason():
    rec = {"tokens": ["A", "cat"], "pos_tags": [5, 7]}
    with pytest.raises(AblateError, match="word alignment"):
        translate_records([rec], "tagging", "de", engine())
    with pytest.raises(AblateError, match="Unknown task format 'spanqa'. Did you mean 'span_qa'"):
        translate_records([rec], "spanqa", "de", engine())
    with pytest.raises(AblateError, match="empty"):
        translate_records([], "classification", "de", engine())


def test_span_markers_unit():
    assert choose_markers("a [b] c") == ("«", "»")
    marked = mark("He lives in Paris now.", 12, 17, ("[", "]"))
    assert marked == "He lives in [Paris] now."
    assert recover("Er wohnt jetzt in [ Paris ].", ("[", "]")) == ("Er wohnt jetzt in Paris.", 18,
                                                                    "Paris")
    assert recover("no markers", ("[", "]")) is None
    assert recover("] reversed [", ("[", "]")) is None
    assert recover("[] empty", ("[", "]")) is None
    assert locate("paris", "In Paris.") == 3 and locate("x", "abc") is None


def test_span_roundtrip_through_a_reordering_translator():
    """Reversed word order: single-word answers keep their markers; 'New York' loses them
    (`York] [New`) and is found by searching the separately translated answer."""
    res = translate_records(SQUAD, "span_qa", "de", engine("reverse"))
    assert res.kept == 3 and res.dropped == 0
    assert res.recovered_by == {"markers": 2, "answer_search": 1}
    by_id = {r["id"]: r for r in res.records}
    for rec in res.records:
        assert _aligned(rec)
        assert rec["title"] == "Paris"  # untouched
    assert by_id["q1"]["answers"]["text"] == ["PARIS"]
    assert by_id["q2"]["answers"]["text"] == ["1793", "1793"]
    assert by_id["q3"]["answers"]["text"] == ["YORK NEW"]
    assert by_id["q1"]["question"] == "CAPITAL? THE IS WHAT"
    assert "[" not in by_id["q3"]["context"] and "]" not in by_id["q3"]["context"]


def test_span_examples_dropped_when_answer_cannot_be_recovered():
    res = translate_records(SQUAD, "span_qa", "sw", engine("lossy"))
    assert res.kept == 0 and res.dropped == 3
    assert res.drop_reasons == {"answer_not_found": 3}


def test_unanswerable_and_bad_source_offsets():
    v2 = dict(SQUAD[0], id="u", answers={"text": [], "answer_start": []})
    wrong_offset = dict(SQUAD[0], id="w", answers={"text": ["Paris"], "answer_start": [5]})
    missing = dict(SQUAD[0], id="m", answers={"text": ["Berlin"], "answer_start": [0]})
    res = translate_records([v2, wrong_offset, missing], "span_qa", "de", engine())
    assert [r["id"] for r in res.records] == ["u", "w"]
    assert res.records[0]["answers"] == {"text": [], "answer_start": []}
    assert _aligned(res.records[1]) and res.drop_reasons == {"source_span_mismatch": 1}


def test_answer_spanning_two_sentences_is_marked_in_one_segment():
    ctx = "It rained. Then it stopped. Fine."
    rec = {"id": "s", "title": "t", "context": ctx, "question": "What?",
           "answers": {"text": ["rained. Then it"], "answer_start": [3]}}
    res = translate_records([rec], "span_qa", "de", engine())
    assert res.records[0]["answers"]["text"] == ["RAINED. THEN IT"] and _aligned(res.records[0])


def test_translate_dataset_per_language_and_all_dropped_error(tmp_path):
    def factory(model):
        mode = "reverse" if "nllb" in model.model_id else "lossy"
        return MTEngine(FakeBackend(mode, model.model_id), Settings(), cache_dir=tmp_path / "c")

    with pytest.warns(UserWarning, match="quality gate skipped for 'de'"):
        out = translate_dataset(SQUAD, "span_qa", ["de", "fr"], "facebook/nllb-200-distilled-600M",
                                tmp_path, engine_factory=factory)
    assert set(out) == {"de", "fr"} and out["de"].kept == 3
    assert out["de"].summary()["recovered_by_markers"] == 2
    with pytest.raises(AblateError, match="Every one of the 3 span_qa examples was dropped"), \
            pytest.warns(UserWarning):
        translate_dataset(SQUAD, "span_qa", ["de"], "facebook/nllb-200-distilled-600M", tmp_path,
                          overrides={"de": "Helsinki-NLP/opus-mt-en-de"}, engine_factory=factory)
    with pytest.raises(AblateError, match="cannot translate into 'sw'"):
        translate_dataset(SQUAD, "span_qa", ["sw"], "Helsinki-NLP/opus-mt-en-de", tmp_path,
                          engine_factory=factory)
