"""Builders for the standard phases, so each recipe stays a few lines of composition.

Only what determines a phase's output goes into its settings: the intermediate phase carries
no target and no recipe name, so every recipe and every target reuses the same trained encoder.
"""

from __future__ import annotations

from dataclasses import asdict

from ablate.compute import numerics
from ablate.config import RunConfig
from ablate.errors import AblateError
from ablate.plan import Phase
from ablate.tasks import get_task


def data_spec(cfg: RunConfig, task: str, training_only: bool = False) -> dict:
    """Where a task's data comes from (not its content: planning must not load data; the key
    adds the content, see ablate.keys)."""
    spec = get_task(task)
    # training_only: what a fine-tune reads, so targets with the same English training data share it.
    sources = spec.training_sources if training_only else spec.sources
    return {
        "source": cfg.data,
        "data_dir": cfg.data_dir,
        "revisions": {s.hub_id: cfg.dataset_revisions.get(s.hub_id, s.revision) for s in sources},
    }


# TaskSpec fields that only describe evaluation or documentation: a fine-tune ignores them.
_NOT_TRAINING = ("name", "title", "role", "languages", "evaluation", "unavailable", "cards", "notes")


def training_data(task: str) -> dict:
    """Everything about a target task that its English fine-tune depends on (format, training
    and selection data, labels, metric); not its name or evaluation sets. XQuAD and MLQA have
    the same, so they share one fine-tune per seed, as in XTREME."""
    from dataclasses import fields

    spec = get_task(task)
    return {f.name: _plain(getattr(spec, f.name)) for f in fields(spec) if f.name not in _NOT_TRAINING}


def selection_task(task: str) -> str:
    """The task whose scoring selects a fine-tune's checkpoints: the first registered task with
    the same training data (SQuAD's v1.1 script for XQuAD and MLQA alike), so a shared fine-tune
    does not depend on which target built it."""
    from ablate.tasks.definitions import TASKS

    mine = training_data(task)
    return next((name for name in TASKS if training_data(name) == mine), task)


def _plain(value):
    from dataclasses import fields, is_dataclass
    from collections.abc import Mapping

    if is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def model_spec(cfg: RunConfig) -> dict:
    return {"model": cfg.model, "revision": cfg.model_revision}


def intermediate(cfg: RunConfig, task: str, translated: Phase | None = None) -> Phase:
    """Phase 2: train the pretrained model on an intermediate task — its English data, or the
    machine-translated copies made by `translated` — and output the encoder."""
    spec = get_task(task, "intermediate")
    from ablate.tasks.evaluated import check_training_sources
    from ablate.tasks.multilingual_tasks import is_multilingual

    check_training_sources(spec)  # no intermediate task trains or selects on an evaluated split
    settings = {"model": model_spec(cfg), "data": data_spec(cfg, task),
                "train": asdict(cfg.intermediate_settings(task)), "numerics": numerics(cfg.compute)}
    if translated is not None or is_multilingual(spec):  # English only, or English + the rest
        settings["mix"] = cfg.mt["mix"]
    return Phase(
        name=f"intermediate:{task}", kind="intermediate", task=task,
        inputs=(translated.name,) if translated else (), settings=settings,
    )


def translate(cfg: RunConfig, task: str, targets: tuple[str, ...] = ()) -> Phase:
    """Machine-translate an intermediate task's English training data into `mt.langs` (default:
    every non-English language of `targets`)."""
    spec = get_task(task, "intermediate")
    from ablate.tasks.multilingual_tasks import is_multilingual

    if is_multilingual(spec):
        raise AblateError(f"Task '{task}' is already multilingual (published multilingual training data); mt-translate "
                          f"translates English data. Use `ablate run stilts --task {task}` (with --mt-mix "
                          "en+translated to add its English part).")
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
    languages = list(cfg.target_languages.get(task) or spec.languages)
    finetune = Phase(
        name=f"finetune:{task}", kind="finetune", task=task, inputs=inputs,
        settings={"model": model_spec(cfg), "data": data_spec(cfg, task, training_only=True),
                  "train": asdict(cfg.finetune_settings(task)), "numerics": numerics(cfg.compute),
                  "trains_on": training_data(task)},
        task_in_key=False,
    )
    if spec.format == "retrieval":
        return _retrieval(cfg, spec, inputs, languages, finetune)
    evaluate = Phase(
        name=f"evaluate:{task}", kind="evaluate", task=task, inputs=(finetune.name,),
        settings={"data": data_spec(cfg, task), "languages": languages,
                  "splits": list(cfg.eval_splits), "max_examples": cfg.max_eval_examples,
                  "max_seq_length": cfg.finetune_settings(task).max_seq_length},
        seeded=False,  # determined by the fine-tuned model it reads, which carries the seed
    )
    return [finetune, evaluate]


def _retrieval(cfg: RunConfig, spec, inputs: tuple[str, ...], languages: list[str], finetune: Phase) -> list[Phase]:
    """BUCC, Tatoeba (and Mewsli-X, LAReQA with `retrieval_finetune = false`): the encoder's
    representations, no training. Mewsli-X, LAReQA: XTREME-R's dual-encoder fine-tune on their
    English pairs, whose model the retrieval phase then encodes with (pooler output, the
    fine-tune's query and candidate lengths)."""
    settings = {"model": model_spec(cfg), "data": data_spec(cfg, spec.name), "languages": languages,
                "retrieval": dict(cfg.retrieval), "max_examples": cfg.max_eval_examples}
    phases = []
    if spec.train and cfg.retrieval_finetune:
        from ablate.tasks.evaluated import check_training_sources

        check_training_sources(spec)  # its pairs are English training data, never an evaluated split
        from ablate.tasks.dual_encoder import max_length  # numpy only: planning stays cheap

        query, candidate = max_length(cfg.finetune_settings(spec.name))
        settings["dual_encoder"] = {"max_query_length": query, "max_seq_length": candidate}
        phases, inputs = [finetune], (finetune.name,)
    return [*phases, Phase(
        name=f"retrieve:{spec.name}", kind="retrieve", task=spec.name, inputs=inputs, settings=settings,
        seeded=False,  # deterministic given its encoder (whose key carries the seed)
    )]
