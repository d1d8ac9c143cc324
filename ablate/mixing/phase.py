"""Phase 2 of the `multitask` recipe: every chosen intermediate task trains one head on a shared
encoder (ablate.mixing.loop); only the encoder is saved for phase 3, as in STILTs.

Each task reads its English train data and its selection subset of English dev exactly as the
single-task phase does (ablate.phases.train: same subsampling, same SELECTION_SEED), with its
own `intermediate.<task>` batch size, accumulation and max sequence length; the loop-level
settings (epochs, learning rate, schedule, eval_every, patience, max_steps) are the phase's
`train` settings (`intermediate.*`).
"""

from __future__ import annotations

import time

from ablate.data.load import load_task_split
from ablate.mixing.loop import train_mixture
from ablate.mixing.sampler import TaskSampler, planned_steps
from ablate.mixing.task_objective import TaskObjective
from ablate.models import load_tokenizer, load_with_head, resolve_model, save_encoder
from ablate.phases import PhaseContext, PhaseResult
from ablate.phases.train import SELECTION_SEED, _record
from ablate.tasks import get_task
from ablate.tasks.formats import format_of
from ablate.train_settings import TrainSettings


def build(cfg, tasks, per_task: dict, seed: int, model_path: str, revision: str | None):
    """(tokenizer, shared encoder, objectives, dataset records) for `tasks`, on the CPU."""
    tokenizer = load_tokenizer(model_path, revision)
    encoder = load_with_head(model_path, "encoder", revision=revision, seed=seed)
    objectives, records = [], []
    for name in tasks:
        spec = get_task(name, "intermediate")
        fmt = format_of(spec)
        settings = TrainSettings(**per_task[name])
        train = load_task_split(spec, "train", cfg)
        if settings.max_train_examples and settings.max_train_examples < len(train):
            train = train.shuffle(seed=SELECTION_SEED).select(range(settings.max_train_examples))
        dev = load_task_split(spec, "dev", cfg)
        dev = dev.shuffle(seed=SELECTION_SEED).select(range(min(settings.eval_examples, len(dev))))
        model = load_with_head(model_path, fmt.HEAD, revision=revision, seed=seed, **fmt.head_kwargs(spec))
        objectives.append(TaskObjective(spec, settings, train, dev, tokenizer, model, encoder, cfg.eval_batch_size))
        records += [_record(name, "train", spec.train, train), _record(name, "dev", spec.dev, dev)]
    return tokenizer, encoder, objectives, records


def run_multitask(ctx: PhaseContext) -> PhaseResult:
    import torch

    cfg, settings = ctx.cfg, ctx.phase.settings
    tasks, sampling = list(settings["tasks"]), settings["sampler"]
    model_path = resolve_model(cfg.model, cfg.model_revision)
    revision = cfg.model_revision if model_path == cfg.model else None
    tokenizer, encoder, objectives, records = build(cfg, tasks, settings["per_task"], ctx.seed, model_path, revision)
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
    with ctx.progress.bar(f"  train multitask {'+'.join(tasks)} (seed {ctx.seed})", total=total) as bar:
        result = train_mixture(encoder, objectives, sampler, loop, total, seed=ctx.seed, log=ctx.log,
                               tick=lambda: bar.advance(1))
    save_encoder(encoder, tokenizer, ctx.out / "encoder")

    metrics = {"train.steps": float(result.steps), "dev.mean": _or_nan(result.best_score)}
    for o in objectives:
        metrics[f"dev.{o.name}.{o.metric}"] = _or_nan(result.dev_scores.get(o.name))
        metrics[f"sampler.p.{o.name}"] = sampler.probabilities[o.name]
        metrics[f"sampler.steps.{o.name}"] = float(result.task_steps[o.name])
        metrics[f"sampler.share.{o.name}"] = result.task_steps[o.name] / max(1, result.steps)
        if o.name in result.train_loss:
            metrics[f"train.loss.{o.name}"] = result.train_loss[o.name]
    eval_every = max(1, min(loop.eval_every, total))
    tags = {"sampler": sampler.describe(), "multitask.tasks": ",".join(tasks),
            "selection": f"en-dev:mean({','.join(f'{o.name}.{o.metric}' for o in objectives)}):every{eval_every}"
                         f":patience{loop.patience}",
            "selection.set": " ; ".join(f"{o.name}: " + " + ".join(s.describe() for s in o.spec.dev) for o in objectives)}
    info = {
        "runtime_s": round(time.time() - started, 3), "steps": result.steps, "planned_steps": total,
        "best_step": result.best_step, "evaluations": result.evaluations, "device": str(device),
        "train_examples": sizes, "probabilities": sampler.probabilities,
        "expected_steps": sampler.expected_steps(total), "realised_steps": result.task_steps,
        "parameters": sum(p.numel() for p in encoder.parameters()), "model_path": model_path,
        "selection": "mean of the tasks' English-dev selection metrics",
    }
    return PhaseResult(metrics=metrics, tags=tags, datasets=records, info=info)


def _or_nan(value: float | None) -> float:
    return float("nan") if value is None else float(value)
