"""The real pipeline on tiny random-weight models: conversion, target control, HF parity."""

from __future__ import annotations

import json

import pytest

from ablate.errors import AblateError
from ablate.mt.convert import convert
from ablate.mt.dataset import translate_dataset
from ablate.mt.formats import translate_records
from ablate.mt.models import resolve
from ablate.mt.tiny import build, corpus
from ablate.mt.translate import Settings, open_engine

FAST = Settings(beam_size=1, max_decoding_length=24)


def _vocab(ct2_dir):
    return json.loads((ct2_dir / "shared_vocabulary.json").read_text())


def test_tiny_build_is_cached_and_deterministic(tiny_dir, tiny_models):
    assert build("marian", tiny_dir / "hf") == tiny_models["marian"]
    again = build("marian", tiny_dir / "rebuild")
    for name in ("vocab.json", "model.safetensors"):  # (source.spm embeds the temp path)
        assert (again / name).read_bytes() == (tiny_models["marian"] / name).read_bytes()
    with pytest.raises(AblateError, match="Unknown tiny MT model kind"):
        build("t5", tiny_dir)


def test_conversion_is_cached_by_quantization(tiny_dir, tiny_models):
    first = convert(str(tiny_models["nllb"]), tiny_dir / "ct2")
    mtime = (first / "model.bin").stat().st_mtime_ns
    assert convert(str(tiny_models["nllb"]), tiny_dir / "ct2") == first
    assert (first / "model.bin").stat().st_mtime_ns == mtime  # not converted again
    other = convert(str(tiny_models["nllb"]), tiny_dir / "ct2", quantization="float32")
    assert other != first
    meta = json.loads((first / "ablate_mt.json").read_text())
    assert meta["family"] == "nllb" and meta["quantization"] == "int8"
    assert (first / "hf_tokenizer").is_dir()
    assert not [p for p in (tiny_dir / "ct2").iterdir() if p.name.startswith(".convert-")]


def test_m2m100_conversion_keeps_language_tokens(tiny_dir, tiny_models):
    """ctranslate2 4.8 + transformers 5 drop `__xx__`; our converter re-adds them."""
    import ctranslate2

    ct2 = convert(str(tiny_models["m2m100"]), tiny_dir / "ct2")
    vocab = _vocab(ct2)
    assert "__de__" in vocab and "__en__" in vocab and vocab.index("__de__") != vocab.index("<unk>")
    assert len(vocab) == json.loads((tiny_models["m2m100"] / "config.json").read_text())[
        "vocab_size"]
    translator = ctranslate2.Translator(str(ct2))
    result = translator.translate_batch([["__en__", "▁", "H", "</s>"]],
                                        target_prefix=[["__de__"]], max_decoding_length=5)
    assert result[0].hypotheses[0][0] == "__de__"  # not "<unk>"
    engine = open_engine(str(tiny_models["m2m100"]), tiny_dir, FAST, translation_cache=False)
    assert engine.backend.tokenize("Hello.", "de")[0] == "__en__"
    out = engine.translate_texts(["The cat sees a red house."], "de")
    assert isinstance(out[0], str) and "__de__" not in out[0]


def test_nllb_target_prefix_is_forced_and_dropped(tiny_dir, tiny_models):
    engine = open_engine(str(tiny_models["nllb"]), tiny_dir, FAST, translation_cache=False)
    backend = engine.backend
    src = backend.tokenize("The cat sees a red house.", "sw")
    assert src[0] == "eng_Latn" and src[-1] == "</s>"
    translator, tok = backend._load()
    raw = translator.translate_batch([src], target_prefix=[["swh_Latn"]], beam_size=1,
                                     max_decoding_length=24)[0].hypotheses[0]
    assert raw[0] == "swh_Latn"
    assert engine.translate_segments(["The cat sees a red house."], "sw") == [
        backend.detokenize(raw[1:])]
    assert "swh_Latn" not in engine.translate_segments(["The cat sees a red house."], "sw")[0]


def test_opus_multi_target_tag_is_prefixed(tiny_dir, tiny_models):
    engine = open_engine(str(tiny_models["marian"]), tiny_dir, FAST, translation_cache=False)
    assert engine.backend.tokenize("Hello.", "zh")[0] == ">>cmn_Hans<<"
    assert engine.backend.tokenize("Hello.", "de")[:1] == [">>deu<<"]
    assert "<unk>" not in engine.backend.tokenize("Hello.", "sw")[:1]


def test_ct2_greedy_equals_hf_generate_token_for_token(tiny_dir, tiny_models):
    import ctranslate2
    import torch
    from transformers import MarianMTModel, MarianTokenizer

    path = tiny_models["marian"]
    ct2 = convert(str(path), tiny_dir / "ct2", quantization="float32")
    tok = MarianTokenizer.from_pretrained(path)
    model = MarianMTModel.from_pretrained(path).eval()
    texts = [">>deu<< " + t for t in corpus(12, seed=7)]
    with torch.no_grad():
        generated = model.generate(**tok(texts, return_tensors="pt", padding=True), num_beams=1,
                                   do_sample=False, max_new_tokens=32, forced_eos_token_id=None)
    translator = ctranslate2.Translator(str(ct2), compute_type="float32")
    results = translator.translate_batch(
        [tok.convert_ids_to_tokens(tok.encode(t)) for t in texts], beam_size=1,
        max_decoding_length=32)
    distinct = set()
    for gen, res in zip(generated.tolist(), results):
        hf = [i for i in gen[1:] if i != tok.pad_token_id]  # drop decoder start and padding
        if hf and hf[-1] == tok.eos_token_id:
            hf = hf[:-1]
        ct = tok.convert_tokens_to_ids(res.hypotheses[0])
        assert ct == hf
        distinct.update(ct)
    assert len(distinct) > 3  # the random model is not stuck on one token


def test_end_to_end_mnli_with_cache_and_warm_rerun(tiny_dir, tiny_models, tmp_path):
    records = [{"premise": p, "hypothesis": h, "label": i % 3, "idx": i}
               for i, (p, h) in enumerate(zip(corpus(6, 1) * 3, corpus(18, 2)))]
    model = str(tiny_models["nllb"])
    first = translate_dataset(records, "classification", ["de", "sw"], model, tiny_dir,
                              settings=FAST, references={"de": (corpus(4), corpus(4, 9))})
    assert first["de"].kept == 18 and first["de"].stats["unique"] == 24  # 6 premises + 18 hyps
    assert first["de"].quality.status == "ok" and first["sw"].quality.status == "skipped"
    assert first["de"].records[0]["label"] == 0 and first["de"].records[0]["premise"] != \
        records[0]["premise"]
    # a new engine on the same cache: nothing translated, the CT2 model is never even loaded
    engine = open_engine(model, tiny_dir, FAST)
    again = translate_records(records, "classification", "de", engine)
    assert again.records == first["de"].records
    assert engine.last.translated == 0 and engine.backend._translator is None
    with pytest.raises(AblateError, match="below the threshold"):
        translate_dataset(records, "classification", ["de"], model, tiny_dir, settings=FAST,
                          references={"de": (corpus(4), corpus(4, 9))}, min_chrf=99)


def test_span_qa_with_the_real_tiny_pipeline(tiny_dir, tiny_models):
    context = " ".join(corpus(6, 3))
    answer = context.split()[1]
    records = [{"id": f"q{i}", "title": "t", "context": context, "question": q,
                "answers": {"text": [answer], "answer_start": [context.index(answer)]}}
               for i, q in enumerate(corpus(4, 4))]
    engine = open_engine(str(tiny_models["marian"]), tiny_dir, FAST)
    res = translate_records(records, "span_qa", "de", engine)
    assert res.kept + res.dropped == 4  # gibberish output: typically all dropped, never wrong
    for rec in res.records:
        a = rec["answers"]
        assert rec["context"][a["answer_start"][0]:][:len(a["text"][0])] == a["text"][0]
    assert engine.last.unique < engine.last.segments  # shared context sentences deduplicated


def test_unconvertible_model_and_unreachable_hub(tmp_path, monkeypatch):
    bad = tmp_path / "broken-model"
    bad.mkdir()
    (bad / "ablate_mt.json").write_text(json.dumps({"family": "opus", "languages": ["de"]}))
    (bad / "config.json").write_text(json.dumps({"model_type": "marian", "d_model": "x"}))
    with pytest.raises(AblateError, match="Converting MT model '.*broken-model' to CTranslate2 "
                                          "failed"):
        convert(str(bad), tmp_path / "ct2")
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(AblateError, match="Hub is not reachable.*--preset smoke"):
        convert(resolve("facebook/nllb-200-distilled-600M"), tmp_path / "ct2")
