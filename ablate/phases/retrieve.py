"""Retrieval without training (BUCC 2018, Tatoeba): search with the encoder's sentence vectors.

The encoder is the pretrained model (baseline) or phase 2's intermediate-trained encoder. A
sentence vector is the mean over non-pad tokens (special tokens included) of hidden layer L
(`hidden_states[L]`, index 0 = embeddings), L2-normalised; similarity is the cosine (docs/paper.md,
"Retrieval without training"; `ablate.phases.encoder`). Mewsli-X and LAReQA are scored here too
(`ablate.phases.ranked_retrieval`), by default with their fine-tuned dual encoder. Per language it writes `predictions/<split>/<lang>.parquet`
(id, parallel_id, gold, prediction, `u.<stat>`), and metrics from the summed statistics:

- Tatoeba (split "test" = google/xtreme's only split): each English sentence queries the other
  language's sentences; top-1 accuracy. This is XTREME's direction (`run_retrieval.py` calls
  `similarity_search(x=xx, y=en)`, which indexes x and searches with y) and jiant's.
- BUCC 2018: ratio-margin mining (`ablate.metrics.bucc`) on "validation" and "test"; the
  F1-optimal threshold on validation is applied to both; precision/recall/F1 per split, named
  `bucc2018.*` on the full local corpora and `bucc2018_goldonly.*` on google/xtreme's
  gold-pairs-only copy (an easier task, not comparable to published BUCC numbers). Every mined
  candidate pair with its margin score, below the threshold too, goes to
  `candidates/<split>/<lang>.parquet` (for `ablate export xtreme`).

    ablate run baseline --targets bucc2018,tatoeba --preset smoke --seeds 1
"""

from __future__ import annotations

import time

import numpy as np

from ablate.data import bucc as bucc_data
from ablate.data.load import fingerprint, load_task_split
from ablate.errors import AblateError
from ablate.metric_names import metric_key, metric_task
from ablate.metrics import bucc, classification, retrieval
from ablate.phases import PhaseContext, PhaseResult
from ablate.phases.encoder import Encoder, load_encoder
from ablate.phases.ranked_retrieval import RANKED_SCORERS
from ablate.phases.retrieval_results import Scorer, SplitResult
from ablate.store import write_json
from ablate.tasks import get_task

BUCC_K = 4  # neighbours for the ratio margin, both directions (XTREME, LASER)
BUCC_DUPLICATES = "drop"  # XTREME's policy for texts under several ids (jiant: 'all')


def run_retrieve(ctx: PhaseContext) -> PhaseResult:
    spec = get_task(ctx.phase.task, "target")
    if spec.name not in SCORERS:
        raise AblateError(f"Retrieval task '{spec.name}' has no scorer; ablate scores {', '.join(SCORERS)}.")
    scorer = SCORERS[spec.name]
    settings = ctx.phase.settings
    languages = list(settings["languages"])
    encoder, info = load_encoder(ctx, settings["retrieval"])
    search = {"backend": info["search_backend"]}
    started = time.time()
    totals: dict[str, dict[str, np.ndarray]] = {}  # split -> lang -> summed statistics
    fingerprints: dict[str, dict[str, str]] = {}
    sources: dict[str, str] = {}
    details: dict[str, dict] = {}
    artifacts: list[str] = []
    shared = {"shared": scorer.prepare(spec, ctx, encoder, search)} if scorer.prepare else {}
    with ctx.progress.bar(f"  retrieve {spec.name}", total=len(languages)) as bar:
        for lang in languages:
            for res in scorer.score(spec, lang, ctx, encoder, search, **shared):
                path = ctx.out / "predictions" / res.split / f"{lang}.parquet"
                _write_predictions(path, res.columns, res.stats, res.stat_names)
                artifacts.append(str(path.relative_to(ctx.out)))
                if res.candidates is not None:
                    path = ctx.out / "candidates" / res.split / f"{lang}.parquet"
                    _write_predictions(path, res.candidates, np.zeros((len(res.candidates["score"]), 0)), ())
                    artifacts.append(str(path.relative_to(ctx.out)))
                totals.setdefault(res.split, {})[lang] = res.stats.sum(0)
                fingerprints.setdefault(res.split, {})[lang] = res.digest
                sources[res.split] = res.source
                if res.details:
                    details.setdefault(lang, {}).update(res.details)
            bar.advance(1)
    corpora = {d["corpus"] for d in details.values() if "corpus" in d}
    # gold-only BUCC logs as `bucc2018_goldonly.*` so it cannot pass for BUCC 2018, Mewsli-X /
    # LAReQA without their dual-encoder fine-tune as `<task>_untuned.*` (metric_names)
    tuned = "dual_encoder" in settings
    name = metric_task(spec.name, goldonly=corpora == {bucc_data.GOLD_ONLY}, untuned=not tuned)
    metrics: dict[str, float] = {}
    for split, per_lang in totals.items():
        metrics.update(_summaries(name, split, per_lang, scorer.metric.aggregate))
    write_json(ctx.out / "fingerprints.json", fingerprints)
    artifacts.append("fingerprints.json")
    if details:
        write_json(ctx.out / "details.json", details)
        artifacts.append("details.json")
    tags = {f"data.{spec.name}.{split}": _combine(fp) for split, fp in fingerprints.items()}
    tags.update({"retrieval.layer": str(info["layer"]), "retrieval.pooling": encoder.pooling})
    if corpora:
        tags[f"{spec.name}.corpus"] = ",".join(sorted(corpora))
    datasets = [{"name": f"{spec.name}.{split}", "source": sources[split], "digest": tags[f"data.{spec.name}.{split}"],
                 "context": split, "rows": None, "languages": languages} for split in fingerprints]
    info.update({"runtime_s": round(time.time() - started, 3), "languages": languages,
                 "splits": list(totals), "stat_names": list(scorer.metric.stat_names), **scorer.info})
    if spec.train:  # Mewsli-X, LAReQA: say which encoder the numbers are of
        info["fine_tuning"] = (f"XTREME-R's dual encoder, fine-tuned by {ctx.phase.inputs[0]}" if tuned else
                               f"none (retrieval_finetune = false): logged as {name}, not comparable to XTREME-R")
    if details:
        info["per_language"] = details
    return PhaseResult(metrics=metrics, tags=tags, datasets=datasets, artifacts=artifacts, info=info)


def _on_device(emb: np.ndarray, search: dict):
    """Embeddings where the search runs: a CUDA tensor for the torch backend, else numpy."""
    if search["backend"] == "torch":
        import torch

        return torch.as_tensor(emb, device="cuda")
    return emb


# --- per-task scoring -------------------------------------------------------------------------

def _tatoeba(spec, lang: str, ctx: PhaseContext, encode: Encoder, search: dict) -> list[SplitResult]:
    """Per English sentence: the nearest sentence of `lang`; correct when it is its translation."""
    ds = load_task_split(spec, "test", ctx.cfg, lang)
    if ctx.phase.settings["max_examples"]:
        ds = ds.select(range(min(ctx.phase.settings["max_examples"], len(ds))))
    other = [s.strip() for s in ds["source"]]  # google/xtreme keeps the files' trailing newlines
    english = [s.strip() for s in ds["target"]]
    other_emb, english_emb = encode(other), encode(english)
    predicted = retrieval.tatoeba_predictions(_on_device(other_emb, search), _on_device(english_emb, search), **search)
    gold = np.arange(len(english))
    columns = {"id": list(ds["id"]), "parallel_id": list(ds["parallel_id"]), "query": english,
               "gold": gold, "prediction": predicted, "retrieved": [other[i] for i in predicted]}
    stats = classification.stats(predicted.tolist(), gold.tolist())  # per English sentence (correct, n)
    return [SplitResult("test", columns, stats, tuple(retrieval.stat_names), fingerprint(ds),
                        spec.evaluation["test"].for_lang(lang).describe())]


def _bucc(spec, lang: str, ctx: PhaseContext, encode: Encoder, search: dict) -> list[SplitResult]:
    """Mine validation and test; the F1-optimal validation threshold is applied to both."""
    splits = {split: _bucc_split(spec, split, ctx, lang) for split in ("validation", "test")}
    candidates = {}
    for split, data in splits.items():
        candidates[split] = bucc.candidates(
            data.src_ids, data.src_texts, _on_device(encode(data.src_texts), search),
            data.trg_ids, data.trg_texts, _on_device(encode(data.trg_texts), search),
            k=BUCC_K, duplicates=BUCC_DUPLICATES, **search,
        )
    threshold = bucc.optimize_threshold(candidates["validation"], splits["validation"].gold)
    out = []
    for split, data in splits.items():
        predicted = bucc.extract(candidates[split], threshold)
        stats = bucc.stats(predicted, data.gold, data.src_ids)
        gold_of: dict[str, list[str]] = {}
        pred_of: dict[str, list[str]] = {}
        for s, t in sorted(data.gold):
            gold_of.setdefault(s, []).append(t)
        for s, t in sorted(predicted):
            pred_of.setdefault(s, []).append(t)
        ids = [f"{lang}:{s}" for s in data.src_ids]
        columns = {
            "id": ids, "parallel_id": ids, "source_id": list(data.src_ids),
            "gold": [gold_of.get(s, []) for s in data.src_ids],
            "prediction": [pred_of.get(s, []) for s in data.src_ids],
            "score": [max((candidates[split][(s, t)] for t in pred_of.get(s, [])), default=float("nan"))
                      for s in data.src_ids],
        }
        source = (data.origin if data.corpus == bucc_data.FULL
                  else f"{spec.evaluation[split].describe()} ({bucc_data.GOLD_ONLY})")
        details = {"threshold": threshold, "corpus": data.corpus,
                   f"{split}.sizes": {"source": len(data.src_ids), "english": len(data.trg_ids),
                                      "gold": len(data.gold), "candidates": len(candidates[split])}}
        mined = sorted(candidates[split].items(), key=lambda item: -item[1])
        table = {"source_id": [s for (s, _), _ in mined], "target_id": [t for (_, t), _ in mined],
                 "score": [score for _, score in mined],
                 "predicted": [score >= threshold for _, score in mined]}
        out.append(SplitResult(split, columns, stats, tuple(bucc.stat_names), data.digest(), source, details,
                               table))
    return out


def _bucc_split(spec, split: str, ctx: PhaseContext, lang: str) -> bucc_data.BuccSplit:
    """The full local corpus when `--data-dir` holds `bucc2018/` (unless `--data fixtures`),
    else google/xtreme's gold pairs; `max_examples` caps either (`BuccSplit.capped`)."""
    cap = ctx.phase.settings["max_examples"]
    if ctx.cfg.data != "fixtures" and bucc_data.has_local(ctx.cfg.data_dir):
        return bucc_data.read_split(ctx.cfg.data_dir, lang, split).capped(cap)
    ds = load_task_split(spec, split, ctx.cfg, lang)
    if cap:
        ds = ds.select(range(min(cap, len(ds))))
    return bucc_data.from_pairs(ds["source_id"], ds["source"], ds["target_id"], ds["target"],
                                spec.evaluation[split].for_lang(lang).describe())


SCORERS = {
    "tatoeba": Scorer(_tatoeba, retrieval, {
        "direction": "en->xx: each English sentence queries the other language's sentences "
                     "(XTREME run_retrieval.py, jiant)", "metric": "top-1 accuracy"}),
    "bucc2018": Scorer(_bucc, bucc, {
        "k": BUCC_K, "duplicates": BUCC_DUPLICATES, "margin": "ratio",
        "threshold": "F1-optimal on validation (BUCC sample), applied to test"}),
    **RANKED_SCORERS,  # Mewsli-X, LAReQA (XTREME-R)
}
SCORERS["tatoeba_xr"] = SCORERS["tatoeba"]  # XTREME-R's language set, scored the same way


# --- output -----------------------------------------------------------------------------------

def _summaries(task: str, split: str, per_lang: dict[str, np.ndarray], aggregate) -> dict[str, float]:
    """Per-language metrics and their unweighted mean over languages (XTREME's average)."""
    out: dict[str, float] = {}
    values: dict[str, list[float]] = {}
    for lang, totals in per_lang.items():
        for name, value in aggregate(totals).items():
            out[metric_key(task, lang, name, split)] = float(value)
            values.setdefault(name, []).append(float(value))
    for name, vals in values.items():
        out[metric_key(task, "avg", name, split)] = float(np.mean(vals))
    return out


def _combine(per_lang: dict[str, str]) -> str:
    import hashlib
    import json

    return hashlib.sha256(json.dumps(per_lang, sort_keys=True).encode()).hexdigest()[:16]


def _write_predictions(path, columns: dict, stats: np.ndarray, stat_names) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    table = {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in columns.items()}
    for j, name in enumerate(stat_names):
        table[f"u.{name}"] = stats[:, j]
    pq.write_table(pa.table(table), path)
