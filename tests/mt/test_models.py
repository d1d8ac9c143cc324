"""Model registry: families, coverage, target-language control, up-front refusal."""

from __future__ import annotations

import json

import pytest

from ablate.errors import AblateError
from ablate.languages import NLLB_CODES, NON_ENGLISH
from ablate.mt.models import M2M100_LANGS, choose_models, parse_overrides, resolve

NLLB = "facebook/nllb-200-distilled-600M"


def test_families_from_hub_ids():
    assert resolve(NLLB).family == "nllb"
    assert resolve("facebook/m2m100_418M").family == "m2m100"
    assert resolve("Helsinki-NLP/opus-mt-en-de").family == "opus"
    assert resolve("Helsinki-NLP/opus-mt-en-de").languages == ("de",)
    assert resolve("Helsinki-NLP/opus-mt-en-zh").family == "opus-multi"
    assert resolve("Helsinki-NLP/opus-mt-en-mul").family == "opus-multi"
    assert set(resolve(NLLB).languages) == set(NON_ENGLISH) and len(NON_ENGLISH) == 39


def test_m2m100_coverage_matches_its_tokenizer():
    from transformers.models.m2m_100.tokenization_m2m_100 import FAIRSEQ_LANGUAGE_CODES

    codes = set(FAIRSEQ_LANGUAGE_CODES["m2m100"])
    assert set(M2M100_LANGS) == {l for l in NON_ENGLISH if l in codes}
    assert len(M2M100_LANGS) == 37 and "eu" not in M2M100_LANGS and "te" not in M2M100_LANGS


def test_nllb_codes_exist_in_nllb_tokenizer():
    from transformers.models.nllb.tokenization_nllb import FAIRSEQ_LANGUAGE_CODES

    assert set(NLLB_CODES.values()) <= set(FAIRSEQ_LANGUAGE_CODES)


def test_target_language_control_per_family():
    assert resolve(NLLB).target_prefix("de") == ["deu_Latn"]
    assert resolve(NLLB).source_lang_token() == "eng_Latn"
    assert resolve("facebook/m2m100_418M").target_prefix("de") == ["__de__"]
    assert resolve("facebook/m2m100_418M").source_lang_token() == "__en__"
    opus = resolve("Helsinki-NLP/opus-mt-en-de")
    assert opus.target_prefix("de") is None and opus.source_tag("de") is None
    assert resolve("Helsinki-NLP/opus-mt-en-zh").source_tag("zh") == ">>cmn_Hans<<"
    assert resolve("Helsinki-NLP/opus-mt-en-ar").source_tag("ar") == ">>ara<<"
    assert resolve("Helsinki-NLP/opus-mt-en-mul").source_tag("de") == ">>deu<<"


def test_choose_models_with_override():
    chosen = choose_models(["de", "sw"], NLLB, {"de": "Helsinki-NLP/opus-mt-en-de"})
    assert chosen["de"].model_id == "Helsinki-NLP/opus-mt-en-de"
    assert chosen["sw"].model_id == NLLB and chosen["sw"].family == "nllb"


def test_refuses_language_the_model_cannot_produce_listing_what_it_can():
    with pytest.raises(AblateError) as err:
        choose_models(["de", "te"], "facebook/m2m100_418M")
    msg = str(err.value)
    assert "'te'" in msg and "facebook/m2m100_418M" in msg and "de, el" in msg and "eu" not in \
        msg.split("It can produce:")[1]
    with pytest.raises(AblateError, match="opus-mt-en-de.*'fr'.*It can produce: de"):
        choose_models(["fr"], NLLB, {"fr": "Helsinki-NLP/opus-mt-en-de"})
    with pytest.raises(AblateError, match="broken tokenizer"):
        choose_models(["ko"], "Helsinki-NLP/opus-mt-tc-big-en-ko")


def test_unknown_language_and_model_errors():
    with pytest.raises(AblateError, match="Unknown language 'dee'. Did you mean 'de'"):
        choose_models(["dee"], NLLB)
    with pytest.raises(AblateError, match="English is the source"):
        choose_models(["en"], NLLB)
    with pytest.raises(AblateError, match="Cannot tell which MT family"):
        choose_models(["de"], "google/flan-t5-small")
    with pytest.raises(AblateError, match="not among the requested"):
        choose_models(["de"], NLLB, {"fr": NLLB})
    with pytest.raises(AblateError, match="does not exist"):
        resolve("/no/such/model/dir")


def test_parse_overrides():
    assert parse_overrides("de=Helsinki-NLP/opus-mt-en-de, fr=x/y") == {
        "de": "Helsinki-NLP/opus-mt-en-de", "fr": "x/y"}
    assert parse_overrides(["de=a/b", "sw=c/d"]) == {"de": "a/b", "sw": "c/d"}
    assert parse_overrides(None) == {}
    with pytest.raises(AblateError, match="expected lang=model"):
        parse_overrides("de:opus")


def test_local_directories(tmp_path):
    d = tmp_path / "opus-mt-en-fi"
    d.mkdir()
    (d / "config.json").write_text(json.dumps({"model_type": "marian"}))
    (d / "vocab.json").write_text(json.dumps({"</s>": 0, "<unk>": 1, "a": 2}))
    assert resolve(str(d)).family == "opus" and resolve(str(d)).languages == ("fi",)
    multi = tmp_path / "my-multi"
    multi.mkdir()
    (multi / "config.json").write_text(json.dumps({"model_type": "marian"}))
    (multi / "vocab.json").write_text(json.dumps({"</s>": 0, ">>deu<<": 1, ">>zho_Hans<<": 2}))
    m = resolve(str(multi))
    assert m.family == "opus-multi" and set(m.languages) == {"de", "zh"}
    assert m.source_tag("zh") == ">>zho_Hans<<"
    with pytest.raises(AblateError, match="cannot translate into 'fr'"):
        m.check("fr")


def test_tiny_models_resolve_to_their_families(tiny_models):
    assert resolve(str(tiny_models["marian"])).family == "opus-multi"
    assert set(resolve(str(tiny_models["marian"])).languages) == set(NON_ENGLISH)
    assert resolve(str(tiny_models["nllb"])).family == "nllb"
    assert resolve(str(tiny_models["m2m100"])).family == "m2m100"


def test_split_model_specs_for_the_cli():
    from ablate.mt.models import split_model_specs

    assert split_model_specs(None, NLLB) == (NLLB, {})
    assert split_model_specs("de=a/b", NLLB) == (NLLB, {"de": "a/b"})
    assert split_model_specs(["x/y", "de=a/b,fr=c/d"], NLLB) == ("x/y", {"de": "a/b", "fr": "c/d"})
    with pytest.raises(AblateError, match="More than one default"):
        split_model_specs("x/y,z/w", NLLB)
