"""Phase 2 of stilts-mlm: the intermediate task and masked LM on one shared encoder.

The task objective is exactly stilts' (ablate.mixing.phase.build: same data, subsampling, head,
selection subset); the MLM objective is the checkpoint's own LM head on the corpus text
(ablate.mlm.objective). Each optimizer step is an MLM step with probability `mlm.ratio`
(ablate.mixing.sampler, fixed share); the task gets the optimizer steps single-task stilts would
give it, so the phase runs ceil(task steps / (1 - ratio)) steps in all (capped by max_steps).
Checkpoints are selected on the task's English dev score only. Held-out MLM loss and
per-language perplexity are measured before and after, on the same masked positions. Only the
encoder is saved for phase 3.
"""

from __future__ import annotations

import time

from ablate.errors import AblateError
from ablate.mixing.loop import train_mixture
from ablate.mixing.phase import build
from ablate.mixing.sampler import TaskSampler, planned_steps
from ablate.mlm import corpus
from ablate.mlm.lm_head import head_state, load_mlm, share_encoder
from ablate.mlm.masking import pack
from ablate.mlm.objective import MlmObjective
from ablate.mlm.perplexity import heldout_metrics, masked_heldout
from ablate.mlm.planning import total_steps
from ablate.mlm.sampling import smoothed_shares, split_budget
from ablate.models import resolve_model, save_encoder
from ablate.phases import PhaseContext, PhaseResult
from ablate.train_settings import TrainSettings


def run_mlm_intermediate(ctx: PhaseContext) -> PhaseResult:
    import torch

    cfg, task, mlm = ctx.cfg, ctx.phase.task, ctx.phase.settings["mlm"]
    settings = TrainSettings(**ctx.phase.settings["train"])
    model_path = resolve_model(cfg.model, cfg.model_revision)
    revision = cfg.model_revision if model_path == cfg.model else None
    built = build(cfg, [task], {task: ctx.phase.settings["train"]}, ctx.seed, model_path, revision,
                  ctx.phase.settings.get("mix"))
    tokenizer, encoder, (task_objective,), records = built.tokenizer, built.encoder, built.objectives, built.records

    langs = list(mlm["langs"])
    srcs = corpus.sources(cfg, langs)
    sizes = corpus.sizes(srcs)
    shares = smoothed_shares(sizes, mlm["alpha"])
    budgets = split_budget(shares, mlm["budget"])
    length = settings.max_seq_length
    train, heldout, tokens = {}, {}, {}

    def encode(text: str) -> list[int]:
        return tokenizer(text, add_special_tokens=False, truncation=False)["input_ids"]

    start, end = _first(tokenizer.cls_token_id, tokenizer.bos_token_id), _first(tokenizer.sep_token_id, tokenizer.eos_token_id)
    for lang, src in srcs.items():
        held_ex, train_ex = corpus.read(src, encode, mlm["heldout_sequences"] * (length - 2), budgets[lang])
        heldout[lang] = pack(held_ex, length, start, end)[: mlm["heldout_sequences"]]
        train[lang] = pack(train_ex, length, start, end)
        tokens[lang] = sum(len(x) for x in train_ex)
        records.append({"name": f"mlm.{lang}", "source": src.describe(), "context": "train",
                        "digest": corpus.digest(train_ex), "rows": len(train_ex)})

    mlm_model = load_mlm(model_path, revision)
    pretrained_head = head_state(mlm_model)
    share_encoder(mlm_model, encoder)
    if not _same(pretrained_head, head_state(mlm_model)):
        raise AblateError(f"The LM head of '{model_path}' changed when put on the shared encoder: its tied "
                          "embeddings differ from the encoder's; stilts-mlm needs one checkpoint for both.")
    objective = MlmObjective(mlm_model, tokenizer, train, shares, settings.batch_size, settings.grad_accum)

    use_cpu = cfg.device == "cpu" or (cfg.device == "auto" and not torch.cuda.is_available())
    device = torch.device("cpu" if use_cpu else "cuda")
    for module in (encoder, task_objective.head, mlm_model):
        module.to(device)
    masked = masked_heldout(heldout, tokenizer)
    metrics = heldout_metrics(mlm_model, masked, cfg.eval_batch_size, device, "before")

    ratio = mlm["ratio"]
    task_steps = planned_steps({task: task_objective.size},
                               {task: task_objective.batch_size * task_objective.grad_accum}, settings.epochs)
    total = total_steps(task_steps, ratio, settings.max_steps)
    sampler = TaskSampler({task: task_objective.size, "mlm": objective.size}, fixed={"mlm": ratio}, seed=ctx.seed)
    started = time.time()
    with ctx.progress.bar(f"  train {task} + mlm (seed {ctx.seed})", total=total) as bar:
        result = train_mixture(encoder, [task_objective, objective], sampler, settings, total, seed=ctx.seed,
                               log=ctx.log, tick=lambda: bar.advance(1))
    metrics.update(heldout_metrics(mlm_model, masked, cfg.eval_batch_size, device, "after"))
    save_encoder(encoder, tokenizer, ctx.out / "encoder")

    best = result.dev_scores.get(task)
    metrics.update({f"dev.{task_objective.metric}": float("nan") if best is None else float(best),
                    "train.steps": float(result.steps)})
    for name in (task, "mlm"):
        metrics[f"sampler.p.{name}"] = sampler.probabilities[name]
        metrics[f"sampler.share.{name}"] = result.task_steps[name] / max(1, result.steps)
        if name in result.train_loss:
            metrics[f"train.loss.{name}"] = result.train_loss[name]
    realised = objective.realised_shares()
    for lang in langs:
        metrics[f"mlm.q.{lang}"] = shares[lang]
        metrics[f"mlm.tokens.{lang}"] = float(tokens[lang])
        if lang in realised:
            metrics[f"mlm.share.{lang}"] = realised[lang]
    eval_every = max(1, min(settings.eval_every, total))
    tags = {"sampler": sampler.describe(), "mlm.corpus": mlm["corpus"], "mlm.langs": ",".join(langs),
            "selection": f"en-dev:{task_objective.metric}:every{eval_every}:n{len(task_objective.dev)}"
                         f":patience{settings.patience}",
            "selection.set": " + ".join(s.describe() for s in task_objective.spec.dev)}
    info = {"runtime_s": round(time.time() - started, 3), "steps": result.steps, "planned_steps": total,
            "task_steps_single": task_steps, "best_step": result.best_step, "device": str(device),
            "train_examples": task_objective.size, "mlm_sequences": {k: len(v) for k, v in train.items()},
            "mlm_heldout_sequences": {k: len(v) for k, v in heldout.items()}, "mlm_sizes_bytes": sizes,
            "mlm_shares": shares, "mlm_budget_tokens": budgets, "mlm_sources": {k: s.describe() for k, s in srcs.items()},
            "realised_steps": result.task_steps, "model_path": model_path,
            "data_parallel": "no: the mixture loop runs in one process" + (
                f" (devices={cfg.devices} applies to phase 3 only)" if cfg.devices > 1 else ""),
            "parameters": sum(p.numel() for p in encoder.parameters()),
            "selection": f"best English-dev {task_objective.metric} (the MLM objective does not select)"}
    return PhaseResult(metrics=metrics, tags=tags, datasets=records, info=info)


def _first(*ids):
    """The first id that is set (0 is a valid id, so not `a or b`)."""
    return next(i for i in ids if i is not None)


def _same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(a[k].shape == b[k].shape and bool((a[k] == b[k]).all()) for k in a)
