"""Span QA: windows, training labels, n-best post-processing, metrics, and an offline smoke run.

Gold logits (a peak at the gold start and end token of the right window) must give back the gold
text; labelled training spans must decode to the gold answer; metrics re-derived from summed
per-example statistics must equal the official scripts on the same predictions.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from ablate import languages as L
from ablate.config import resolve
from ablate.data.load import load_task_split
from ablate.metrics import mlqa as mlqa_metric
from ablate.metrics import squad as squad_metric
from ablate.tasks import get_task
from ablate.tasks import span_qa as Q

PEAK = 10.0


@pytest.fixture(scope="module")
def tokenizer():
    from transformers import AutoTokenizer

    from ablate.models import build_tiny

    return AutoTokenizer.from_pretrained(build_tiny("tiny-xlmr"))


@pytest.fixture(scope="module")
def cfg():
    return resolve("smoke")


_ROWS: dict = {}


def _rows(cfg, task, split, lang="en"):
    """Canonical rows, loaded once per module (loading checks the data card each time)."""
    key = (task, split, lang)
    if key not in _ROWS:
        _ROWS[key] = load_task_split(get_task(task), split, cfg, lang)
    return _ROWS[key]


def _gold_outputs(w: Q.Windows, answers: list[dict]) -> list[dict]:
    """Per window: peaks at the gold start/end tokens when the window holds the whole answer,
    else at CLS (a trained model's behaviour on windows without the answer)."""
    outputs = []
    for f, example in enumerate(w.example):
        n = len(w.offsets[f])
        start, end = np.zeros(n), np.zeros(n)
        s, e = Q.answer_tokens(answers[example], w.offsets[f], w.cls[f])
        start[s] += PEAK
        end[e] += PEAK
        outputs.append({"start_logits": start, "end_logits": end})
    return outputs


def _long_context(n_sentences: int = 12) -> tuple[str, str, int]:
    """A context of several windows at max_length 64 whose answer sits well past the first window."""
    sentences = [f"zeva zonufa ru cuju giji nacisu nale pipizu cocepe{i}." for i in range(n_sentences)]
    answer = "mili sa colo cigi zuluvo"
    head = " ".join(sentences[: n_sentences // 2])
    context = f"{head} {answer} jali fo. {' '.join(sentences[n_sentences // 2:])}"
    return context, answer, len(head) + 1


# --- windows ---------------------------------------------------------------------------------

def test_stride_rule_is_the_paper_value_at_384_and_clamped_below():
    assert Q.query_limit(384, 4) == Q.MAX_QUERY_LENGTH == 64
    capacity = 384 - Q.MAX_QUERY_LENGTH - 4  # the least room the paper setting leaves
    assert Q.doc_step(capacity) == Q.DOC_STRIDE == 128
    assert Q.query_limit(64, 4) == 30 and Q.doc_step(64 - 30 - 4) == 15
    assert Q.doc_step(1) == 1


def test_windows_start_every_step_tokens_and_cover_the_context(tokenizer):
    context, _, _ = _long_context()
    question = "hobi cigi sa colo?"
    full = tokenizer(context, add_special_tokens=False, return_offsets_mapping=True)["offset_mapping"]
    q_len = len(tokenizer(question, add_special_tokens=False)["input_ids"])
    capacity = 64 - q_len - tokenizer.num_special_tokens_to_add(pair=True)
    step = Q.doc_step(capacity)
    w = Q.windows([question], [context], tokenizer, 64)
    assert len(w.example) >= 3 and set(w.example) == {0}
    covered = set()
    for k, offsets in enumerate(w.offsets):
        ctx = [tuple(o) for o in offsets if o is not None]
        assert len(ctx) <= capacity and all(len(ids) <= 64 for ids in w.encoding["input_ids"])
        assert ctx == [tuple(o) for o in full[k * step: k * step + len(ctx)]]
        covered.update(ctx)
    assert covered == {tuple(o) for o in full}
    # every context token is the max-context token of exactly one window
    assert sum(sum(m) for m in w.max_context) == len(full)


def test_question_is_truncated_not_the_input_overflowed(tokenizer):
    question = " ".join(["hobi cigi sa colo"] * 40)
    w = Q.windows([question], ["mili sa colo cigi zuluvo jali fo."], tokenizer, 64)
    assert all(len(ids) <= 64 for ids in w.encoding["input_ids"])
    assert any(o is not None for o in w.offsets[0])


# --- training labels -------------------------------------------------------------------------

@pytest.mark.parametrize("task,split,lang", [
    ("squad", "train", "en"), ("squad_v2", "train", "en"), ("tydiqa", "train", "en"),
    ("squad", "dev", "en"), ("xquad", "test", "zh"), ("mlqa", "test", "hi"), ("tydiqa", "test", "ko"),
])
@pytest.mark.parametrize("max_length", [32, 64, 384])
def test_training_labels_decode_to_the_gold_answer(tokenizer, cfg, task, split, lang, max_length):
    ds = _rows(cfg, task, split, lang)
    features = Q.train_features(ds, tokenizer, max_length)
    w = Q.windows(list(ds["question"]), list(ds["context"]), tokenizer, max_length)
    assert features["input_ids"] == w.encoding["input_ids"]
    labelled = set()
    for f, example in enumerate(w.example):
        s, e = features[f]["start_positions"], features[f]["end_positions"]
        answers, context = ds[example]["answers"], ds[example]["context"]
        if (s, e) == (w.cls[f], w.cls[f]):
            continue
        assert w.offsets[f][s] is not None and w.offsets[f][e] is not None and s <= e
        assert context[w.offsets[f][s][0]:w.offsets[f][e][1]] == answers["text"][0]
        labelled.add(example)
    for i, answers in enumerate(ds["answers"]):
        if not answers["text"]:
            assert i not in labelled  # unanswerable (SQuAD v2.0): every window at CLS
            continue
        start = answers["answer_start"][0]
        fits = any(_holds(w.offsets[f], start, start + len(answers["text"][0]))
                   for f, ex in enumerate(w.example) if ex == i)
        assert (i in labelled) == fits
    if max_length >= 64 and task != "tydiqa":
        assert len(labelled) == sum(1 for a in ds["answers"] if a["text"])


def _holds(offsets, start_char, end_char) -> bool:
    ctx = [o for o in offsets if o is not None]
    return bool(ctx) and ctx[0][0] <= start_char and ctx[-1][1] >= end_char


def test_unanswerable_examples_are_labelled_at_cls(tokenizer, cfg):
    ds = _rows(cfg, "squad_v2", "train")
    features = Q.train_features(ds, tokenizer, 64)
    w = Q.windows(list(ds["question"]), list(ds["context"]), tokenizer, 64)
    empty = [i for i, a in enumerate(ds["answers"]) if not a["text"]]
    assert empty
    for f, example in enumerate(w.example):
        if example in empty:
            assert features[f]["start_positions"] == features[f]["end_positions"] == w.cls[f] == 0


# --- post-processing ------------------------------------------------------------------------

@pytest.mark.parametrize("task,split,lang", [
    ("squad", "dev", "en"), ("xquad", "test", "zh"), ("xquad", "test", "th"), ("mlqa", "test", "ar"),
    ("tydiqa", "test", "ko"), ("tydiqa", "test", "te"),
])
@pytest.mark.parametrize("max_length", [40, 64, 384])
def test_gold_logits_give_back_the_gold_answer(tokenizer, cfg, task, split, lang, max_length):
    spec = get_task(task)
    ds = _rows(cfg, task, split, lang)
    features, meta = Q.eval_features(ds, tokenizer, max_length)
    assert len(features) == len(meta.example) and "start_positions" not in features.column_names
    answers = list(ds["answers"])
    predictions = Q.predict(ds, _gold_outputs(meta, answers), meta, spec)
    recoverable = 0
    for i, (prediction, a) in enumerate(zip(predictions, answers)):
        # the gold start token must be a max-context token of a window that holds the whole answer
        ok = any(ex == i and Q.answer_tokens(a, meta.offsets[f], meta.cls[f])[0] != meta.cls[f]
                 and meta.max_context[f][Q.answer_tokens(a, meta.offsets[f], meta.cls[f])[0]]
                 for f, ex in enumerate(meta.example))
        if ok:
            recoverable += 1
            assert prediction == a["text"][0]
    assert recoverable >= 0.75 * len(ds)
    if max_length == 384:
        assert recoverable == len(ds)


def test_answer_in_the_second_window_of_a_long_context(tokenizer):
    context, answer, start = _long_context()
    assert context[start:start + len(answer)] == answer
    gold = {"text": [answer], "answer_start": [start]}
    w = Q.windows(["hobi cigi sa colo?"], [context], tokenizer, 64)
    holding = [f for f in range(len(w.example)) if Q.answer_tokens(gold, w.offsets[f], w.cls[f])[0] != w.cls[f]]
    assert holding and holding[0] >= 1  # not in the first window
    outputs = _gold_outputs(w, [gold])
    # a decoy in the first window whose start is not a max-context token must lose
    decoy = max(p for p, m in enumerate(w.max_context[0]) if not m and w.offsets[0][p] is not None)
    outputs[0]["start_logits"][decoy] = outputs[0]["end_logits"][decoy] = 2 * PEAK
    assert Q.best_answer(context, outputs, w.offsets, w.max_context, w.cls, False) == answer


def test_spans_respect_order_length_and_context():
    context = " ".join(f"w{i}" for i in range(50))
    offsets = [None, None, None] + [(m.start(), m.end()) for m in __import__("re").finditer(r"\S+", context)] + [None]
    n = len(offsets)
    mc = [o is not None for o in offsets]

    def best(peaks_start, peaks_end):
        s, e = np.zeros(n), np.zeros(n)
        for p, v in peaks_start.items():
            s[p] = v
        for p, v in peaks_end.items():
            e[p] = v
        return Q.best_answer(context, [{"start_logits": s, "end_logits": e}], [offsets], [mc], [0], False)

    assert best({10: 5}, {12: 5}) == "w7 w8 w9"
    assert best({12: 9, 10: 5}, {10: 9, 11: 5}) == "w7"  # end before start (12, 10) is never chosen
    assert best({3: 9, 40: 5}, {3 + Q.MAX_ANSWER_LENGTH: 9, 41: 5}) == "w37 w38"  # 31 tokens: too long
    assert best({1: 50, 5: 1}, {1: 50, 5: 1}) == "w2"  # question tokens are not answers
    assert best({}, {}) != ""  # SQuAD v1.1 always answers


def test_squad_v2_predicts_empty_when_the_null_score_wins(tokenizer, cfg):
    spec = get_task("squad_v2")
    ds = _rows(cfg, "squad_v2", "dev")
    features, meta = Q.eval_features(ds, tokenizer, 64)
    answers = list(ds["answers"])
    predictions = Q.predict(ds, _gold_outputs(meta, answers), meta, spec)
    assert any(not a["text"] for a in answers) and any(a["text"] for a in answers)
    for prediction, a in zip(predictions, answers):
        assert prediction == (a["text"][0] if a["text"] else "")
    stats = Q.example_stats(ds, predictions, spec, "en")
    assert Q.aggregate(stats.sum(0), spec, "en") == {"em_f1": 100.0, "em": 100.0, "f1": 100.0}
    # the same logits under SQuAD v1.1 rules never abstain
    v1 = Q.predict(ds, _gold_outputs(meta, answers), meta, get_task("squad"))
    assert all(v1)


def test_null_threshold_compares_null_with_the_best_span():
    offsets = [None, (0, 1), (2, 3), None]
    mc = [False, True, True, False]
    out = {"start_logits": np.array([3.0, 2.0, 0.0, 0.0]), "end_logits": np.array([1.0, 0.0, 1.5, 0.0])}
    # null 4.0 vs best span 3.5 (tokens 1..2): null wins under v2.0
    assert Q.best_answer("a b", [out], [offsets], [mc], [0], True) == ""
    assert Q.best_answer("a b", [out], [offsets], [mc], [0], False) == "a b"
    out["start_logits"][1] = 3.0  # span 4.5 > null 4.0
    assert Q.best_answer("a b", [out], [offsets], [mc], [0], True) == "a b"


# --- metrics ---------------------------------------------------------------------------------

def _noisy_predictions(ds, rng):
    out = []
    for a, context in zip(ds["answers"], ds["context"]):
        gold = a["text"][0] if a["text"] else ""
        choice = rng.integers(4)
        out.append([gold, gold.upper() + "!", context[: len(gold) + 3], ""][choice])
    return out


@pytest.mark.parametrize("task,split,lang", [
    ("squad", "dev", "en"), ("squad_v2", "dev", "en"), ("xquad", "test", "de"), ("tydiqa", "test", "fi"),
    *[("mlqa", "test", lang) for lang in L.MLQA],
])
def test_metrics_re_derive_from_summed_statistics(cfg, task, split, lang):
    spec = get_task(task)
    ds = _rows(cfg, task, split, lang)
    predictions = _noisy_predictions(ds, np.random.default_rng(0))
    golds = [list(a["text"]) for a in ds["answers"]]
    if task == "mlqa":
        pairs = [mlqa_metric.score_one(p, g, lang) for p, g in zip(predictions, golds)]
    else:
        version = "2.0" if task == "squad_v2" else "1.1"
        pairs = [squad_metric.score_one(p, g, version) for p, g in zip(predictions, golds)]
    em, f1 = (100 * np.mean([x[k] for x in pairs]) for k in (0, 1))
    stats = Q.example_stats(ds, predictions, spec, lang)
    assert stats.shape == (len(ds), len(Q.stat_names(spec)))
    values = Q.aggregate(stats.sum(0), spec, lang)
    assert tuple(values) == Q.METRICS
    assert values["em"] == pytest.approx(em) and values["f1"] == pytest.approx(f1)
    assert values["em_f1"] == pytest.approx((em + f1) / 2)
    assert 0 < values["em"] < 100  # the noise gives a non-trivial case
    # batched aggregation (bootstrap) agrees with one-at-a-time
    both = Q.aggregate(np.stack([stats.sum(0), stats[:5].sum(0)]), spec, lang)
    assert both["f1"][0] == pytest.approx(values["f1"])


def test_mlqa_uses_the_language_aware_script(cfg):
    ds = _rows(cfg, "mlqa", "test", "es")
    gold = ds[0]["answers"]["text"][0]
    prediction = f"«la {gold}»"
    # MLQA drops Unicode punctuation and Spanish articles; SQuAD v1.1 does neither
    assert Q.example_stats(ds.select([0]), [prediction], get_task("mlqa"), "es")[0, 0] == 1.0
    assert Q.example_stats(ds.select([0]), [prediction], get_task("xquad"), "es")[0, 0] == 0.0


def test_prediction_columns_hold_gold_lists_as_json(cfg):
    ds = _rows(cfg, "squad", "dev")
    cols = Q.prediction_columns(ds, ["x"] * len(ds), get_task("squad"))
    assert [json.loads(g) for g in cols["gold"]] == [list(a["text"]) for a in ds["answers"]]
    assert cols["prediction"] == ["x"] * len(ds)


# --- task definitions ------------------------------------------------------------------------

def test_tasks_read_the_right_rows(cfg):
    assert all(i.split(":", 1)[1].startswith("english-") for i in _rows(cfg, "tydiqa", "train")["id"])
    for lang in L.TYDIQA:
        prefix = {v: k for k, v in L.TYDIQA_PREFIXES.items()}[lang]
        ids = _rows(cfg, "tydiqa", "test", lang)["id"]
        assert ids and all(i.startswith(f"{lang}:{prefix}-") for i in ids)
    # XTREME reports TyDiQA-GoldP and XQuAD on their only labelled split, evaluated as test
    for task in ("tydiqa", "xquad"):
        assert set(get_task(task).evaluation) == {"test"}
        assert get_task(task).evaluation["test"].split == "validation"
    parallel = {lang: _rows(cfg, "xquad", "test", lang)["parallel_id"] for lang in ("en", "th")}
    assert parallel["en"] == parallel["th"]
    assert {get_task(t).format for t in ("squad", "squad_v2", "xquad", "mlqa", "tydiqa")} == {"span_qa"}
    assert Q.script_of(get_task("mlqa")) == "mlqa" and Q.script_of(get_task("squad_v2")) == "squad-2.0"


# --- end to end ------------------------------------------------------------------------------

def test_stilts_squad_to_every_qa_target_offline(tmp_path):
    import mlflow
    from typer.testing import CliRunner

    from ablate.cli import app

    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["run", "stilts", "--task", "squad", "--targets", "xquad,mlqa,tydiqa",
                                      "--preset", "smoke", "--seeds", "1", "-o", str(out), "-q"])
    assert result.exit_code == 0, (result.output, result.exception)
    client = mlflow.MlflowClient(f"sqlite:///{out / 'mlflow.db'}")
    runs = client.search_runs([client.get_experiment_by_name("ablate").experiment_id], "tags.kind = 'run'")
    assert len(runs) == 1 and runs[0].info.status == "FINISHED"
    metrics = runs[0].data.metrics
    for task, langs, name in (("xquad", L.XQUAD, "em_f1"), ("mlqa", L.MLQA, "f1"), ("tydiqa", L.TYDIQA, "em")):
        for lang in langs:
            assert 0 <= metrics[f"{task}.{lang}.{name}"] <= 100
            # only MLQA has a target-language dev split; XQuAD and TyDiQA-GoldP have one split
            assert (f"dev.{task}.{lang}.{name}" in metrics) == (task == "mlqa")
        assert metrics[f"{task}.avg.em_f1"] == pytest.approx(np.mean([metrics[f"{task}.{x}.em_f1"] for x in langs]))
