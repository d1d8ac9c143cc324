"""Data cards: every card parses, agrees with ablate.languages, and drift is caught."""

from __future__ import annotations

import datasets
import pytest

from ablate import languages
from ablate.cards import (REQUIRED_KEYS, TEMPLATES, AblateError, check_features, check_size,
                          describe_features, expected_size, fill_template, find_card, list_cards,
                          load_card, split_front_matter)

EXPECTED = {"mnli", "qqp", "snli", "anli", "anli_plus", "squad", "squad_v2", "hellaswag",
            "commonsense_qa", "cosmos_qa", "ccg", "xnli", "pawsx", "udpos", "panx", "xquad", "mlqa",
            "tydiqa", "bucc2018", "tatoeba", "flores_plus", "translated_template", "uriel", "wikipedia",
            "xnli_translate_train", "pawsx_translate_train",
            # XTREME-R (ablate.tasks.xtreme_r_tasks)
            "xcopa", "copa", "siqa", "mewslix", "lareqa", "panx_xr", "udpos_xr", "tatoeba_xr", "xquad_xr"}
TARGET_LANGS = {"xnli": languages.XNLI, "pawsx": languages.PAWSX, "udpos": languages.UDPOS,
                "panx": languages.PANX, "xquad": languages.XQUAD, "mlqa": languages.MLQA,
                "tydiqa": languages.TYDIQA, "bucc2018": languages.BUCC, "tatoeba": languages.TATOEBA,
                "xcopa": languages.XCOPA, "mewslix": languages.MEWSLIX, "lareqa": languages.LAREQA,
                # the XTREME-R additions that each `_xr` card's source serves
                "panx_xr": languages.PANX_R[len(languages.PANX):], "udpos_xr": languages.UDPOS_R[len(languages.UDPOS):],
                "tatoeba_xr": languages.TATOEBA_R[len(languages.TATOEBA):], "xquad_xr": ("ro",)}
DATASET_CARDS = sorted(EXPECTED - set(TEMPLATES))


def test_all_cards_exist():
    assert set(list_cards()) == EXPECTED


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_card_parses_with_required_keys(name):
    card = load_card(name)
    meta, body = split_front_matter(card.text)
    assert set(REQUIRED_KEYS) <= set(meta)
    assert card.name == name and card.citation and card.license and body.strip()
    assert card.verified or card.unverified
    if name in TEMPLATES:
        return
    assert card.languages and all(len(lang) == 2 and lang.islower() for lang in card.languages)
    assert card.features and card.splits and card.used_as
    for split, size in card.splits.items():  # an int, {lang: int}, or a note
        if isinstance(size, dict):
            assert set(size) <= set(card.languages) and all(n > 0 for n in size.values()), split
        else:
            assert isinstance(size, (int, str)), split
    for column, names in card.label_names.items():
        assert column in card.features and names


@pytest.mark.parametrize("name", sorted(TARGET_LANGS))
def test_target_cards_list_exactly_the_task_languages(name):
    assert sorted(load_card(name).languages) == sorted(TARGET_LANGS[name])


def test_card_notes_what_is_unverified():
    assert "anli_plus" in [n for n in DATASET_CARDS if not load_card(n).verified]
    assert any("dev" in item for item in load_card("anli_plus").unverified)
    assert any("script" in item for item in load_card("cosmos_qa").unverified)
    assert "gold pairs only" in load_card("bucc2018").body


def test_anli_plus_is_the_sum_of_its_parts():
    card = load_card("anli_plus")
    anli, mnli, snli = load_card("anli"), load_card("mnli"), load_card("snli")
    anli_train = sum(anli.splits[f"train_r{r}"] for r in (1, 2, 3))
    parts = {p["card"]: p["rows"] for p in card.extra["parts"]}
    assert parts["anli"] == anli_train and parts["mnli"] == mnli.splits["train"]
    assert parts["snli"] == snli.splits["train"] - 785
    assert card.splits["train"] == sum(parts.values()) == 1_104_934


def test_config_patterns_and_lookup():
    assert load_card("pawsx").config_for("de") == "PAWS-X.de"
    assert load_card("udpos").config_for("de") == "udpos.German"
    assert load_card("tatoeba").config_for("zh") == "tatoeba.cmn"
    assert load_card("mlqa").config_for("hi") == "MLQA.hi.hi"
    assert load_card("xnli").config_for("de") == "XNLI"
    assert find_card("google/xtreme", "udpos.Kazakh").name == "udpos"
    assert find_card("google/xtreme", "bucc18.fr").name == "bucc2018"
    assert find_card("nyu-mll/glue", "qqp").name == "qqp"
    with pytest.raises(AblateError, match="language"):
        load_card("pawsx").config_for("xx")
    with pytest.raises(AblateError, match="No data card"):
        find_card("google/xtreme", "SQuAD")


def test_unknown_card_suggests_the_closest():
    with pytest.raises(AblateError, match="Did you mean 'mnli'.*Available: anli"):
        load_card("mnlii")


# --- drift --------------------------------------------------------------------------------------

def mnli_features(**changes) -> datasets.Features:
    cols = {"premise": datasets.Value("string"), "hypothesis": datasets.Value("string"),
            "label": datasets.ClassLabel(names=["entailment", "neutral", "contradiction"]),
            "idx": datasets.Value("int32")}
    cols.update(changes)
    return datasets.Features({k: v for k, v in cols.items() if v is not None})


def test_matching_features_pass():
    check_features(load_card("mnli"), mnli_features())
    check_features(load_card("squad"), datasets.Features({
        "id": datasets.Value("string"), "title": datasets.Value("string"),
        "context": datasets.Value("string"), "question": datasets.Value("string"),
        "answers": {"text": datasets.List(datasets.Value("string")),
                    "answer_start": datasets.List(datasets.Value("int32"))}}))


def test_renamed_column_is_named():
    features = mnli_features(hypothesis=None, hypothesis_text=datasets.Value("string"))
    with pytest.raises(AblateError, match="missing column.*hypothesis.*unexpected column.*hypothesis_text"):
        check_features(load_card("mnli"), features)


def test_changed_label_names_are_named():
    features = mnli_features(label=datasets.ClassLabel(names=["entailment", "neutral", "contra"]))
    with pytest.raises(AblateError, match="label names of 'label' differ.*contradiction.*contra"):
        check_features(load_card("mnli"), features)
    panx = load_card("panx")
    tags = datasets.List(datasets.ClassLabel(names=["O", "B-PER", "I-PER", "B-ORG", "I-ORG",
                                                    "B-LOC", "I-LOC", "B-MISC"]))
    features = datasets.Features({"tokens": datasets.List(datasets.Value("string")),
                                  "ner_tags": tags, "langs": datasets.List(datasets.Value("string"))})
    with pytest.raises(AblateError, match="label names of 'ner_tags'.*B-MISC"):
        check_features(panx, features)


def test_wrong_dtype_is_named_including_nested():
    with pytest.raises(AblateError, match="'idx' has type 'int64', card says 'int32'"):
        check_features(load_card("mnli"), mnli_features(idx=datasets.Value("int64")))
    features = datasets.Features({
        "id": datasets.Value("string"), "context": datasets.Value("string"),
        "question": datasets.Value("string"),
        "answers": {"answer_start": datasets.List(datasets.Value("int64")),
                    "text": datasets.List(datasets.Value("string"))}})
    with pytest.raises(AblateError, match="'answers.answer_start' has type 'list<int64>'"):
        check_features(load_card("xquad"), features)


def test_columns_restrict_the_check():
    features = mnli_features(idx=None, extra=datasets.Value("string"))
    check_features(load_card("mnli"), features, columns=["premise", "hypothesis", "label"])
    with pytest.raises(AblateError, match="no column"):
        check_features(load_card("mnli"), features, columns=["sentence1"])


def test_describe_features_notation():
    assert describe_features(mnli_features()) == {
        "premise": "string", "hypothesis": "string",
        "label": "class_label[entailment,neutral,contradiction]", "idx": "int32"}
    nested = datasets.Features({"x": datasets.List({"a": datasets.Value("float32")})})
    assert describe_features(nested) == {"x": "list<{a: float32}>"}


def test_sizes():
    mnli, pawsx, tatoeba = load_card("mnli"), load_card("pawsx"), load_card("tatoeba")
    assert check_size(mnli, "train", 392_702) is True
    assert check_size(pawsx, "train", 49_175, lang="en") is True
    assert expected_size(tatoeba, "validation", "te") == 234
    assert check_size(load_card("ccg"), "train", 123) is False  # no number recorded: not checked
    with pytest.raises(AblateError, match="should have 392,702 rows, loaded 1,000"):
        check_size(mnli, "train", 1000)
    with pytest.raises(AblateError, match=r"\[de\] should have 49,380"):
        check_size(pawsx, "train", 10, lang="de")
    with pytest.raises(AblateError, match="pass lang="):
        check_size(pawsx, "train", 10)
    with pytest.raises(AblateError, match="Did you mean 'validation_matched'"):
        check_size(mnli, "validation_matchd", 9815)


def test_translated_template_fills_into_a_valid_card(tmp_path):
    values = {
        "name": "mnli_mt_de", "config": "mnli", "license": "as mnli", "citation": "see mnli",
        "languages": ["de"], "splits": {"train": {"de": 96}},
        "features": load_card("mnli").features, "label_names": load_card("mnli").label_names,
        "source_card": "mnli", "mt_model": "facebook/nllb-200-distilled-600M",
        "mt_model_revision": "abc123", "mt_engine": "ctranslate2 4.8 int8",
        "mt_settings": {"beam_size": 2, "max_decoding_length": 256},
        "mt_settings_text": "beam 2, max 256 tokens", "mt_model_license": "CC-BY-NC-4.0",
        "date": "2025-01-01", "language_list": "German",
        "quality": {"de": {"chrF": 55.1, "chrF_signature": "nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.6.0"}},
        "quality_reference": "XNLI validation", "quality_table": "| de | 55.1 |",
        "filters": "empty output", "counts": {"de": {"kept": 95, "dropped": 1}},
        "counts_table": "| de | 95 | 1 |",
    }
    (tmp_path / "mnli_mt_de.md").write_text(fill_template(values), encoding="utf-8")
    card = load_card("mnli_mt_de", tmp_path)
    assert card.features == load_card("mnli").features and card.languages == ("de",)
    assert card.extra["counts"]["de"]["dropped"] == 1 and "{{" not in card.text
    with pytest.raises(AblateError, match="needs values for: .*mt_model"):
        fill_template({"name": "x"})
