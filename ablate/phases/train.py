"""Training phases: phase 2 (intermediate task -> encoder) and phase 3 (target fine-tuning).

Both use the transformers Trainer with the paper's selection rule: evaluate every
`eval_every` steps on `eval_examples` English dev examples, keep the best checkpoint, stop
after `patience` evaluations without improvement.
"""

from __future__ import annotations

import math
import os
import shutil
import time
from pathlib import Path

from ablate.config import RunConfig
from ablate.train_settings import TrainSettings
from ablate.data.load import fingerprint, load_task_split, load_translated_train
from ablate.errors import AblateError
from ablate.phases.scoring import score
from ablate.models import load_tokenizer, load_with_head, resolve_model, save_encoder
from ablate.phases import PhaseContext, PhaseResult
from ablate.phases_plan import selection_task
from ablate.tasks import get_task
from ablate.tasks.formats import format_of

SELECTION_SEED = 0  # the dev subset and any train subsample are the same for every seed and recipe


def run_intermediate(ctx: PhaseContext) -> PhaseResult:
    spec = get_task(ctx.phase.task, "intermediate")
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
    result.info["started_from"] = ctx.phase.inputs[0] if ctx.phase.inputs else ctx.cfg.model
    return result


def _train(ctx: PhaseContext, spec, settings: TrainSettings, model_path: str, translated: Path | None = None,
           trained_as=None):
    import torch
    from transformers import EarlyStoppingCallback, PrinterCallback, Trainer, TrainingArguments

    fmt = format_of(spec)
    cfg: RunConfig = ctx.cfg
    revision = cfg.model_revision if model_path == cfg.model else None
    tokenizer = load_tokenizer(model_path, revision)

    removed: dict[str, int] = {}  # rows the selection rules took out (held-out slice, test contexts)
    if translated is None:
        train = load_task_split(spec, "train", cfg, counts=removed)
        train_sources = " + ".join(s.describe() for s in spec.train)
    else:  # machine-translated copies (+ English with mix en+translated); selection stays English
        mix = ctx.phase.settings["mix"]
        train = load_translated_train(spec, translated, cfg, mix)
        train_sources = f"{mix} translations of " + " + ".join(s.describe() for s in spec.train)
    if settings.max_train_examples and settings.max_train_examples < len(train):
        train = train.shuffle(seed=SELECTION_SEED).select(range(settings.max_train_examples))
    dev_removed: dict[str, int] = {}
    dev = load_task_split(spec, "dev", cfg, counts=dev_removed)
    dev = dev.shuffle(seed=SELECTION_SEED).select(range(min(settings.eval_examples, len(dev))))
    trained_as = trained_as or spec
    datasets = [
        _record(trained_as.name, "train", train_sources, train),
        _record(trained_as.name, "dev", spec.dev, dev),
    ]
    train_enc = fmt.train_features(train, tokenizer, settings.max_seq_length)

    model = load_with_head(model_path, fmt.HEAD, revision=revision, seed=ctx.seed, **fmt.head_kwargs(spec))
    per_epoch = math.ceil(len(train_enc) / (settings.batch_size * settings.grad_accum))
    if len(train_enc) == 0:
        raise AblateError(f"Task '{spec.name}': no training examples left after preprocessing.")
    total = settings.max_steps or math.ceil(settings.epochs * per_epoch)
    eval_every = max(1, min(settings.eval_every, total))  # at least one selection evaluation
    use_cpu = cfg.device == "cpu" or (cfg.device == "auto" and not torch.cuda.is_available())
    checkpoints = ctx.out / "checkpoints"
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
        save_strategy="steps", save_steps=eval_every, save_only_model=True, save_total_limit=1,
        load_best_model_at_end=True, metric_for_best_model=fmt.SELECTION_METRIC, greater_is_better=True,
        logging_strategy="steps", logging_steps=max(1, min(50, eval_every)),
        seed=ctx.seed, data_seed=ctx.seed, report_to="none", disable_tqdm=True,
        use_cpu=use_cpu, optim="adamw_torch", dataloader_num_workers=0,
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
        trainer.selection = (fmt, trained_as, settings.max_seq_length, cfg.eval_batch_size)
        trainer.remove_callback(PrinterCallback)  # it prints every log dict to stdout
        started = time.time()
        output = trainer.train()
    shutil.rmtree(checkpoints, ignore_errors=True)
    state = trainer.state
    best = state.best_metric
    metrics = {f"dev.{fmt.SELECTION_METRIC}": float(best) if best is not None else float("nan"),
               "train.loss": float(output.training_loss) / loss_scale, "train.steps": float(state.global_step)}
    info = {
        "runtime_s": round(time.time() - started, 3), "steps": state.global_step,
        "best_step": _step_of(state.best_model_checkpoint), "train_examples": len(train),
        "dev_examples": len(dev), "parameters": sum(p.numel() for p in model.parameters()),
        "device": "cpu" if use_cpu else "cuda", "selection": f"best English-dev {fmt.SELECTION_METRIC}",
        "model_path": model_path,
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

        def evaluate(self, eval_dataset=None, ignore_keys=None, metric_key_prefix="eval"):
            fmt, spec, max_length, batch_size = self.selection
            _, stats = score(self.model, self.processing_class, fmt, spec, self.eval_dataset, "en",
                             max_length, batch_size, self.args.device)
            values = fmt.aggregate(stats.sum(0), spec, "en")
            metrics = {f"{metric_key_prefix}_{k}": float(v) for k, v in values.items() if k in fmt.METRICS}
            self.log(metrics)
            self.control = self.callback_handler.on_evaluate(self.args, self.state, self.control, metrics)
            self.model.train()
            return metrics

    return SelectionTrainer


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

    class Relay(TrainerCallback):
        def on_step_end(self, args, state, control, **kw):
            bar.advance(1)

        def on_log(self, args, state, control, logs=None, **kw):
            batch = {}
            for key, value in (logs or {}).items():
                if key.startswith("eval_") and key not in timing:
                    batch[f"curve.dev.{key[5:]}"] = float(value)
                elif key in rename:
                    batch[rename[key]] = float(value) / (loss_scale if key == "loss" else 1)
            if batch:
                ctx.log(batch, state.global_step)

    return Relay()
