"""Translation cache: warm reruns, invalidation, corrupt shards, resume after a kill."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from ablate.mt.cache import TranslationCache
from ablate.mt.translate import MTEngine, Settings
from .fakes import FakeBackend

SEGMENTS = [f"sentence number {i}." for i in range(25)]


def _shards(root: Path) -> list[Path]:
    return sorted(root.glob("*/*/shard-*.jsonl"))


def test_warm_rerun_calls_translator_zero_times(tmp_path):
    first = MTEngine(FakeBackend(), Settings(shard_size=10), cache_dir=tmp_path)
    out1 = first.translate_segments(SEGMENTS, "de")
    assert len(first.backend.calls) == 3  # 25 segments / 10 per shard
    warm = MTEngine(FakeBackend(), Settings(shard_size=10), cache_dir=tmp_path)
    assert warm.translate_segments(SEGMENTS, "de") == out1
    assert warm.backend.calls == []
    assert warm.last.reused == 25 and warm.last.translated == 0


def test_model_settings_language_or_data_change_invalidates(tmp_path):
    def run(key="m@main", lang="de", segments=SEGMENTS, **settings):
        engine = MTEngine(FakeBackend(model_key=key), Settings(shard_size=10, **settings),
                          cache_dir=tmp_path)
        engine.translate_segments(segments, lang)
        return len(engine.backend.translated)

    assert run() == 25
    assert run() == 0
    assert run(key="other@main") == 25  # model changed
    assert run(key="m@v2") == 25  # revision changed
    assert run(beam_size=4) == 25  # output-changing setting
    assert run(lang="fr") == 25
    assert run(segments=SEGMENTS + ["new one."]) == 26  # source data changed
    assert run(max_batch_tokens=128) == 0  # speed-only setting: still cached


def test_corrupt_or_partial_shard_is_detected_and_redone(tmp_path):
    engine = MTEngine(FakeBackend(), Settings(shard_size=10), cache_dir=tmp_path)
    expected = engine.translate_segments(SEGMENTS, "de")
    shards = _shards(tmp_path)
    assert len(shards) == 3
    shards[0].write_bytes(shards[0].read_bytes().replace(b"SENTENCE", b"GARBAGE!"))  # corrupt
    shards[1].write_bytes(b"\n".join(shards[1].read_bytes().splitlines()[:4]))  # truncated
    shards[2].with_suffix(".json").unlink()  # manifest lost (killed between the two renames)
    again = MTEngine(FakeBackend(), Settings(shard_size=10), cache_dir=tmp_path)
    assert again.translate_segments(SEGMENTS, "de") == expected
    assert len(again.backend.calls) == 3
    assert again.last.cache.shards_redone == 3
    third = MTEngine(FakeBackend(), Settings(shard_size=10), cache_dir=tmp_path)
    assert third.translate_segments(SEGMENTS, "de") == expected and third.backend.calls == []


def test_a_shard_of_another_entry_is_not_accepted(tmp_path):
    cache = TranslationCache(tmp_path, shard_size=10)
    segs = ["a", "b"]
    out, _ = cache.get_or_translate(segs, "de", "m", "s", lambda c: [x.upper() for x in c])
    entry = next(tmp_path.glob("de/*"))
    rows = (entry / "shard-00000.jsonl").read_text().replace('"t": "A"', '"t": "Z"')
    (entry / "shard-00000.jsonl").write_text(rows)  # edited without fixing the checksum
    calls = []
    out2, rep = cache.get_or_translate(segs, "de", "m", "s",
                                       lambda c: calls.append(c) or [x.upper() for x in c])
    assert out2 == ["A", "B"] and calls == [["a", "b"]] and rep.shards_redone == 1


KILLED_RUN = textwrap.dedent("""
    import os, signal, sys
    sys.path[:0] = [{root!r}, {here!r}]
    from ablate.mt.translate import MTEngine, Settings
    from fakes import FakeBackend

    def die_after_two(n, rows):
        if n == 1:
            os.kill(os.getpid(), signal.SIGKILL)  # no cleanup, like a crash or OOM kill

    engine = MTEngine(FakeBackend(), Settings(shard_size=10), cache_dir={cache!r},
                      on_shard=die_after_two)
    engine.translate_segments([f"sentence number {{i}}." for i in range(25)], "de")
    print("not reached")
""")


def test_resume_after_killed_process(tmp_path):
    cache = tmp_path / "cache"
    root = str(Path(__file__).resolve().parents[2])
    script = KILLED_RUN.format(root=root, here=str(Path(__file__).parent), cache=str(cache))
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=root, env={**os.environ, "PYTHONPATH": root})
    assert proc.returncode == -9, proc.stderr
    assert "not reached" not in proc.stdout
    assert len(_shards(cache)) == 2  # two shards made it to disk before the kill

    resumed = MTEngine(FakeBackend(), Settings(shard_size=10), cache_dir=cache)
    out = resumed.translate_segments(SEGMENTS, "de")
    assert resumed.backend.translated == SEGMENTS[20:]  # only the missing shard
    clean = MTEngine(FakeBackend(), Settings(shard_size=10), cache_dir=tmp_path / "clean")
    assert out == clean.translate_segments(SEGMENTS, "de")
    rows = [json.loads(line) for f in _shards(cache) for line in f.read_text().splitlines()]
    assert sorted(r["i"] for r in rows) == list(range(25))  # no duplicate, no missing row
    leftovers = [p for p in cache.rglob(".*") if p.is_file()]
    assert leftovers == []  # no temp files left next to the shards
