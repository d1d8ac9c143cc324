"""Builders for the standard phases, so each recipe stays a few lines of composition.

Only what determines a phase's output goes into its settings: the intermediate phase carries
no target and no recipe name, so every recipe and every target reuses the same trained encoder.
"""

from __future__ import annotations

from dataclasses import asdict

from ablate.config import RunConfig
from ablate.plan import Phase
from ablate.tasks import get_task


def data_spec(cfg: RunConfig, task: str) -> dict:
    """Where a task's data comes from (not its content: planning must not load data)."""
    spec = get_task(task)
    return {
        "source": cfg.data,
        "data_dir": cfg.data_dir,
        "revisions": {h: cfg.dataset_revisions.get(h) for h in spec.hub_ids},
    }


def model_spec(cfg: RunConfig) -> dict:
    return {"model": cfg.model, "revision": cfg.model_revision}


def intermediate(cfg: RunConfig, task: str) -> Phase:
    """Phase 2: train the pretrained model on an English intermediate task; output its encoder."""
    get_task(task, "intermediate")
    return Phase(
        name=f"intermediate:{task}", kind="intermediate", task=task,
        settings={"model": model_spec(cfg), "data": data_spec(cfg, task),
                  "train": asdict(cfg.intermediate_settings(task))},
    )


def target(cfg: RunConfig, task: str, encoder: Phase | None = None) -> list[Phase]:
    """Phase 3 for one target: fine-tune on its English data, then evaluate every language."""
    spec = get_task(task, "target")
    inputs = (encoder.name,) if encoder else ()
    if spec.format == "retrieval":  # BUCC, Tatoeba: the encoder's representations, no training
        return [Phase(
            name=f"retrieve:{task}", kind="retrieve", task=task, inputs=inputs,
            settings={"model": model_spec(cfg), "data": data_spec(cfg, task),
                      "languages": list(spec.languages), "retrieval": dict(cfg.retrieval),
                      "max_examples": cfg.max_eval_examples},
            seeded=False,  # deterministic given its encoder (whose key carries the seed)
        )]
    finetune = Phase(
        name=f"finetune:{task}", kind="finetune", task=task, inputs=inputs,
        settings={"model": model_spec(cfg), "data": data_spec(cfg, task),
                  "train": asdict(cfg.finetune_settings(task))},
    )
    evaluate = Phase(
        name=f"evaluate:{task}", kind="evaluate", task=task, inputs=(finetune.name,),
        settings={"data": data_spec(cfg, task), "languages": list(spec.languages),
                  "splits": list(cfg.eval_splits), "max_examples": cfg.max_eval_examples,
                  "max_seq_length": cfg.finetune_settings(task).max_seq_length},
        seeded=False,  # determined by the fine-tuned model it reads, which carries the seed
    )
    return [finetune, evaluate]
