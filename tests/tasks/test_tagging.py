"""Tagging: first-sub-token alignment, predictions, seqeval statistics, the CCG reader, and an
end-to-end smoke run (CCG -> UD-POS) with the tiny model."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest
from seqeval.metrics import f1_score

from ablate import languages as L
from ablate.config import resolve
from ablate.data import ccg
from ablate.data.load import FIXTURES, load_task_split, local_dir
from ablate.errors import AblateError
from ablate.tasks import get_task
from ablate.tasks import tagging as fmt


@pytest.fixture(scope="module")
def smoke_cfg():
    return resolve("smoke", None, {})


@pytest.fixture(scope="module")
def tokenizer():
    from ablate.models import build_tiny, load_tokenizer

    return load_tokenizer(str(build_tiny("tiny-xlmr")))


def peaked_outputs(features, meta, golds, n_labels, seed=0):
    """Logits that peak at the gold id on every first sub-token, noise elsewhere."""
    rng = np.random.default_rng(seed)
    outputs = []
    for feature, word_ids, gold in zip(features, meta, golds):
        logits = rng.normal(size=(len(feature["input_ids"]), n_labels))
        for word, position in fmt.first_subtokens(word_ids).items():
            logits[position, gold[word]] = 10.0
        outputs.append({"logits": logits})
    return outputs


def test_align_labels_marks_only_first_subtokens():
    word_ids = [None, 0, 0, 1, 2, 2, 2, None]
    assert fmt.align_labels(word_ids, [5, 6, 7]) == [-100, 5, -100, 6, 7, -100, -100, -100]
    assert fmt.first_subtokens(word_ids) == {0: 1, 1: 3, 2: 4}


@pytest.mark.parametrize("task,lang", [("udpos", "de"), ("panx", "ja"), ("ccg", "en")])
def test_train_features_label_the_first_subtoken_of_each_word(task, lang, tokenizer, smoke_cfg):
    spec = get_task(task)
    ds = load_task_split(spec, "train" if task == "ccg" else "test", smoke_cfg, lang)
    features = fmt.train_features(ds, tokenizer, 256)
    golds = fmt.gold_ids(ds, spec)
    enc = tokenizer([list(t) for t in ds["tokens"]], is_split_into_words=True, truncation=True, max_length=256)
    for i, row in enumerate(features):
        word_ids = enc.word_ids(i)
        labelled = [p for p, label in enumerate(row["labels"]) if label != -100]
        assert labelled == [word_ids.index(w) for w in range(len(golds[i]))]  # one per word, the first
        assert [row["labels"][p] for p in labelled] == golds[i]
        assert len(row["labels"]) == len(row["input_ids"])


@pytest.mark.parametrize("task,lang", [("udpos", "en"), ("udpos", "th"), ("panx", "en"), ("panx", "zh"), ("ccg", "en")])
def test_gold_peaked_logits_give_back_the_gold_tags(task, lang, tokenizer, smoke_cfg):
    spec = get_task(task)
    split = "dev" if task == "ccg" else "test"
    ds = load_task_split(spec, split, smoke_cfg, lang)
    features, meta = fmt.eval_features(ds, tokenizer, 256)
    predictions = fmt.predict(ds, peaked_outputs(features, meta, fmt.gold_ids(ds, spec), len(spec.label_names)),
                              meta, spec)
    assert predictions == fmt.gold_tags(ds, spec)
    stats = fmt.example_stats(ds, predictions, spec, lang)
    assert stats.shape == (len(ds), len(fmt.stat_names(spec)))
    scores = fmt.aggregate(stats.sum(0), spec, lang)
    assert set(scores) >= {"precision", "recall", "f1"} and set(scores.values()) == {100.0}
    columns = fmt.prediction_columns(ds, predictions, spec)
    assert columns["gold"] == columns["prediction"] and len(columns["tokens"]) == len(ds)


@pytest.mark.parametrize("task", ["udpos", "panx"])
def test_statistics_rederive_seqeval_on_the_tag_strings(task, smoke_cfg):
    spec = get_task(task)
    rng = random.Random(3)
    for lang in ("en", "de", "ja"):
        ds = load_task_split(spec, "test", smoke_cfg, lang)
        gold = fmt.gold_tags(ds, spec)
        # Noisy predictions: keep the gold tag or draw any label (chunks broken and made up).
        pred = [[t if rng.random() < 0.6 else rng.choice(spec.label_names) for t in row] for row in gold]
        stats = fmt.example_stats(ds, pred, spec, lang)
        expected = 100 * f1_score(gold, pred)  # the installed seqeval is 1.x
        key = "f1_seqeval1" if task == "udpos" else "f1"  # UD-POS's primary follows seqeval 0.0.12
        assert fmt.aggregate(stats.sum(0), spec, lang)[key] == pytest.approx(expected, abs=1e-9)


def test_udpos_logs_both_seqeval_conventions_and_panx_one():
    udpos, panx = get_task("udpos"), get_task("panx")
    assert fmt.stat_names(udpos)[:6] == ("tp", "n_pred", "n_gold", "tp_seqeval1", "n_pred_seqeval1", "n_gold_seqeval1")
    assert fmt.stat_names(panx)[:3] == ("tp", "n_pred", "n_gold")
    assert "tp_seqeval1" not in fmt.stat_names(panx)
    from datasets import Dataset

    ds = Dataset.from_dict({"tokens": [["a", "b", "c"]], "tags": [["CCONJ", "SCONJ", "NOUN"]]})
    stats = fmt.example_stats(ds, [["SCONJ", "SCONJ", "NOUN"]], udpos, "en")
    assert stats[:, :6].tolist() == [[2, 3, 3, 2, 3, 2]]  # seqeval 0.0.12 counts, then seqeval 1.x counts
    scores = fmt.aggregate(stats.sum(0), udpos, "en")
    assert scores["f1"] == pytest.approx(200 / 3) and scores["f1_seqeval1"] == pytest.approx(80.0)
    assert "f1_seqeval1" not in fmt.aggregate(np.ones(len(fmt.stat_names(panx))), panx, "en")


def test_udpos_is_scored_on_raw_upos_strings_like_xtreme():
    spec = get_task("udpos")
    gold = [["NOUN", "NOUN", "VERB", "PUNCT"]]
    pred = [["NOUN", "ADJ", "VERB", "PUNCT"]]
    from datasets import Dataset

    stats = fmt.example_stats(Dataset.from_dict({"tokens": gold, "tags": gold}), pred, spec, "en")
    assert fmt.aggregate(stats.sum(0), spec)["f1_seqeval1"] == pytest.approx(100 * f1_score(gold, pred))


def test_truncated_words_are_predicted_O_and_count_as_misses(tokenizer, smoke_cfg):
    spec = get_task("panx")
    ds = load_task_split(spec, "test", smoke_cfg, "en")
    features, meta = fmt.eval_features(ds, tokenizer, 6)  # <s> + 4 sub-tokens + </s>
    predictions = fmt.predict(ds, peaked_outputs(features, meta, fmt.gold_ids(ds, spec), len(spec.label_names)),
                              meta, spec)
    gold = fmt.gold_tags(ds, spec)
    cut = 0
    for words, word_ids, pred, want in zip(ds["tokens"], meta, predictions, gold):
        present = fmt.first_subtokens(word_ids)
        assert len(pred) == len(words)
        for w in range(len(words)):
            assert pred[w] == (want[w] if w in present else fmt.ABSTAIN)
        cut += len(words) - len(present)
    assert cut > 0
    tp, n_pred, n_gold = fmt.example_stats(ds, predictions, spec, "en").sum(0)[:3]
    assert tp < n_gold and n_pred < n_gold  # cut entities are missed, never invented


def test_ccg_is_scored_as_token_accuracy():
    spec = get_task("ccg")
    gold = [["tag001", "tag002", "tag002", "UNK"], ["tag003"]]
    pred = [["tag001", "tag002", "tag001", "O"], ["tag003"]]
    stats = fmt.seqeval_f1.stats(fmt.scored_tags(gold, spec), fmt.scored_tags(pred, spec))
    assert stats.sum(0).tolist() == [3, 5, 5]
    assert fmt.aggregate(stats.sum(0), spec)["f1"] == pytest.approx(60.0)


@pytest.mark.parametrize("task,column,hub_config", [("udpos", "pos_tags", "udpos.{name}"), ("panx", "ner_tags", "PAN-X.{lang}")])
def test_label_names_are_the_hub_classlabel_names_for_every_language(task, column, hub_config):
    spec = get_task(task)
    for lang in spec.languages:
        src = spec.evaluation["test"].for_lang(lang)
        features = json.loads((local_dir(FIXTURES, src.hub_id, src.config) / "features.json").read_text())
        assert tuple(features[column]["feature"]["names"]) == spec.label_names, lang


def test_languages_and_missing_splits():
    udpos, panx = get_task("udpos"), get_task("panx")
    assert udpos.languages == L.UDPOS and len(udpos.languages) == 33
    assert panx.languages == L.PANX and len(panx.languages) == 40
    assert set(udpos.unavailable) == {("validation", lang) for lang in ("tl", "th", "yo", "kk")}
    assert udpos.evaluation["test"].for_lang("el").config == "udpos.Greek"
    for spec in (udpos, panx):  # every other (split, language) pair has data
        for split, src in spec.evaluation.items():
            for lang in spec.languages:
                s = src.for_lang(lang)
                present = (local_dir(FIXTURES, s.hub_id, s.config) / f"{split}.jsonl").is_file()
                assert present == ((split, lang) not in spec.unavailable), (spec.name, split, lang)


# --- CCG reader ---------------------------------------------------------------------------------

def test_ccg_reader_parses_the_documented_format(tmp_path, smoke_cfg):
    d = tmp_path / "ccg"
    d.mkdir()
    (d / "train.tsv").write_text("Pierre\tN/N\nVinken\tN\n.\t.\n\nThe\tNP[nb]/N\ndog\tN\n.\t.\n", encoding="utf-8")
    (d / "dev.tsv").write_text("A\tNP[nb]/N\ncat\tN\nsleeps\tS[dcl]\\NP\n\n\n", encoding="utf-8")
    rows = ccg.read_dir(d, "dev")
    assert rows == [{"tokens": ["A", "cat", "sleeps"], "tags": ["NP[nb]/N", "N", "S[dcl]\\NP"],
                     "tag_ids": [3, 1, ccg.TAG_CAP]}]  # ranks: . N (2x each), N/N, NP[nb]/N; S[dcl]\NP unseen
    cfg = resolve("paper", None, {"data_dir": str(tmp_path)})
    ds = load_task_split(get_task("ccg"), "train", cfg)
    assert ds["tokens"] == [["Pierre", "Vinken", "."], ["The", "dog", "."]]
    assert ds["tag_ids"][0] == [2, 1, 0]


def test_ccg_inventory_is_capped_at_the_most_frequent_tags():
    sentences = [(("w",) * 5, tuple(f"T{i}" for i in range(5))), (("w",) * 2, ("T3", "T4"))]
    assert ccg.inventory(sentences, cap=3) == ("T3", "T4", "T0")
    assert len(get_task("ccg").label_names) == ccg.TAG_CAP + 1 == 426


def test_ccg_fixture_split_sizes(smoke_cfg):
    spec = get_task("ccg")
    for split, n in (("train", 96), ("dev", 32)):
        ds = load_task_split(spec, split, smoke_cfg)
        assert len(ds) == n
        assert all(len(t) == len(g) == len(i) for t, g, i in zip(ds["tokens"], ds["tags"], ds["tag_ids"]))


def test_ccg_missing_files_explain_where_to_put_them(tmp_path):
    spec = get_task("ccg")
    cfg = resolve("paper", None, {"data_dir": str(tmp_path)})
    with pytest.raises(AblateError) as e:
        load_task_split(spec, "train", cfg)
    message = str(e.value)
    for needle in ("LDC2005T13", str(tmp_path / "ccg"), "train.tsv", "token<TAB>supertag", "--data-dir"):
        assert needle in message
    with pytest.raises(AblateError, match="LDC2005T13"):
        ccg.check_files(cfg)
    ccg.check_files(resolve("smoke", None, {}))
    with pytest.raises(AblateError, match="no --data-dir"):
        load_task_split(spec, "train", resolve("paper", None, {}))


def test_ccg_malformed_line_is_reported_with_its_position(tmp_path):
    d = tmp_path / "ccg"
    d.mkdir()
    (d / "train.tsv").write_text("good\tN\nbad line without tab\n", encoding="utf-8")
    with pytest.raises(AblateError, match=r"train.tsv:2"):
        ccg.read_dir(d, "train")


# --- end to end ---------------------------------------------------------------------------------

def test_stilts_ccg_to_udpos_end_to_end(tmp_path):
    from typer.testing import CliRunner

    from ablate.cli import app
    from mlflow import MlflowClient

    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["run", "stilts", "--task", "ccg", "--targets", "udpos", "--preset", "smoke",
                                      "--seeds", "1", "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    client = MlflowClient(f"sqlite:///{out / 'mlflow.db'}")
    exp = client.get_experiment_by_name("ablate")
    (run,) = client.search_runs([exp.experiment_id], "tags.kind = 'run'")
    metrics = run.data.metrics
    for lang in L.UDPOS:
        assert 0 <= metrics[f"udpos.{lang}.f1"] <= 100
        assert (f"dev.udpos.{lang}.f1" in metrics) == (lang not in ("tl", "th", "yo", "kk"))
    children = {r.info.run_name: r for r in client.search_runs(
        [exp.experiment_id], f"tags.mlflow.parentRunId = '{run.info.run_id}'")}
    assert 0 <= children["intermediate:ccg"].data.metrics["dev.f1"] <= 100
