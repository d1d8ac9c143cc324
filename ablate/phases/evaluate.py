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
from ablate.phases.scoring import score
from ablate.store import write_json
from ablate.tasks import get_task
from ablate.tasks.formats import format_of


def run_evaluate(ctx: PhaseContext) -> PhaseResult:
    import torch

    spec = get_task(ctx.phase.task, "target")
    fmt = format_of(spec)
    model_dir = ctx.inputs[ctx.phase.inputs[0]] / "model"
    trust = ctx.cfg.trust_remote_code
    tokenizer = load_tokenizer(str(model_dir), trust_remote_code=trust)
    model = load_with_head(str(model_dir), fmt.HEAD, seed=ctx.seed, trust_remote_code=trust, **fmt.head_kwargs(spec))
    use_cuda = ctx.cfg.device == "cuda" or (ctx.cfg.device == "auto" and torch.cuda.is_available())
    device = torch.device("cuda" if use_cuda else "cpu")
    model.to(device).eval()

    settings = ctx.phase.settings
    languages = list(settings["languages"])
    # a task may lack a split (XQuAD, TyDiQA-GoldP have one labelled split, evaluated as test)
    splits = [s for s in settings["splits"] if s in spec.evaluation]
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
                if (split, lang) in spec.unavailable:
                    bar.advance(1)
                    continue
                ds = load_task_split(spec, split, ctx.cfg, lang)
                if settings["max_examples"]:
                    ds = ds.select(range(min(settings["max_examples"], len(ds))))
                fingerprints[split][lang] = fingerprint(ds)
                predictions, stats = score(model, tokenizer, fmt, spec, ds, lang, settings["max_seq_length"],
                                           ctx.cfg.eval_batch_size, device)
                path = ctx.out / "predictions" / split / f"{lang}.parquet"
                _write_predictions(path, ds, fmt.prediction_columns(ds, predictions, spec), stats, fmt.stat_names(spec))
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
            "stat_names": list(fmt.stat_names(spec)), "metrics": [m for m in fmt.METRICS if any(k.endswith(f".{m}") for k in metrics)]}
    return PhaseResult(metrics=metrics, tags=tags, datasets=datasets, artifacts=artifacts, info=info)


def _summaries(task: str, split: str, per_lang: dict[str, np.ndarray], fmt, spec) -> dict[str, float]:
    """Per-language metrics and their unweighted mean over languages (XTREME's average)."""
    out: dict[str, float] = {}
    values: dict[str, list[float]] = {m: [] for m in fmt.METRICS}
    for lang, totals in per_lang.items():
        for name, value in fmt.aggregate(totals, spec, lang).items():
            if name not in fmt.METRICS:
                continue
            out[metric_key(task, lang, name, split)] = float(value)
            values[name].append(float(value))
    for name, vals in values.items():
        if vals:  # a format's optional metrics (UD-POS's `_seqeval1`) are absent for other tasks
            out[metric_key(task, "avg", name, split)] = float(np.mean(vals))
    return out


def _combine(per_lang: dict[str, str]) -> str:
    import hashlib

    return hashlib.sha256(json.dumps(per_lang, sort_keys=True).encode()).hexdigest()[:16]


def _write_predictions(path, ds, columns: dict, stats, stat_names) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    table = {"id": list(ds["id"]), "parallel_id": list(ds["parallel_id"]), **columns}
    for j, name in enumerate(stat_names):
        table[f"u.{name}"] = stats[:, j]
    pq.write_table(pa.table(table), path)
