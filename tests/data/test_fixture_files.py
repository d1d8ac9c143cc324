"""The shipped fixtures: Hub schemas (through the data cards), every language and split, span
consistency, parallelism, learnable labels, scripts, determinism and size."""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from pathlib import Path

import datasets
import pytest

from ablate import languages
from ablate.cards import describe_features, find_card
from ablate.fixtures import CCG_DIR, FIXTURES_DIR, fixture_dir
from ablate.fixtures.generate import generate

XTREME = "google/xtreme"
CONFIG_DIRS = sorted(p.parent for p in FIXTURES_DIR.glob("*/*/features.json"))


def _id_config(directory: Path) -> tuple[str, str]:
    return directory.parent.name.replace("__", "/"), directory.name


def rows(hub_id: str, config: str, split: str) -> list[dict]:
    path = fixture_dir(hub_id, config) / f"{split}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def splits_of(hub_id: str, config: str) -> set[str]:
    return {p.stem for p in fixture_dir(hub_id, config).glob("*.jsonl")}


@pytest.fixture(scope="module")
def hf_cache(tmp_path_factory):
    datasets.disable_progress_bars()
    return str(tmp_path_factory.mktemp("hf_cache"))


def test_every_expected_config_exists():
    expected = {("nyu-mll/glue", "mnli"), ("nyu-mll/glue", "qqp"), ("stanfordnlp/snli", "plain_text"),
                ("facebook/anli", "plain_text"), ("rajpurkar/squad", "plain_text"),
                ("rajpurkar/squad_v2", "squad_v2"), ("Rowan/hellaswag", "default"),
                ("tau/commonsense_qa", "default"), ("allenai/cosmos_qa", "default"), (XTREME, "XNLI"),
                (XTREME, "tydiqa")}
    expected |= {(XTREME, f"PAWS-X.{lang}") for lang in languages.PAWSX}
    expected |= {(XTREME, f"udpos.{languages.UDPOS_NAMES[lang]}") for lang in languages.UDPOS}
    expected |= {(XTREME, f"PAN-X.{lang}") for lang in languages.PANX}
    expected |= {(XTREME, f"XQuAD.{lang}") for lang in languages.XQUAD}
    expected |= {(XTREME, f"MLQA.{lang}.{lang}") for lang in languages.MLQA}
    expected |= {(XTREME, f"bucc18.{lang}") for lang in languages.BUCC}
    expected |= {(XTREME, f"tatoeba.{languages.TATOEBA_CODES[lang]}") for lang in languages.TATOEBA}
    expected |= {("openlanguagedata/flores_plus", languages.FLORES_PLUS_CODES[lang])
                 for lang in ("en", *languages.NON_ENGLISH)}
    expected |= {("facebook/xnli", lang) for lang in languages.XNLI}  # published multilingual training sets
    expected |= {("google-research-datasets/paws-x", lang) for lang in languages.PAWSX}
    expected |= {("wikimedia/wikipedia", f"20231101.{lang}") for lang in languages.ALL_XTREME}  # MLM text
    expected |= {("aps/super_glue", "copa"), ("allenai/social_i_qa", "default"), ("google/xquad", "xquad.ro")}
    expected |= {("cambridgeltl/xcopa", lang) for lang in languages.XCOPA}
    expected |= {("unimelb-nlp/wikiann", lang) for lang in languages.PANX_R[len(languages.PANX):]}
    expected |= {("mteb/tatoeba-bitext-mining", f"{languages.TATOEBA_CODES_R[lang]}-eng")
                 for lang in languages.TATOEBA_R[len(languages.TATOEBA):]}
    assert {_id_config(d) for d in CONFIG_DIRS} == expected


def _groups() -> dict[str, list[Path]]:
    """Config directories grouped by identical features.json (one load_dataset call per group)."""
    groups: dict[str, list[Path]] = {}
    for directory in CONFIG_DIRS:
        groups.setdefault((directory / "features.json").read_text(), []).append(directory)
    return groups


@pytest.mark.parametrize("directories", list(_groups().values()),
                         ids=lambda ds: f"{ds[0].parent.name}/{ds[0].name}+{len(ds) - 1}")
def test_configs_load_with_the_card_features(directories, hf_cache):
    """Every split file of every config loads with its features.json (one load per group of
    configs sharing features, for speed) and the features are exactly the card's."""
    features = datasets.Features.from_dict(json.loads((directories[0] / "features.json").read_text()))
    files = [str(p) for d in directories for p in sorted(d.glob("*.jsonl"))]
    loaded = datasets.load_dataset("json", data_files=files, features=features, split="train",
                                   cache_dir=hf_cache)
    assert len(loaded) == sum(len(Path(f).read_text(encoding="utf-8").splitlines()) for f in files)
    assert describe_features(loaded.features) == describe_features(features)
    for directory in directories:
        card = find_card(*_id_config(directory))
        assert describe_features(features) == card.features, card.name
        for split in splits_of(*_id_config(directory)):
            assert split in card.splits, f"{card.name} card has no split {split}"


def test_intermediate_splits():
    assert splits_of("nyu-mll/glue", "mnli") == {
        "train", "validation_matched", "validation_mismatched", "test_matched", "test_mismatched"}
    assert splits_of("facebook/anli", "plain_text") == {
        f"{part}_r{r}" for part in ("train", "dev", "test") for r in (1, 2, 3)}
    for hub_id, config in (("nyu-mll/glue", "qqp"), ("stanfordnlp/snli", "plain_text"),
                           ("Rowan/hellaswag", "default"), ("tau/commonsense_qa", "default"),
                           ("allenai/cosmos_qa", "default")):
        assert splits_of(hub_id, config) == {"train", "validation", "test"}
    assert len(rows("nyu-mll/glue", "mnli", "train")) == 96
    assert {r["label"] for r in rows("nyu-mll/glue", "mnli", "test_matched")} == {-1}
    assert {r["label"] for r in rows("nyu-mll/glue", "qqp", "test")} == {-1}


def test_target_languages_have_their_splits():
    for lang in languages.PAWSX:
        assert splits_of(XTREME, f"PAWS-X.{lang}") == {"train", "validation", "test"}
    for lang in languages.UDPOS:
        got = splits_of(XTREME, f"udpos.{languages.UDPOS_NAMES[lang]}")
        if lang in languages.UDPOS_TEST_ONLY:
            assert got == {"test"}, lang
        elif lang in languages.UDPOS_NO_DEV:
            assert got == {"train", "test"}, lang
        else:
            assert got == {"train", "validation", "test"}, lang
    for lang in languages.PANX:
        assert splits_of(XTREME, f"PAN-X.{lang}") == {"train", "validation", "test"}
    for lang in languages.XQUAD:
        assert splits_of(XTREME, f"XQuAD.{lang}") == {"validation"}
    for lang in languages.MLQA:
        assert splits_of(XTREME, f"MLQA.{lang}.{lang}") == {"validation", "test"}
    for lang in languages.BUCC:
        assert splits_of(XTREME, f"bucc18.{lang}") == {"validation", "test"}
    for lang in languages.TATOEBA:
        assert splits_of(XTREME, f"tatoeba.{languages.TATOEBA_CODES[lang]}") == {"validation"}
    assert splits_of(XTREME, "XNLI") == {"validation", "test"}
    assert splits_of(XTREME, "tydiqa") == {"train", "validation"}


def test_multilingual_columns_cover_every_language():
    for split in ("validation", "test"):
        assert Counter(r["language"] for r in rows(XTREME, "XNLI", split)).keys() == set(languages.XNLI)
    prefix = {code: name for name, code in languages.TYDIQA_PREFIXES.items()}
    for split in ("train", "validation"):
        found = {r["id"].split("-")[0] for r in rows(XTREME, "tydiqa", split)}
        assert found == {prefix[lang] for lang in languages.TYDIQA}
    for lang in languages.PANX:
        assert all(set(r["langs"]) == {lang} and len(r["langs"]) == len(r["tokens"])
                   for r in rows(XTREME, f"PAN-X.{lang}", "train"))


QA_CONFIGS = ([("rajpurkar/squad", "plain_text"), ("rajpurkar/squad_v2", "squad_v2")]
              + [(XTREME, f"XQuAD.{lang}") for lang in languages.XQUAD]
              + [(XTREME, f"MLQA.{lang}.{lang}") for lang in languages.MLQA] + [(XTREME, "tydiqa")])


@pytest.mark.parametrize("hub_id,config", QA_CONFIGS)
def test_span_answers_match_their_contexts(hub_id, config):
    for split in splits_of(hub_id, config):
        for row in rows(hub_id, config, split):
            answers = row["answers"]
            assert len(answers["text"]) == len(answers["answer_start"])
            for text, start in zip(answers["text"], answers["answer_start"]):
                assert text and row["context"][start:start + len(text)] == text, row["id"]


def test_squad_v2_has_unanswerable_questions():
    train = rows("rajpurkar/squad_v2", "squad_v2", "train")
    empty = [r for r in train if r["answers"]["text"] == []]
    assert 0 < len(empty) < len(train) and all(r["answers"]["answer_start"] == [] for r in empty)


def test_xnli_is_n_way_parallel():
    for split in ("validation", "test"):
        by_lang: dict[str, list[dict]] = {}
        for row in rows(XTREME, "XNLI", split):
            by_lang.setdefault(row["language"], []).append(row)
        gold = [r["gold_label"] for r in by_lang["en"]]
        for lang, lang_rows in by_lang.items():
            assert [r["gold_label"] for r in lang_rows] == gold, lang
            if lang != "en":  # translations, not copies
                assert all(a["sentence1"] != b["sentence1"] for a, b in zip(lang_rows, by_lang["en"]))
        assert set(gold) == {"entailment", "neutral", "contradiction"}


def test_xquad_and_mlqa_share_ids_across_languages():
    ids = {lang: [r["id"] for r in rows(XTREME, f"XQuAD.{lang}", "validation")]
           for lang in languages.XQUAD}
    assert all(v == ids["en"] for v in ids.values()) and len(set(ids["en"])) == len(ids["en"])
    for split in ("validation", "test"):
        ids = {lang: [r["id"] for r in rows(XTREME, f"MLQA.{lang}.{lang}", split)]
               for lang in languages.MLQA}
        assert all(v == ids["en"] for v in ids.values())


def test_labels_are_balanced_and_follow_the_surface_rules():
    for split in ("train", "validation_matched"):
        data = rows("nyu-mll/glue", "mnli", split)
        counts = Counter(r["label"] for r in data)
        assert set(counts) == {0, 1, 2} and max(counts.values()) - min(counts.values()) <= 1
        for r in data:  # entailment: every hypothesis word is a premise word
            words = set(r["premise"].rstrip(".").split())
            hyp = r["hypothesis"].rstrip(".").split()
            assert (all(w in words for w in hyp)) == (r["label"] == 0)
    snli = rows("stanfordnlp/snli", "plain_text", "train")
    assert 0 < sum(r["label"] == -1 for r in snli) < 10
    for lang in languages.PAWSX:
        data = rows(XTREME, f"PAWS-X.{lang}", "train")
        assert Counter(r["label"] for r in data) == {"0": 16, "1": 16}
    assert Counter(r["label"] for r in rows("Rowan/hellaswag", "default", "train")).keys() == {
        "0", "1", "2", "3"}
    assert {r["label"] for r in rows("Rowan/hellaswag", "default", "test")} == {""}
    assert {r["answerKey"] for r in rows("tau/commonsense_qa", "default", "test")} == {""}


def test_tag_is_a_function_of_the_word():
    for lang in ("en", "ja", "ar"):
        tag_of: dict[str, int] = {}
        for row in rows(XTREME, f"udpos.{languages.UDPOS_NAMES[lang]}", "train"):
            for token, tag in zip(row["tokens"], row["pos_tags"], strict=True):
                assert tag_of.setdefault(token, tag) == tag


SCRIPT = {"ar": "ARABIC", "fa": "ARABIC", "ur": "ARABIC", "he": "HEBREW", "hi": "DEVANAGARI",
          "mr": "DEVANAGARI", "bn": "BENGALI", "ta": "TAMIL", "te": "TELUGU", "ml": "MALAYALAM",
          "th": "THAI", "ka": "GEORGIAN", "my": "MYANMAR", "ko": "HANGUL", "zh": "CJK",
          "ja": "CJK|HIRAGANA|KATAKANA", "ru": "CYRILLIC", "bg": "CYRILLIC", "kk": "CYRILLIC",
          "el": "GREEK"}


@pytest.mark.parametrize("lang", languages.PANX)
def test_each_language_is_written_in_its_script(lang):
    text = "".join(t for r in rows(XTREME, f"PAN-X.{lang}", "train") for t in r["tokens"])
    scripts = {unicodedata.name(ch).split()[0] for ch in text if ch.isalpha()}
    allowed = set(SCRIPT.get(lang, "LATIN").split("|"))
    assert scripts and scripts <= allowed, (lang, scripts)


def test_chinese_and_japanese_have_no_spaces_between_words():
    for row in rows(XTREME, "XNLI", "test"):
        if row["language"] == "zh":
            assert " " not in row["sentence1"]
    assert all(" " not in r["sentence1"] for r in rows(XTREME, "PAWS-X.ja", "test"))


def test_retrieval_sides():
    for lang in languages.TATOEBA:
        code = languages.TATOEBA_CODES[lang]
        for r in rows(XTREME, f"tatoeba.{code}", "validation"):
            assert (r["source_lang"], r["target_lang"]) == (code, "eng")
    for lang in languages.BUCC:
        for r in rows(XTREME, f"bucc18.{lang}", "test"):
            assert r["source_lang"].startswith(f"{lang}-") and r["target_lang"].startswith("en-")


def test_ccg_files_use_the_documented_format():
    for split in ("train", "dev", "test"):
        text = (CCG_DIR / f"{split}.tsv").read_text(encoding="utf-8")
        sentences = [block for block in text.split("\n\n") if block.strip()]
        assert len(sentences) >= 16
        for block in sentences:
            pairs = [line.split("\t") for line in block.strip("\n").split("\n")]
            assert all(len(p) == 2 and p[0] and p[1] for p in pairs)
            assert pairs[-1] == [".", "."]


def test_generator_is_deterministic(tmp_path):
    generate(tmp_path)
    ours = sorted(p.relative_to(FIXTURES_DIR) for p in FIXTURES_DIR.rglob("*") if p.is_file())
    fresh = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert fresh == ours
    changed = [p for p in ours if (tmp_path / p).read_bytes() != (FIXTURES_DIR / p).read_bytes()]
    assert changed == [], "rerun python -m ablate.fixtures.generate"


def test_fixture_tree_is_small():
    size = sum(p.stat().st_size for p in FIXTURES_DIR.rglob("*") if p.is_file())
    assert size < 4_000_000
