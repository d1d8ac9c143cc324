"""Retrieval targets (BUCC 2018, Tatoeba): layer rule, planted pairs, the local BUCC reader,
and both recipes end to end with the tiny model (no network, no GPU)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from ablate import languages as L
from ablate.errors import AblateError
from ablate.phases.encoder import auto_layer, resolve_layer

# Distinct sentences (English side of the Tatoeba fixtures) for planted pairs.
_FIXTURES = Path(__file__).resolve().parents[2] / "ablate" / "fixtures" / "data" / "google__xtreme"


def _sentences(n: int) -> list[str]:
    rows = [json.loads(line) for line in (_FIXTURES / "tatoeba.deu" / "validation.jsonl").read_text().splitlines()]
    texts = list(dict.fromkeys(r["target_sentence"].strip() for r in rows))
    assert len(texts) >= n
    return texts[:n]


@pytest.fixture(scope="module", autouse=True)
def ablate_cache(tmp_path_factory):
    """The tiny model is built once, outside the user's cache. One torch thread: the tiny model's
    batches are too small to gain from more, and on a busy CPU extra threads only contend."""
    import torch

    old, threads = os.environ.get("ABLATE_CACHE"), torch.get_num_threads()
    os.environ["ABLATE_CACHE"] = str(tmp_path_factory.mktemp("ablate-cache"))
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
    if old is None:
        os.environ.pop("ABLATE_CACHE", None)
    else:
        os.environ["ABLATE_CACHE"] = old


def _context(tmp_path: Path, task: str, languages, **overrides):
    """A PhaseContext for `retrieve:<task>` on the baseline tiny model, restricted to `languages`."""
    from ablate import phases_plan
    from ablate.config import resolve
    from ablate.phases import PhaseContext
    from ablate.plan import Phase
    from ablate.progress import Progress

    cfg = resolve("smoke", None, {"device": "cpu", **overrides})
    planned = phases_plan.target(cfg, task)[0]
    phase = Phase(name=planned.name, kind=planned.kind, task=task, inputs=(),
                  settings={**planned.settings, "languages": list(languages)}, seeded=False)
    out = tmp_path / "out"
    out.mkdir(parents=True)
    return PhaseContext(cfg=cfg, phase=phase, seed=1, inputs={}, out=out, log=lambda m, s: None,
                        progress=Progress(enabled=False))


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


# --- layer rule -------------------------------------------------------------------------------

@pytest.mark.parametrize("depth, layer", [(24, 14), (12, 7), (2, 1), (1, 1), (6, 4), (18, 11), (32, 19)])
def test_auto_layer_scales_the_papers_block_14_of_24(depth, layer):
    assert auto_layer(depth) == layer


def test_resolve_layer_accepts_auto_and_integers_in_range():
    assert resolve_layer("auto", 24) == 14
    assert resolve_layer(3, 12) == 3
    assert resolve_layer("5", 12) == 5  # --set retrieval.layer=5
    assert resolve_layer(0, 2) == 0  # the embedding layer's output
    for bad in (3, -1, True, "last", 1.5):
        with pytest.raises(AblateError, match="from 0 \\(embeddings\\) to 2"):
            resolve_layer(bad, 2)


# --- planted pairs through the phase --------------------------------------------------------

def test_tatoeba_finds_identical_sentences(tmp_path):
    from ablate.phases.retrieve import run_retrieve

    texts = _sentences(12)
    for lang in ("de", "fr"):
        code = L.TATOEBA_CODES[lang]
        # Source side with the trailing newline google/xtreme keeps: stripping makes them identical.
        rows = [{"source_sentence": t + "\n", "target_sentence": t, "source_lang": code, "target_lang": "eng"}
                for t in texts]
        _write_jsonl(tmp_path / "data" / "google__xtreme" / f"tatoeba.{code}" / "validation.jsonl", rows)
    ctx = _context(tmp_path, "tatoeba", ["de", "fr"], data="hub", data_dir=str(tmp_path / "data"))
    result = run_retrieve(ctx)
    assert result.metrics["tatoeba.de.accuracy"] == 100.0
    assert result.metrics["tatoeba.fr.accuracy"] == 100.0
    assert result.metrics["tatoeba.avg.accuracy"] == 100.0
    assert result.tags["retrieval.layer"] == "1"  # auto on the 2-layer tiny model
    assert set(result.tags) >= {"data.tatoeba.test", "retrieval.pooling"}
    assert result.info["layer"] == 1 and result.info["pooling"].startswith("mean")

    import pyarrow.parquet as pq

    table = pq.read_table(ctx.out / "predictions" / "test" / "de.parquet").to_pydict()
    assert table["prediction"] == table["gold"] == list(range(12))
    assert table["u.correct"] == [1] * 12 and table["u.n"] == [1] * 12
    assert table["id"][0] == "de:0"


def test_bucc_mines_identical_sentences_with_f1_100(tmp_path):
    from ablate.phases.retrieve import run_retrieve

    texts = _sentences(10)
    # Same content in validation and test (different ids), so the dev threshold fits test exactly.
    for split, offset in (("validation", 0), ("test", 500)):
        rows = [{"source_sentence": t, "target_sentence": t, "source_lang": f"de-{offset + i:09d}",
                 "target_lang": f"en-{offset + 37 * i % 97:09d}"} for i, t in enumerate(texts)]
        _write_jsonl(tmp_path / "data" / "google__xtreme" / "bucc18.de" / f"{split}.jsonl", rows)
    ctx = _context(tmp_path, "bucc2018", ["de"], data="hub", data_dir=str(tmp_path / "data"))
    result = run_retrieve(ctx)
    m = result.metrics
    # the Hub copy is gold pairs only: named so it cannot pass for BUCC 2018
    assert m["bucc2018_goldonly.de.f1"] == m["bucc2018_goldonly.de.precision"] == 100.0
    assert m["bucc2018_goldonly.de.recall"] == 100.0
    assert m["dev.bucc2018_goldonly.de.f1"] == 100.0 and m["bucc2018_goldonly.avg.f1"] == 100.0
    assert not any(k.startswith(("bucc2018.", "dev.bucc2018.")) for k in m)
    assert result.tags["bucc2018.corpus"] == "bucc18-goldonly"
    assert {"data.bucc2018.validation", "data.bucc2018.test"} <= set(result.tags)
    assert {d["context"] for d in result.datasets} == {"validation", "test"}

    import pyarrow.parquet as pq

    table = pq.read_table(ctx.out / "predictions" / "test" / "de.parquet").to_pydict()
    assert table["prediction"] == table["gold"]
    assert sum(table["u.tp"]) == sum(table["u.n_gold"]) == 10


def test_bucc_threshold_and_stats_equal_the_reference_evaluate(tmp_path, monkeypatch):
    """The phase mines each split once; its result must equal `ablate.metrics.bucc.evaluate`."""
    from ablate.data.bucc import from_pairs
    from ablate.metrics import bucc
    from ablate.phases import retrieve
    from ablate.tasks import get_task

    rng = np.random.default_rng(0)
    vectors: dict[str, np.ndarray] = {}

    def encode(texts):  # noisy planted pairs: "x" and "x'" are near each other
        out = []
        for t in texts:
            key = t.rstrip("'")
            base = vectors.setdefault(key, rng.normal(size=16))
            out.append(base + (rng.normal(scale=0.6, size=16) if t.endswith("'") else 0))
        return np.asarray(out)

    data = {}
    for split, n in (("validation", 30), ("test", 40)):
        words = [f"{split}{i}" for i in range(n)]
        data[split] = from_pairs([f"de-{i}" for i in range(n)], words, [f"en-{i}" for i in range(n)],
                                 [w + "'" for w in words], "planted")
    ctx = _context(tmp_path, "bucc2018", ["de"])
    monkeypatch.setattr(retrieve, "_bucc_split", lambda spec, split, ctx, lang: data[split])
    emb = {(s, side): encode(getattr(d, f"{side}_texts")) for s, d in data.items() for side in ("src", "trg")}
    cached = iter([emb[("validation", "src")], emb[("validation", "trg")], emb[("test", "src")], emb[("test", "trg")]])
    results = retrieve._bucc(get_task("bucc2018"), "de", ctx, lambda texts: next(cached), {"backend": "numpy"})
    split = {s: bucc.Split(d.src_ids, d.src_texts, emb[(s, "src")], d.trg_ids, d.trg_texts, emb[(s, "trg")], d.gold)
             for s, d in data.items()}
    reference = bucc.evaluate(split["validation"], split["test"])
    test = next(r for r in results if r.split == "test")
    dev = next(r for r in results if r.split == "validation")
    assert test.details["threshold"] == pytest.approx(reference.threshold)
    np.testing.assert_array_equal(test.stats, reference.stats)
    assert bucc.aggregate(dev.stats.sum(0))["f1"] == pytest.approx(reference.dev_f1)
    assert 0 < bucc.aggregate(test.stats.sum(0))["f1"] < 100  # a non-trivial case
    # every mined candidate with its score is kept, below the threshold too
    mined = bucc.candidates(data["test"].src_ids, data["test"].src_texts, emb[("test", "src")],
                            data["test"].trg_ids, data["test"].trg_texts, emb[("test", "trg")])
    table = test.candidates
    assert dict(zip(zip(table["source_id"], table["target_id"]), table["score"])) == mined
    assert table["predicted"] == [score >= reference.threshold for score in table["score"]]
    assert 0 < sum(table["predicted"]) < len(mined)  # some candidates lie below the threshold


# --- the encoder --------------------------------------------------------------------------------

def test_dropping_unused_blocks_leaves_the_pooled_layer_unchanged(tmp_path):
    from ablate.models import build_tiny, load_tokenizer, load_with_head
    from ablate.phases.encoder import Encoder, _truncate

    path = str(build_tiny("tiny-xlmr"))
    texts = _sentences(7) + ["", "a much longer sentence " * 30]
    embeddings = []
    for truncate in (False, True):
        model = load_with_head(path, "encoder", seed=1, output_hidden_states=True).eval()
        if truncate:
            assert _truncate(model, 1) and len(model.encoder.layer) == 1
        encode = Encoder(model, load_tokenizer(path), layer=1, max_length=64, batch_size=3, device="cpu")
        embeddings.append(encode(texts))
    np.testing.assert_allclose(embeddings[0], embeddings[1], atol=1e-6)
    assert embeddings[0].shape == (9, 64)
    np.testing.assert_allclose(np.linalg.norm(embeddings[0], axis=1), 1.0, rtol=1e-5)


def test_batching_by_length_does_not_change_embeddings(tmp_path):
    from ablate.models import build_tiny, load_tokenizer, load_with_head
    from ablate.phases.encoder import Encoder

    path = str(build_tiny("tiny-xlmr"))
    model = load_with_head(path, "encoder", seed=1).eval()
    texts = _sentences(9)
    one = Encoder(model, load_tokenizer(path), 2, 64, 1, "cpu")(texts)
    many = Encoder(model, load_tokenizer(path), 2, 64, 4, "cpu")(texts)
    np.testing.assert_allclose(one, many, atol=1e-5)


def test_explicit_layer_is_used_and_validated(tmp_path):
    from ablate.phases.retrieve import run_retrieve

    ctx = _context(tmp_path, "tatoeba", ["de"], retrieval={"layer": 2})
    result = run_retrieve(ctx)
    assert result.tags["retrieval.layer"] == "2" and result.info["blocks_run"] == 2
    ctx = _context(tmp_path / "b", "tatoeba", ["de"], retrieval={"layer": 7})
    with pytest.raises(AblateError, match="retrieval.layer=7 is not valid for a model with 2"):
        run_retrieve(ctx)


# --- the local full BUCC corpus -----------------------------------------------------------------

def _write_bucc(root: Path, lang: str, part: str, src: dict, trg: dict, gold: list) -> None:
    base = root / "bucc2018" / f"{lang}-en"
    base.mkdir(parents=True, exist_ok=True)
    (base / f"{lang}-en.{part}.{lang}").write_text("".join(f"{i}\t{t}\n" for i, t in src.items()), encoding="utf-8")
    (base / f"{lang}-en.{part}.en").write_text("".join(f"{i}\t{t}\n" for i, t in trg.items()), encoding="utf-8")
    (base / f"{lang}-en.{part}.gold").write_text("".join(f"{s}\t{t}\n" for s, t in gold), encoding="utf-8")


def test_local_bucc_reader_parses_the_documented_format(tmp_path):
    from ablate.data.bucc import FULL, has_local, read_split

    _write_bucc(tmp_path, "de", "sample",
                {"de-000000001": "Ein Satz.", "de-000000002": "Noch einer mit\tTab ", "de-000000003": "Ablenkung"},
                {"en-000000007": "A sentence.", "en-000000008": "Another one", "en-000000009": "Distractor"},
                [("de-000000001", "en-000000007"), ("de-000000002", "en-000000008")])
    _write_bucc(tmp_path, "de", "training", {"de-1": "x"}, {"en-1": "x"}, [("de-1", "en-1")])
    assert has_local(tmp_path) and not has_local(tmp_path / "nowhere") and not has_local(None)
    dev = read_split(tmp_path, "de", "validation")
    assert dev.src_ids == ("de-000000001", "de-000000002", "de-000000003")
    assert dev.src_texts[1] == "Noch einer mit\tTab"  # only the first tab separates the id
    assert dev.trg_texts == ("A sentence.", "Another one", "Distractor")
    assert dev.gold == {("de-000000001", "en-000000007"), ("de-000000002", "en-000000008")}
    assert dev.corpus == FULL
    test = read_split(tmp_path, "de", "test")  # no `test` files: the original archives' `training`
    assert test.gold == {("de-1", "en-1")} and test.origin.endswith("de-en.training")
    capped = dev.capped(1)
    assert capped.gold == {("de-000000001", "en-000000007")}
    assert capped.src_ids == ("de-000000001",) and capped.trg_ids == ("en-000000007",)
    assert dev.digest() != capped.digest()


def test_local_bucc_reader_errors_name_the_problem(tmp_path):
    from ablate.data.bucc import read_split

    with pytest.raises(AblateError, match=r"de-en\.sample\.\{de,en,gold\}"):
        read_split(tmp_path, "de", "validation")
    _write_bucc(tmp_path, "fr", "sample", {"fr-1": "a"}, {"en-1": "a"}, [("en-1", "fr-1")])
    with pytest.raises(AblateError, match="first column must be the non-English id"):
        read_split(tmp_path, "fr", "validation")
    _write_bucc(tmp_path, "ru", "sample", {"ru-1": "a"}, {"en-1": "a"}, [("ru-1", "en-1")])
    (tmp_path / "bucc2018" / "ru-en" / "ru-en.sample.ru").write_text("no tab here\n", encoding="utf-8")
    with pytest.raises(AblateError, match="line 1: expected 'id<TAB>sentence'"):
        read_split(tmp_path, "ru", "validation")


def test_phase_mines_the_local_full_corpus_with_distractors(tmp_path):
    from ablate.phases.retrieve import run_retrieve

    texts = _sentences(20)
    gold_texts, distractors = texts[:8], texts[8:]
    for part in ("sample", "test"):
        src = {f"de-{i}": t for i, t in enumerate(gold_texts)} | {f"de-{100 + i}": t for i, t in enumerate(distractors[:6])}
        trg = {f"en-{i}": t for i, t in enumerate(gold_texts)} | {f"en-{100 + i}": t for i, t in enumerate(distractors[6:])}
        _write_bucc(tmp_path / "data", "de", part, src, trg, [(f"de-{i}", f"en-{i}") for i in range(8)])
    ctx = _context(tmp_path, "bucc2018", ["de"], data="hub", data_dir=str(tmp_path / "data"), max_eval_examples=0)
    result = run_retrieve(ctx)
    assert result.tags["bucc2018.corpus"] == "bucc18-full"
    sizes = result.info["per_language"]["de"]["test.sizes"]
    assert (sizes["source"], sizes["english"], sizes["gold"]) == (14, 14, 8)
    assert not any("goldonly" in k for k in result.metrics)
    assert result.metrics["bucc2018.de.recall"] == 100.0  # every planted pair is mined
    assert 0 < result.metrics["bucc2018.de.precision"] <= 100.0
    assert all("bucc2018/de-en" in d["source"] for d in result.datasets)


# --- end to end -------------------------------------------------------------------------------

def _parent_metrics(out: Path) -> dict[str, float]:
    import mlflow

    client = mlflow.MlflowClient(f"sqlite:///{out / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("ablate")
    runs = client.search_runs([experiment.experiment_id], "tags.kind = 'run'")
    assert len(runs) == 1
    return runs[0].data.metrics


def _cli(*args: str) -> None:
    from typer.testing import CliRunner

    from ablate.cli import app

    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, (result.output, result.exception)


def test_baseline_retrieval_end_to_end(tmp_path):
    _cli("run", "baseline", "--targets", "bucc2018,tatoeba", "--preset", "smoke", "--seeds", "1",
         "-o", str(tmp_path), "-q")
    metrics = _parent_metrics(tmp_path)
    for lang in L.TATOEBA:
        assert 0 <= metrics[f"tatoeba.{lang}.accuracy"] <= 100
    for lang in L.BUCC:  # the fixtures hold the Hub's gold-pairs-only copy
        assert 0 <= metrics[f"bucc2018_goldonly.{lang}.f1"] <= 100
        assert f"dev.bucc2018_goldonly.{lang}.f1" in metrics
    assert len(L.TATOEBA) == 36 and "tatoeba.avg.accuracy" in metrics


def test_stilts_encoder_feeds_tatoeba_end_to_end(tmp_path):
    _cli("run", "stilts", "--task", "mnli", "--targets", "tatoeba", "--preset", "smoke", "--seeds", "1",
         "-o", str(tmp_path), "-q")
    metrics = _parent_metrics(tmp_path)
    assert all(f"tatoeba.{lang}.accuracy" in metrics for lang in L.TATOEBA)
    results = list((tmp_path / "phases" / "retrieve").glob("*/result.json"))
    assert len(results) == 1
    info = json.loads(results[0].read_text())["info"]
    assert info["started_from"] == "intermediate:mnli" and info["model_path"].endswith("encoder")
