"""Checks that run before any MLflow run is opened, so bad input fails fast and leaves nothing
half-written: the model and every dataset the plan needs must be reachable."""

from __future__ import annotations

from ablate.config import RunConfig
from ablate.errors import AblateError
from ablate.plan import Plan
from ablate.tasks import get_task


def preflight(plan: Plan, cfg: RunConfig, offline: bool) -> None:
    from ablate.models import TINY_MODELS, resolve_model

    path = resolve_model(cfg.model, cfg.model_revision)  # raises for a missing local path
    if cfg.model not in TINY_MODELS and path == cfg.model:
        _check_hub_model(cfg.model, cfg.model_revision)
    if cfg.data == "hub" and offline:
        for hub_id, config, revision, hint in _hub_sources(plan, cfg):
            _check_hub_dataset(hub_id, config, revision, hint)


def _hub_sources(plan: Plan, cfg: RunConfig) -> list[tuple[str, str, str | None, str]]:
    from ablate.data.load import LOCAL_READERS, _find_local, revision_of

    seen: dict[tuple[str, str], None] = {}
    from ablate.data.bucc import has_local

    for phase in plan.phases:
        spec = get_task(phase.task)
        if spec.name == "bucc2018" and has_local(cfg.data_dir):
            continue  # the full local corpus replaces the Hub's gold-only copy
        for src in (*spec.sources, *_reference_sources(phase, spec)):
            src = src.for_lang(spec.languages[0]) if spec.languages else src
            if src.hub_id in LOCAL_READERS:
                if src.hub_id == "local/ccgbank":
                    from ablate.data.ccg import check_files

                    check_files(cfg)
                continue
            if cfg.data_dir and _find_local(__import__("pathlib").Path(cfg.data_dir), src) is not None:
                continue
            seen[(src.hub_id, src.config, revision_of(src, cfg), src.hint)] = None
    return list(seen)


def _reference_sources(phase, spec) -> tuple:
    """The English side of the MT quality gate's reference set (FLORES+ is gated: fail early)."""
    if phase.kind != "translate":
        return ()
    from ablate.mt.references import resolve

    ref = resolve(spec.format, phase.settings["mt"]["reference"])
    return (ref.source,) if ref else ()


def _check_hub_model(model: str, revision: str | None) -> None:
    from transformers import AutoConfig

    from ablate.data.hub import hub_error

    try:
        AutoConfig.from_pretrained(model, revision=revision)
    except (OSError, ValueError) as e:
        raise hub_error("model", model, e) from e


def _check_hub_dataset(hub_id: str, config: str, revision: str | None, hint: str = "") -> None:
    import datasets

    from ablate.data.hub import hub_error

    try:
        datasets.load_dataset_builder(hub_id, config, revision=revision)
    except Exception as e:  # datasets raises several unrelated types for "not in the cache"
        error = hub_error("dataset", f"{hub_id} ({config})", e)
        raise AblateError(f"{error} {hint}".strip()) from e


__all__ = ["preflight", "AblateError"]
