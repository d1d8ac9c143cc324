"""Zero-shot evaluation: the fine-tuned model on every language and split of a target task.

For each (split, language) it writes `predictions/<split>/<lang>.parquet` — example id,
parallel id, gold, prediction and the per-example sufficient statistics `u.<name>` — and
reports metrics computed from the summed statistics, so a metric always re-derives from its
records.
"""

from __future__ import annotations

import json
import time

import numpy as np

from ablate.data.load import fingerprint, load_task_split
from ablate.metric_names import metric_key
from ablate.models import load_tokenizer, load_with_head
from ablate.phases import PhaseContext, PhaseResult
from ablate.store import write_json
from ablate.tasks import get_task
from ablate.tasks.formats import format_of


def run_evaluate(ctx: PhaseContext) -> PhaseResult:
    import torch

    spec = get_task(ctx.phase.task, "target")
    fmt = format_of(spec)
    model_dir = ctx.inputs[ctx.phase.inputs[0]] / "model"
    tokenizer = load_tokenizer(str(model_dir))
    model = load_with_head(str(model_dir), fmt.HEAD, seed=ctx.seed, **fmt.head_kwargs(spec))
    use_cuda = ctx.cfg.device == "cuda" or (ctx.cfg.device == "auto" and torch.cuda.is_available())
    device = torch.device("cuda" if use_cuda else "cpu")
    model.to(device).eval()

    settings = ctx.phase.settings
    languages, splits = list(settings["languages"]), list(settings["splits"])
    metrics: dict[str, float] = {}
    fingerprints: dict[str, dict[str, str]] = {}
    datasets = []
    artifacts = []
    started = time.time()
    with ctx.progress.bar(f"  evaluate {spec.name}", total=len(languages) * len(splits)) as bar:
        for split in splits:
            per_split: dict[str, np.ndarray] = {}
            fingerprints[split] = {}
            for lang in languages:
                ds = load_task_split(spec, split, ctx.cfg, lang)
                if settings["max_examples"]:
                    ds = ds.select(range(min(settings["max_examples"], len(ds))))
                fingerprints[split][lang] = fingerprint(ds)
                logits = _logits(model, tokenizer, fmt.encode(ds, tokenizer, settings["max_seq_length"]),
                                 ctx.cfg.eval_batch_size, device)
                gold = np.asarray(ds["label"])
                pred = fmt.predict(logits)
                stats = fmt.example_stats(gold, pred, spec)
                path = ctx.out / "predictions" / split / f"{lang}.parquet"
                _write_predictions(path, ds, gold, pred, stats, fmt.stat_names(spec))
                artifacts.append(str(path.relative_to(ctx.out)))
                per_split[lang] = stats.sum(0)
                bar.advance(1)
            metrics.update(_summaries(spec.name, split, per_split, fmt, spec))
            combined = _combine(fingerprints[split])
            datasets.append({"name": f"{spec.name}.{split}", "source": spec.evaluation[split].describe(),
                             "digest": combined, "context": split,
                             "rows": None, "languages": languages})
    write_json(ctx.out / "fingerprints.json", fingerprints)
    artifacts.append("fingerprints.json")
    tags = {f"data.{spec.name}.{split}": _combine(fp) for split, fp in fingerprints.items()}
    info = {"runtime_s": round(time.time() - started, 3), "languages": languages, "splits": splits,
            "stat_names": list(fmt.stat_names(spec)), "metrics": list(fmt.METRICS)}
    return PhaseResult(metrics=metrics, tags=tags, datasets=datasets, artifacts=artifacts, info=info)


def _summaries(task: str, split: str, per_lang: dict[str, np.ndarray], fmt, spec) -> dict[str, float]:
    """Per-language metrics and their unweighted mean over languages (XTREME's average)."""
    out: dict[str, float] = {}
    values: dict[str, list[float]] = {m: [] for m in fmt.METRICS}
    for lang, totals in per_lang.items():
        for name, value in fmt.aggregate(totals, spec).items():
            out[metric_key(task, lang, name, split)] = float(value)
            values[name].append(float(value))
    for name, vals in values.items():
        out[metric_key(task, "avg", name, split)] = float(np.mean(vals))
    return out


def _combine(per_lang: dict[str, str]) -> str:
    import hashlib

    return hashlib.sha256(json.dumps(per_lang, sort_keys=True).encode()).hexdigest()[:16]


def _logits(model, tokenizer, enc, batch_size: int, device) -> np.ndarray:
    """Batched forward passes, longest-first so padding is small; returns rows in input order."""
    import torch
    from transformers import DataCollatorWithPadding

    collate = DataCollatorWithPadding(tokenizer)
    rows = [{k: v for k, v in r.items() if k != "labels"} for r in enc]
    order = np.argsort([-len(r["input_ids"]) for r in rows], kind="stable")
    out: list[np.ndarray] = [None] * len(rows)  # type: ignore[list-item]
    with torch.inference_mode():
        for start in range(0, len(rows), batch_size):
            idx = order[start:start + batch_size]
            batch = {k: v.to(device) for k, v in collate([rows[i] for i in idx]).items()}
            logits = model(**batch).logits.float().cpu().numpy()
            for j, i in enumerate(idx):
                out[i] = logits[j]
    return np.stack(out) if out else np.zeros((0, model.config.num_labels))


def _write_predictions(path, ds, gold, pred, stats, stat_names) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    table = {"id": ds["id"], "parallel_id": ds["parallel_id"], "gold": gold.astype(np.int64),
             "prediction": np.asarray(pred).astype(np.int64)}
    for j, name in enumerate(stat_names):
        table[f"u.{name}"] = stats[:, j]
    pq.write_table(pa.table(table), path)
