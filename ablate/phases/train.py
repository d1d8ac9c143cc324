"""Training phases: phase 2 (intermediate task -> encoder) and phase 3 (target fine-tuning).

Both use the transformers Trainer with the paper's selection rule: evaluate every
`eval_every` steps on `eval_examples` English dev examples, keep the best checkpoint, stop
after `patience` evaluations without improvement.

Each selection checkpoint is resumable (model, optimizer, scheduler, RNG and callback state) and
kept in `ctx.resume`, which outlives a crashed attempt: a rerun continues from the last one and
ends with the weights an uninterrupted run ends with. A NaN or infinite loss stops the phase at
the step it appeared.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import time
from pathlib import Path

from ablate import batching, compute, tokenized
from ablate.config import RunConfig
from ablate.train_settings import TrainSettings
from ablate.data.load import fingerprint, load_task_split, load_translated_train
from ablate.data.subsample import subsample_rows
from ablate.errors import AblateError
from ablate.phases.scoring import score
from ablate.models import load_tokenizer, load_with_head, resolve_model, save_encoder
from ablate.phases import PhaseContext, PhaseResult
from ablate.phases_plan import selection_task
from ablate.tasks import get_task
from ablate.tasks.formats import format_of
from ablate.tasks.multilingual_tasks import english_part, is_multilingual

SELECTION_SEED = 0  # the dev subset and any train subsample are the same for every seed and recipe


def run_intermediate(ctx: PhaseContext) -> PhaseResult:
    spec = get_task(ctx.phase.task, "intermediate")
    if is_multilingual(spec):  # published multilingual data: the English part only with en+translated
        spec = english_part(spec, ctx.phase.settings["mix"])
    model_path = resolve_model(ctx.cfg.model, ctx.cfg.model_revision)
    translated = ctx.inputs[ctx.phase.inputs[0]] if ctx.phase.inputs else None  # mt-translate
    result, model, tokenizer = _train(ctx, spec, ctx.cfg.intermediate_settings(spec.name), model_path,
                                      translated=translated)
    save_encoder(model, tokenizer, ctx.out / "encoder")
    return result


def run_finetune(ctx: PhaseContext) -> PhaseResult:
    spec = get_task(ctx.phase.task, "target")
    if ctx.phase.inputs:
        model_path = str(ctx.inputs[ctx.phase.inputs[0]] / "encoder")
    else:
        model_path = resolve_model(ctx.cfg.model, ctx.cfg.model_revision)
    # Keyed by its training data (phases_plan.training_data), so selected and recorded as that
    # data's task: the same output whichever target (XQuAD or MLQA) builds it.
    trained_as = get_task(selection_task(spec.name))
    settings = ctx.cfg.finetune_settings(spec.name)
    first = None
    if spec.train_first:  # XCOPA: SIQA first, then COPA continues from that whole model (XTREME-R)
        first, model, tokenizer = _train(ctx, get_task(spec.train_first), settings, model_path)
        model_path = str(ctx.out / "first_stage")
        model.save_pretrained(model_path)
        tokenizer.save_pretrained(model_path)
    result, model, tokenizer = _train(ctx, spec, settings, model_path, trained_as=trained_as)
    if first is not None:
        shutil.rmtree(ctx.out / "first_stage", ignore_errors=True)
        result.metrics.update({f"first_stage.{k}": v for k, v in first.metrics.items()})
        result.datasets[:0] = first.datasets
        result.tags["first_stage"] = f"{spec.train_first}: {first.tags['selection.set']}"
        result.info["first_stage"] = first.info
    model.save_pretrained(ctx.out / "model")
    tokenizer.save_pretrained(ctx.out / "model")
    if spec.format == "retrieval":  # the dual encoder's learnt softmax scale (XTREME-R starts it at 100)
        result.info["logit_scale"] = float(model.logit_scale.item())
    result.info["started_from"] = ctx.phase.inputs[0] if ctx.phase.inputs else ctx.cfg.model
    return result


def _train(ctx: PhaseContext, spec, settings: TrainSettings, model_path: str, translated: Path | None = None,
           trained_as=None):
    import torch
    from transformers import EarlyStoppingCallback, PrinterCallback, Trainer, TrainingArguments

    fmt = format_of(spec)
    cfg: RunConfig = ctx.cfg
    revision = cfg.model_revision if model_path == cfg.model else None
    tokenizer = load_tokenizer(model_path, revision, cfg.trust_remote_code)

    removed: dict[str, int] = {}  # rows the selection rules took out (held-out slice, test contexts)
    if translated is None:
        train = load_task_split(spec, "train", cfg, counts=removed)
        train_sources = " + ".join(s.describe() for s in spec.train)
    else:  # machine-translated copies (+ English with mix en+translated); selection stays English
        mix = ctx.phase.settings["mix"]
        train = load_translated_train(spec, translated, cfg, mix)
        train_sources = f"{mix} translations of " + " + ".join(s.describe() for s in spec.train)
    train = subsample_rows(train, spec.format, settings.max_train_examples, SELECTION_SEED)
    dev_removed: dict[str, int] = {}
    dev = load_task_split(spec, "dev", cfg, counts=dev_removed)
    dev = dev.shuffle(seed=SELECTION_SEED).select(range(min(settings.eval_examples, len(dev))))
    trained_as = trained_as or spec
    datasets = [
        _record(trained_as.name, "train", train_sources, train),
        _record(trained_as.name, "dev", spec.dev, dev),
    ]
    # a dual encoder bounds its two sides separately: (query, candidate) tokens
    lengths = getattr(fmt, "max_length", None)
    max_length = lengths(settings) if lengths else settings.max_seq_length
    train_enc, reused = tokenized.train_features(fmt, train, datasets[0]["digest"], tokenizer,
                                                 max_length, Path(cfg.output_dir) / "tokenized")
    use_cpu = cfg.device == "cpu" or (cfg.device == "auto" and not torch.cuda.is_available())
    hardware = compute.resolve(cfg.compute, compute.detect(use_cpu))
    model = load_with_head(model_path, fmt.HEAD, revision=revision, seed=ctx.seed,
                           trust_remote_code=cfg.trust_remote_code, **fmt.head_kwargs(spec),
                           **compute.model_kwargs(hardware))
    per_epoch = math.ceil(len(train_enc) / (settings.batch_size * settings.grad_accum))
    if len(train_enc) == 0:
        raise AblateError(f"Task '{spec.name}': no training examples left after preprocessing.")
    total = settings.max_steps or math.ceil(settings.epochs * per_epoch)
    eval_every = max(1, min(settings.eval_every, total))  # at least one selection evaluation
    checkpoints = (ctx.resume or ctx.out) / "checkpoints"
    resume_from = _last_checkpoint(checkpoints)
    before = json.loads((resume_from / LOSS_SUM).read_text()) if resume_from else {"step": 0, "loss_sum": 0.0}
    processes = int(os.environ.get("WORLD_SIZE", "1"))  # >1 under torchrun (ablate.phases.distributed)
    args = TrainingArguments(
        output_dir=str(checkpoints),
        per_device_train_batch_size=settings.batch_size // processes,  # the same global batch
        per_device_eval_batch_size=cfg.eval_batch_size,
        gradient_accumulation_steps=settings.grad_accum,
        learning_rate=settings.learning_rate,
        warmup_steps=settings.warmup_ratio,  # a float in [0, 1) is a ratio in transformers 5
        lr_scheduler_type="linear",
        weight_decay=settings.weight_decay,  # the Trainer exempts biases and LayerNorm weights
        adam_epsilon=settings.adam_epsilon,
        max_grad_norm=settings.max_grad_norm,
        num_train_epochs=settings.epochs,
        max_steps=settings.max_steps or -1,
        eval_strategy="steps", eval_steps=eval_every,
        save_strategy="steps", save_steps=eval_every, save_only_model=False, save_total_limit=1,
        load_best_model_at_end=True, metric_for_best_model=fmt.SELECTION_METRIC, greater_is_better=True,
        logging_strategy="steps", logging_steps=_log_every(eval_every),
        seed=ctx.seed, data_seed=ctx.seed, report_to="none", disable_tqdm=True,
        use_cpu=use_cpu, optim="adamw_torch", **compute.training_arguments(hardware),
    )
    with ctx.progress.bar(f"  train {spec.name} (seed {ctx.seed})", total=total) as bar:
        trainer = _selection_trainer(Trainer)(
            model=model, args=args, train_dataset=train_enc, eval_dataset=dev,
            data_collator=fmt.collator(tokenizer), processing_class=tokenizer,
            callbacks=[EarlyStoppingCallback(early_stopping_patience=settings.patience)],
        )
        # Under DDP the Trainer multiplies each rank's loss by the process count (DDP averages the
        # gradients) and logs that product: report the loss per example, as one process does.
        loss_scale = processes if processes > 1 and trainer.model_accepts_loss_kwargs and args.average_tokens_across_devices else 1
        trainer.add_callback(_relay(ctx, bar, loss_scale))
        trainer.selection = (fmt, trained_as, max_length, cfg.eval_batch_size)
        trainer.phase = (f"{ctx.phase.name} (seed {ctx.seed})", f"{ctx.phase.kind}.{spec.name}.learning_rate")
        # in-batch negatives (dual encoder) need random batches: grouped ones hold look-alikes
        grouped = settings.group_by_length and not getattr(fmt, "IN_BATCH_NEGATIVES", False)
        if grouped:
            trainer.train_order = (batching.feature_lengths(train_enc), settings.batch_size, ctx.seed)
        trainer.remove_callback(PrinterCallback)  # it prints every log dict to stdout
        started = time.time()
        if resume_from is not None:
            ctx.progress.print(f"  [dim]{ctx.phase.name}: resuming from {resume_from.name}[/]")
        output = trainer.train(resume_from_checkpoint=str(resume_from) if resume_from else None)
    shutil.rmtree(checkpoints, ignore_errors=True)
    state = trainer.state
    best = state.best_metric
    metrics = {f"dev.{fmt.SELECTION_METRIC}": float(best) if best is not None else float("nan"),
               "train.loss": _mean_loss(float(output.training_loss) / loss_scale, state.global_step, before),
               "train.steps": float(state.global_step)}
    info = {
        "runtime_s": round(time.time() - started, 3), "steps": state.global_step,
        "best_step": _step_of(state.best_model_checkpoint), "train_examples": len(train),
        "dev_examples": len(dev), "parameters": sum(p.numel() for p in model.parameters()),
        "device": "cpu" if use_cpu else "cuda", "selection": f"best English-dev {fmt.SELECTION_METRIC}",
        "model_path": model_path, "resumed_from_step": _step_of(str(resume_from)) if resume_from else None,
        "compute": compute.used(args, model), "selection_s": round(trainer.selection_s, 3),
        "train_features": "reused" if reused else "built", "batching": "length-grouped" if grouped else "random",
        # training examples the model saw, for measured throughput (`ablate plan` hours)
        "examples_seen": min(state.global_step * settings.batch_size * settings.grad_accum,
                             math.ceil(settings.epochs * len(train_enc))),
    }
    tags = {"selection": f"en-dev:{fmt.SELECTION_METRIC}:every{eval_every}:n{len(dev)}:patience{settings.patience}",
            "selection.set": " + ".join(s.describe() for s in spec.dev)}
    rules = [rule for s in (*spec.train, *spec.dev) for rule in s.rules()]
    if rules:
        tags["selection.rules"] = "; ".join(dict.fromkeys(rules))
    # How many selection-set rows the rules removed (XQuAD paragraphs in SQuAD dev) and how many
    # training rows were held out for selection (TyDiQA-GoldP) -- zero-shot made checkable.
    if "excluded" in dev_removed:
        metrics["selection.excluded_test_questions"] = float(dev_removed["excluded"])
    if "held_out" in removed:
        metrics["selection.held_out_train_examples"] = float(removed["held_out"])
    info["selection_removed"] = {"train": removed, "dev": dev_removed}
    return PhaseResult(metrics=metrics, tags=tags, datasets=datasets, info=info), model, tokenizer


def _selection_trainer(Trainer):
    """A Trainer whose evaluation scores the English dev examples with ablate's own scorer
    (span post-processing, tagging alignment, ...), not the Trainer's logits/labels loop."""

    class SelectionTrainer(Trainer):
        selection = None  # (format module, task spec, max length, batch size)
        phase = ("", "")  # (phase name and seed, the learning-rate setting) for the NaN message

        def training_step(self, *args, **kwargs):
            loss = super().training_step(*args, **kwargs)
            if not bool(loss.isfinite()):  # one device sync per step: small next to the step itself
                name, setting = self.phase
                raise AblateError(
                    f"{name}: the training loss became {float(loss)} at step {self.state.global_step + 1} "
                    f"of {self.state.max_steps}; nothing was stored. Lower the learning rate "
                    f"(--set {setting}=...) or check the training data.")
            return loss

        def _save_rng_state(self, output_dir):
            # The Trainer's train_loss averages only the steps of the current attempt: keep the
            # running sum of step losses in each checkpoint so a resumed run reports the mean over
            # all steps. Written here, before trainer_state.json, which marks a checkpoint complete
            # (private attributes of transformers 5's Trainer; the resume test checks the result).
            super()._save_rng_state(output_dir)
            total = self._total_loss_scalar + float(self._tr_loss.item())
            (Path(output_dir) / LOSS_SUM).write_text(json.dumps({"step": self.state.global_step, "loss_sum": total}))

        train_order = None  # (feature lengths, batch size, seed): length-grouped batches, or None = random
        selection_s = 0.0  # seconds spent in selection evaluations (training overhead is counted without them)

        def _get_train_sampler(self, train_dataset=None):
            if self.train_order is None:
                return super()._get_train_sampler(train_dataset)
            return batching.sampler(*self.train_order)

        def evaluate(self, eval_dataset=None, ignore_keys=None, metric_key_prefix="eval"):
            fmt, spec, max_length, batch_size = self.selection
            started = time.perf_counter()
            _, stats = score(self.model, self.processing_class, fmt, spec, self.eval_dataset, "en",
                             max_length, batch_size, self.args.device)
            self.selection_s += time.perf_counter() - started
            values = fmt.aggregate(stats.sum(0), spec, "en")
            metrics = {f"{metric_key_prefix}_{k}": float(v) for k, v in values.items() if k in fmt.METRICS}
            self.log(metrics)
            self.control = self.callback_handler.on_evaluate(self.args, self.state, self.control, metrics)
            self.model.train()
            return metrics

    return SelectionTrainer


LOSS_SUM = "ablate_loss_sum.json"


def _last_checkpoint(folder: Path) -> Path | None:
    """The newest complete checkpoint (the Trainer writes trainer_state.json last) or None."""
    done = [d for d in folder.glob("checkpoint-*") if (d / "trainer_state.json").is_file() and (d / LOSS_SUM).is_file()]
    return max(done, key=lambda d: int(d.name.rsplit("-", 1)[-1]), default=None)


def _log_every(eval_every: int) -> int:
    """The largest divisor of `eval_every` up to 50: a resumed run then logs the same curve
    points as an uninterrupted one (a logging window never spans a checkpoint)."""
    return max(d for d in range(1, min(50, eval_every) + 1) if eval_every % d == 0)


def _mean_loss(attempt_mean: float, steps: int, before: dict) -> float:
    """Mean training loss over all steps, those before a resume (`before`, from LOSS_SUM) included."""
    if not before["step"]:
        return float(attempt_mean)
    return (before["loss_sum"] + attempt_mean * (steps - before["step"])) / max(steps, 1)


def _step_of(checkpoint: str | None) -> int | None:
    return int(Path(checkpoint).name.rsplit("-", 1)[-1]) if checkpoint else None


def _record(task: str, context: str, sources, ds) -> dict:
    if not isinstance(sources, str):
        sources = " + ".join(s.describe() for s in sources)
    return {"name": f"{task}.{context}", "source": sources,
            "digest": fingerprint(ds), "context": context, "rows": len(ds)}


def _relay(ctx: PhaseContext, bar, loss_scale: float = 1):
    """Trainer callback: progress-bar ticks and one batched `ctx.log` call per Trainer log event."""
    from transformers import TrainerCallback

    # Curves get their own names: the phase's `dev.<metric>` is the selected best, not the last
    # evaluation (MLflow shows a metric's value at its highest step).
    rename = {"loss": "curve.train.loss", "learning_rate": "curve.train.learning_rate",
              "grad_norm": "curve.train.grad_norm"}
    timing = ("eval_runtime", "eval_samples_per_second", "eval_steps_per_second")

    def relay(logs: dict, step: int) -> None:
        batch = {}
        for key, value in logs.items():
            if key.startswith("eval_") and key not in timing:
                batch[f"curve.dev.{key[5:]}"] = float(value)
            elif key in rename:
                batch[rename[key]] = float(value) / (loss_scale if key == "loss" else 1)
        if batch:
            ctx.log(batch, step)

    class Relay(TrainerCallback):
        def on_train_begin(self, args, state, control, **kw):
            # Resumed: the curves up to the checkpoint went to the crashed attempt's run; log them
            # again from the restored history so this run's curves are whole (and not doubled).
            bar.advance(state.global_step)
            for logs in state.log_history:
                relay(logs, logs.get("step", 0))

        def on_step_end(self, args, state, control, **kw):
            bar.advance(1)

        def on_log(self, args, state, control, logs=None, **kw):
            relay(logs or {}, state.global_step)

    return Relay()
