"""Tokenized training features are cached by content and reused by the next seed and recipe."""

from __future__ import annotations

import json

import pytest

from ablate import tokenized


def _infos(output_dir, kind):
    out = {}
    for entry in (output_dir / "phases" / kind).iterdir():
        meta = json.loads((entry / "entry.json").read_text())
        out[meta["seed"]] = json.loads((entry / "result.json").read_text())["info"]
    return out


def test_second_seed_reuses_the_first_seeds_features(tmp_path, cli):
    res = cli("run", "baseline", "--targets", "xnli", "--preset", "smoke", "--seeds", "1,2", "-o", str(tmp_path),
              "-q", "--set", "compute.precision=bf16", "--set", "compute.attention=eager")
    assert res.code == 0, res.err
    infos = _infos(tmp_path, "finetune")
    assert infos[1]["train_features"] == "built" and infos[2]["train_features"] == "reused"
    assert len(list((tmp_path / "tokenized").iterdir())) == 1
    # the compute settings reached the Trainer and the model of the real phase
    assert infos[1]["compute"]["precision"] == "bf16" and infos[1]["compute"]["attention"] == "eager"
    assert infos[1]["batching"] == "length-grouped"
    # a third seed's plan shows hours measured from the two built fine-tunes (examples/s)
    res = cli("plan", "baseline", "--targets", "xnli", "--preset", "smoke", "--seeds", "3", "-o", str(tmp_path),
              "--set", "compute.precision=bf16", "--set", "compute.attention=eager")
    assert res.code == 0, res.err
    assert "(measured)" in next(line for line in res.out.splitlines() if "finetune:xnli" in line)


def test_key_follows_data_tokenizer_length_and_format_not_paths(tmp_path):
    from ablate.models import build_tiny, load_tokenizer
    from ablate.tasks import classification, tagging

    path = build_tiny("tiny-xlmr")
    tok = load_tokenizer(str(path))
    tok.save_pretrained(tmp_path / "copy")  # an encoder directory holds the same tokenizer
    copy = load_tokenizer(str(tmp_path / "copy"))
    key = tokenized.cache_key(classification, "d1", tok, 64)
    tok(["a b c"], truncation=True, max_length=8)  # a call sets the backend's truncation state
    assert tokenized.cache_key(classification, "d1", tok, 64) == key
    assert tokenized.cache_key(classification, "d1", copy, 64) == key
    assert tokenized.cache_key(classification, "d2", tok, 64) != key
    assert tokenized.cache_key(classification, "d1", tok, 128) != key
    assert tokenized.cache_key(tagging, "d1", tok, 64) != key
    copy.add_tokens(["brandnewtoken"])
    assert tokenized.cache_key(classification, "d1", copy, 64) != key


@pytest.mark.parametrize("task", ["mnli", "squad", "udpos"])
def test_features_built_in_chunks_equal_features_built_at_once(tmp_path, monkeypatch, task):
    from ablate.config import resolve
    from ablate.data.load import load_task_split
    from ablate.models import build_tiny, load_tokenizer
    from ablate.tasks import get_task
    from ablate.tasks.formats import format_of

    spec = get_task(task)
    fmt = format_of(spec)
    rows = load_task_split(spec, "train", resolve("smoke"))
    tok = load_tokenizer(str(build_tiny("tiny-xlmr")))
    whole = fmt.train_features(rows, tok, 64).to_dict()
    chunk = next(c for c in (7, 5, 11) if len(rows) % c)  # several chunks and a short last one
    assert len(rows) > 2 * chunk
    monkeypatch.setattr(tokenized, "CHUNK", chunk)
    chunked, reused = tokenized.train_features(fmt, rows, "d", tok, 64, tmp_path)
    assert not reused and chunked.to_dict() == whole
    assert [p.name for p in tmp_path.iterdir()] == [tokenized.cache_key(fmt, "d", tok, 64)]  # no parts left
