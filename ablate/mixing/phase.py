"""Phase 2 of the `multitask` recipe: every chosen intermediate task trains one head on a shared
encoder (ablate.mixing.loop); only the encoder is saved for phase 3, as in STILTs.

Each task reads its English train data and its selection subset of English dev exactly as the
single-task phase does (ablate.phases.train: same stratified subsampling, same SELECTION_SEED;
with `multitask.total_train_examples`, each task then keeps its share of the total), with its
own `intermediate.<task>` batch size, accumulation and max sequence length; the loop-level
settings (epochs, learning rate, schedule, eval_every, patience, max_steps) are the phase's
`train` settings (`intermediate.*`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from ablate.data.load import load_task_split
from ablate.data.subsample import subsample_rows
from ablate.mixing.loop import train_mixture
from ablate.mixing.sampler import TaskSampler, planned_steps
from ablate.mixing.task_objective import TaskObjective
from ablate.mixing.total import split_total
from ablate.tasks.multilingual_tasks import english_part, is_multilingual
from ablate.models import load_tokenizer, load_with_head, resolve_model, save_encoder
from ablate.phases import PhaseContext, PhaseResult
from ablate.phases.train import SELECTION_SEED, _record
from ablate.tasks import get_task
from ablate.tasks.formats import format_of
from ablate.train_settings import TrainSettings


@dataclass
class Built:
    """Phase 2's pieces, on the CPU: the shared encoder and a TaskObjective per task."""

    tokenizer: Any
    encoder: Any
    objectives: list[TaskObjective]
    records: list[dict] = field(default_factory=list)  # datasets read (name, source, digest, rows)
    removed: dict[str, dict] = field(default_factory=dict)  # task -> rows the selection rules took out


def build(cfg, tasks, per_task: dict, seed: int, model_path: str, revision: str | None, mix: str | None = None,
          total: int | None = None) -> Built:
    """The tokenizer, the shared encoder and one objective per task of `tasks` (`mix`: the English part
    of a published multilingual task in or out, as in stilts; `total`: training examples over all
    tasks, split by ablate.mixing.total)."""
    built = Built(load_tokenizer(model_path, revision), load_with_head(model_path, "encoder", revision=revision,
                                                                        seed=seed, trust_remote_code=cfg.trust_remote_code), [])
    specs, trains = {}, {}
    for name in tasks:
        spec = get_task(name, "intermediate")
        specs[name] = english_part(spec, mix) if is_multilingual(spec) else spec
        built.removed[name] = {"train": {}, "dev": {}}
        trains[name] = subsample_rows(load_task_split(specs[name], "train", cfg, counts=built.removed[name]["train"]),
                                      specs[name].format, per_task[name]["max_train_examples"], SELECTION_SEED)
    if total is not None:  # known only now: each task's share depends on the rows it has
        shares = split_total({t: len(d) for t, d in trains.items()}, total)
        trains = {t: subsample_rows(d, specs[t].format, shares[t], SELECTION_SEED) for t, d in trains.items()}
    for name in tasks:
        spec, train = specs[name], trains[name]
        fmt = format_of(spec)
        settings = TrainSettings(**per_task[name])
        dev = load_task_split(spec, "dev", cfg, counts=built.removed[name]["dev"])
        dev = dev.shuffle(seed=SELECTION_SEED).select(range(min(settings.eval_examples, len(dev))))
        model = load_with_head(model_path, fmt.HEAD, revision=revision, seed=seed,
                               trust_remote_code=cfg.trust_remote_code, **fmt.head_kwargs(spec))
        built.objectives.append(TaskObjective(spec, settings, train, dev, built.tokenizer, model, built.encoder,
                                              cfg.eval_batch_size))
        built.records += [_record(name, "train", spec.train, train), _record(name, "dev", spec.dev, dev)]
    return built


def run_multitask(ctx: PhaseContext) -> PhaseResult:
    import torch

    cfg, settings = ctx.cfg, ctx.phase.settings
    tasks, sampling = list(settings["tasks"]), settings["sampler"]
    model_path = resolve_model(cfg.model, cfg.model_revision)
    revision = cfg.model_revision if model_path == cfg.model else None
    built = build(cfg, tasks, settings["per_task"], ctx.seed, model_path, revision, settings.get("mix"),
                  settings.get("total_train_examples"))
    encoder, objectives = built.encoder, built.objectives
    use_cpu = cfg.device == "cpu" or (cfg.device == "auto" and not torch.cuda.is_available())
    device = torch.device("cpu" if use_cpu else "cuda")
    for module in (encoder, *(o.head for o in objectives)):
        module.to(device)
    loop = TrainSettings(**settings["train"])
    sizes = {o.name: o.size for o in objectives}
    sampler = TaskSampler(sizes, sampling["strategy"], cap=sampling["cap"], temperature=sampling["temperature"],
                          seed=ctx.seed)
    total = planned_steps(sizes, {o.name: o.batch_size * o.grad_accum for o in objectives}, loop.epochs,
                          loop.max_steps)
    started = time.time()
    with ctx.progress.bar(f"  train multitask {ctx.phase.task} (seed {ctx.seed})", total=total) as bar:
        result = train_mixture(encoder, objectives, sampler, loop, total, seed=ctx.seed, log=ctx.log,
                               tick=lambda: bar.advance(1))
    save_encoder(encoder, built.tokenizer, ctx.out / "encoder")
    info = {
        "runtime_s": round(time.time() - started, 3), "steps": result.steps, "planned_steps": total,
        "best_step": result.best_step, "evaluations": result.evaluations, "device": str(device),
        "train_examples": sizes, "total_train_examples": settings.get("total_train_examples"),
        "probabilities": sampler.probabilities,
        "expected_steps": sampler.expected_steps(total), "realised_steps": result.task_steps,
        "parameters": sum(p.numel() for p in encoder.parameters()), "model_path": model_path,
        "selection": "mean of the tasks' English-dev selection metrics", "selection_removed": built.removed,
    }
    return PhaseResult(metrics=_metrics(result, sampler, built), tags=_tags(sampler, built, loop, total),
                       datasets=built.records, info=info)


def _metrics(result, sampler: TaskSampler, built: Built) -> dict[str, float]:
    """Selected dev scores, the sampler's probabilities and realised schedule, per-task losses."""
    metrics = {"train.steps": float(result.steps), "dev.mean": _or_nan(result.best_score)}
    for o in built.objectives:
        metrics[f"dev.{o.name}.{o.metric}"] = _or_nan(result.dev_scores.get(o.name))
        metrics[f"sampler.p.{o.name}"] = sampler.probabilities[o.name]
        metrics[f"sampler.steps.{o.name}"] = float(result.task_steps[o.name])
        metrics[f"sampler.share.{o.name}"] = result.task_steps[o.name] / max(1, result.steps)
        if o.name in result.train_loss:
            metrics[f"train.loss.{o.name}"] = result.train_loss[o.name]
        # as in single-task phase 2: XQuAD questions kept out of SQuAD's selection set, and so on
        removed = built.removed[o.name]
        if "excluded" in removed["dev"]:
            metrics[f"selection.{o.name}.excluded_test_questions"] = float(removed["dev"]["excluded"])
        if "held_out" in removed["train"]:
            metrics[f"selection.{o.name}.held_out_train_examples"] = float(removed["train"]["held_out"])
    return metrics


def _tags(sampler: TaskSampler, built: Built, loop: TrainSettings, total: int) -> dict[str, str]:
    """The sampler and the selection rule in words (the rule names every metric it averages)."""
    objectives = built.objectives
    eval_every = max(1, min(loop.eval_every, total))  # as train_mixture clips it
    tags = {"sampler": sampler.describe(), "multitask.tasks": ",".join(o.name for o in objectives),
            "selection": f"en-dev:mean({','.join(f'{o.name}.{o.metric}' for o in objectives)}):every{eval_every}"
                         f":patience{loop.patience}",
            "selection.set": " ; ".join(f"{o.name}: " + " + ".join(s.describe() for s in o.spec.dev)
                                        for o in objectives)}
    rules = [rule for o in objectives for s in (*o.spec.train, *o.spec.dev) for rule in s.rules()]
    if rules:
        tags["selection.rules"] = "; ".join(dict.fromkeys(rules))
    return tags


def _or_nan(value: float | None) -> float:
    return float("nan") if value is None else float(value)
