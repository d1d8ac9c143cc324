"""Builders for the standard phases, so each recipe stays a few lines of composition.

Only what determines a phase's output goes into its settings: the intermediate phase carries
no target and no recipe name, so every recipe and every target reuses the same trained encoder.
"""

from __future__ import annotations

from dataclasses import asdict

from ablate.config import RunConfig
from ablate.errors import AblateError
from ablate.plan import Phase
from ablate.tasks import get_task


def data_spec(cfg: RunConfig, task: str) -> dict:
    """Where a task's data comes from (not its content: planning must not load data)."""
    spec = get_task(task)
    sources = spec.sources
    return {
        "source": cfg.data,
        "data_dir": cfg.data_dir,
        "revisions": {s.hub_id: cfg.dataset_revisions.get(s.hub_id, s.revision) for s in sources},
    }


def model_spec(cfg: RunConfig) -> dict:
    return {"model": cfg.model, "revision": cfg.model_revision}


def intermediate(cfg: RunConfig, task: str, translated: Phase | None = None) -> Phase:
    """Phase 2: train the pretrained model on an intermediate task — its English data, or the
    machine-translated copies made by `translated` — and output the encoder."""
    get_task(task, "intermediate")
    settings = {"model": model_spec(cfg), "data": data_spec(cfg, task),
                "train": asdict(cfg.intermediate_settings(task))}
    if translated is not None:
        settings["mix"] = cfg.mt["mix"]
    return Phase(
        name=f"intermediate:{task}", kind="intermediate", task=task,
        inputs=(translated.name,) if translated else (), settings=settings,
    )


def translate(cfg: RunConfig, task: str, targets: tuple[str, ...] = ()) -> Phase:
    """Machine-translate an intermediate task's English training data into `mt.langs` (default:
    every non-English language of `targets`)."""
    spec = get_task(task, "intermediate")
    if spec.format == "tagging":
        raise AblateError(
            f"Task '{task}' is a tagging task: its labels cannot follow machine translation without "
            "word alignment, so mt-translate refuses it. Use a classification, multiple-choice or "
            "span-QA intermediate task."
        )
    langs = list(cfg.mt["langs"]) or sorted({lang for t in targets for lang in get_task(t).languages} - {"en"})
    if not langs:
        raise AblateError("No languages to translate into: pass --langs (e.g. --langs de,fr,sw) or targets.")
    from ablate import languages as L
    from ablate.errors import unknown
    from ablate.mt.models import choose_models  # pure and cheap: no torch

    for lang in langs:
        if lang not in L.NON_ENGLISH:
            raise unknown("language to translate into", lang, L.NON_ENGLISH)

    overrides = dict(cfg.mt["overrides"])
    if not cfg.mt["model"].startswith("tiny-"):
        choose_models(langs, cfg.mt["model"], overrides)  # refuses unknown/unsupported languages now
    from ablate.mt.references import resolve

    resolve(spec.format, cfg.mt["reference"])  # refuses an unknown or test-split reference set now
    mt = {k: cfg.mt[k] for k in ("model", "overrides", "reference", "reference_size", "max_examples",
                                 "beam_size", "compute_type", "min_chrf")}
    return Phase(
        name=f"translate:{task}", kind="translate", task=task,
        settings={"data": data_spec(cfg, task), "langs": langs, "mt": mt},
        seeded=False,  # translation is deterministic; every seed shares it
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
