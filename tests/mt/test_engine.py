"""MTEngine: dedup, order, sentence split/rejoin, stats — with a fake backend."""

from __future__ import annotations

import pytest

from ablate.errors import AblateError
from ablate.mt.translate import Settings


def test_each_unique_string_translated_once_and_order_preserved(fake_engine):
    engine = fake_engine(cache=False)
    texts = ["b", "a", "b", "c", "a", "b", ""]
    out = engine.translate_segments(texts, "de")
    assert out == ["B", "A", "B", "C", "A", "B", ""]
    assert sorted(engine.backend.translated) == ["", "a", "b", "c"]
    assert engine.last.segments == 7 and engine.last.unique == 4
    assert engine.last.dedup_saved == pytest.approx(3 / 7)


def test_long_texts_split_translated_per_sentence_and_rejoined(fake_engine):
    engine = fake_engine(cache=False, split_chars=20)
    texts = ["One sentence here. Two sentences here.", "Two sentences here.", "short"]
    assert engine.translate_texts(texts, "de") == [
        "ONE SENTENCE HERE. TWO SENTENCES HERE.", "TWO SENTENCES HERE.", "SHORT"]
    assert sorted(engine.backend.translated) == ["One sentence here.", "Two sentences here.",
                                                 "short"]
    assert engine.translate_texts(["Aa bb. Cc dd. Ee ff gg."], "zh") == ["AA BB.CC DD.EE FF GG."]


def test_progress_bar_runs(fake_engine, capsys):
    engine = fake_engine(cache=False)
    engine.progress = True
    assert engine.translate_segments(["x", "y"], "de") == ["X", "Y"]


def test_settings_resolve_for_this_machine():
    s = Settings().resolved()
    assert s.device == "cpu" and s.compute_type == "int8"
    assert s.inter_threads * s.intra_threads <= __import__("os").cpu_count()
    assert Settings(compute_type="float32").resolved().compute_type == "float32"
    with pytest.raises(AblateError, match="exceeds"):
        Settings(inter_threads=64, intra_threads=64).resolved()
    with pytest.raises(AblateError, match="not supported on cpu"):
        Settings(compute_type="int8_float16", device="cpu").resolved()
    with pytest.raises(AblateError, match="Unknown MT device"):
        Settings(device="tpu").resolved()
    assert Settings(beam_size=1).key() != Settings().key()
    assert Settings(max_batch_tokens=64).key() == Settings().key()  # speed knobs do not count
