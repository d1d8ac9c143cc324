"""`train_mixture`: one optimizer over a shared encoder and every objective's head, one objective
per optimizer step (jiant's multi-task semantics), with the paper's checkpoint selection.

    result = train_mixture(encoder, objectives, sampler, settings, total_steps, seed=1, log=log)
    result.task_steps    # {'mnli': 412, 'squad': 97, ...}: the realised schedule
    result.dev_scores    # each objective's English dev score at the selected step

Per optimizer step (`accumulate`): the sampler's objective draws `grad_accum` batches of its own
(its batch size and max length), their losses (each / grad_accum) are backpropagated, so only
that objective's head and the encoder receive gradients; then the gradients of all parameters
are clipped to `max_grad_norm`, AdamW steps and the learning rate follows a linear warm-up over
`warmup_ratio` of `total_steps` and a linear decay to 0 (as the transformers Trainer does for
single-task phases). Weight decay skips 1-D parameters (biases and LayerNorm weights).

Selection (the `Metarunner` half): every `eval_every` steps each objective's `dev_score()` is
computed; the selection score is the MEAN over the objectives that return one (English dev,
true zero-shot). The best state (strictly greater mean) is kept in CPU memory and restored at
the end; training stops after `patience` evaluations without improvement. With no objective
scoring, the last state is kept. The loop never sees MLflow: metrics go through `log`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from ablate.mixing.objective import Objective, unique_parameters
from ablate.mixing.sampler import TaskSampler
from ablate.train_settings import TrainSettings

LOG_EVERY = 50  # steps between training-curve points (fewer when evaluations are more frequent)


@dataclass
class MixtureResult:
    steps: int  # optimizer steps taken (fewer than planned after early stopping)
    planned_steps: int
    best_step: int | None  # the restored state's step; None = the last state (nothing scored)
    best_score: float | None  # mean English dev score at best_step
    dev_scores: dict[str, float] = field(default_factory=dict)  # per scoring objective, at best_step
    task_steps: dict[str, int] = field(default_factory=dict)  # realised optimizer steps per objective
    train_loss: dict[str, float] = field(default_factory=dict)  # mean loss per step, per objective
    evaluations: int = 0


def accumulate(objective: Objective, batches: Iterator[dict], encoder, device) -> float:
    """Forward and backward `objective.grad_accum` batches (no optimizer step); the summed,
    accumulation-scaled loss."""
    total = 0.0
    for _ in range(objective.grad_accum):
        batch = {k: (v.to(device) if hasattr(v, "to") else v) for k, v in next(batches).items()}
        loss = objective.loss(encoder, batch) / objective.grad_accum
        loss.backward()
        total += float(loss.detach())
    return total


def train_mixture(encoder, objectives: Sequence[Objective], sampler: TaskSampler, settings: TrainSettings,
                  total_steps: int, *, seed: int, log: Callable[[dict[str, float], int], None] | None = None,
                  tick: Callable[[], None] | None = None) -> MixtureResult:
    """Train `encoder` and the objectives' heads for up to `total_steps` optimizer steps.

    settings: the loop-level TrainSettings (learning_rate, warmup_ratio, weight_decay,
    adam_epsilon, max_grad_norm, eval_every, patience); per-objective batching is the
    objective's own. `log(metrics, step)` receives training curves and dev scores; `tick()` is
    called once per optimizer step (progress bars). Modules must already be on their device.
    """
    import torch

    by_name = {o.name: o for o in objectives}
    if len(by_name) != len(objectives) or set(by_name) != set(sampler.probabilities):
        raise ValueError(f"Objectives {[o.name for o in objectives]} do not match the sampler's "
                         f"{list(sampler.probabilities)}.")
    log = log or (lambda metrics, step: None)
    modules = [encoder, *(o.head for o in objectives)]
    params = unique_parameters(modules)
    optimizer = torch.optim.AdamW(
        [{"params": [p for p in params if p.ndim >= 2], "weight_decay": settings.weight_decay},
         {"params": [p for p in params if p.ndim < 2], "weight_decay": 0.0}],
        lr=settings.learning_rate, eps=settings.adam_epsilon)
    warmup = math.ceil(total_steps * settings.warmup_ratio)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: s / max(1, warmup) if s < warmup else
                                                  max(0.0, (total_steps - s) / max(1, total_steps - warmup)))
    device = next(encoder.parameters()).device
    torch.manual_seed(seed)  # dropout
    streams = {o.name: o.batches(seed) for o in objectives}
    eval_every = max(1, min(settings.eval_every, total_steps))  # at least one selection evaluation
    log_every = max(1, min(LOG_EVERY, eval_every))
    counts = dict.fromkeys(by_name, 0)
    losses = dict.fromkeys(by_name, 0.0)
    window: dict[str, list[float]] = {}
    best: list | None = None
    result = MixtureResult(0, total_steps, None, None)
    waited = 0
    for m in modules:
        m.train()
    for step, name in enumerate(sampler.draw(total_steps), start=1):
        loss = accumulate(by_name[name], streams[name], encoder, device)
        torch.nn.utils.clip_grad_norm_(params, settings.max_grad_norm)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        counts[name] += 1
        losses[name] += loss
        window.setdefault(name, []).append(loss)
        result.steps = step
        if tick:
            tick()
        if step % log_every == 0:
            log({**{f"curve.train.loss.{k}": float(np.mean(v)) for k, v in window.items()},
                 "curve.train.learning_rate": scheduler.get_last_lr()[0]}, step)
            window = {}
        if step % eval_every:
            continue
        scores = _evaluate(objectives, modules)
        result.evaluations += 1
        mean = float(np.mean(list(scores.values()))) if scores else None
        log({**{f"curve.dev.{k}.{by_name[k].metric}": v for k, v in scores.items()},
             **({"curve.dev.mean": mean} if mean is not None else {})}, step)
        if mean is None:
            continue  # nothing scores: keep training to the end, keep the last state
        # a NaN mean never wins; anything else must beat the best strictly (the Trainer's rule)
        if not math.isnan(mean) and (result.best_score is None or mean > result.best_score):
            best = [p.detach().to("cpu", copy=True) for p in params]
            result.best_step, result.best_score, result.dev_scores = step, mean, scores
            waited = 0
        else:
            waited += 1
            if waited >= settings.patience:
                break
    if best is not None:
        with torch.no_grad():
            for p, saved in zip(params, best):
                p.copy_(saved)
    result.task_steps = counts
    result.train_loss = {k: losses[k] / counts[k] for k in by_name if counts[k]}
    return result


def _evaluate(objectives: Sequence[Objective], modules) -> dict[str, float]:
    """Each scoring objective's dev score, in eval mode; modules go back to training mode."""
    import torch

    for m in modules:
        m.eval()
    try:
        with torch.no_grad():
            scores = {o.name: o.dev_score() for o in objectives}
    finally:
        for m in modules:
            m.train()
    return {k: float(v) for k, v in scores.items() if v is not None}
