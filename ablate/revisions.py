"""Resolve unpinned Hub revisions to commits once, before a run, so the run is keyed, loaded
and tagged with what it actually read (a branch such as `main` can move between runs).

Offline, or when the Hub cannot answer, the requested revision is kept and a note says so; the
phase keys then say `unpinned` (ablate.keys), and a later online run may key differently.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ablate.config import RunConfig
from ablate.plan import Plan
from ablate.tasks import get_task


def hub_datasets(plan: Plan, cfg: RunConfig) -> dict[str, str | None]:
    """Hub dataset id -> requested revision, for every source the plan may read from the Hub."""
    from ablate.data.load import LOCAL_FILES, revision_of

    if cfg.data != "hub":
        return {}
    out: dict[str, str | None] = {}
    for phase in plan.phases:
        spec = get_task(phase.task)
        for src in spec.sources:  # with the languages served elsewhere (XTREME-R's by_lang)
            if src.hub_id not in LOCAL_FILES:
                out.setdefault(src.hub_id, revision_of(src, cfg))
    return out


def resolve_revisions(plan: Plan, cfg: RunConfig, offline: bool, api=None) -> tuple[RunConfig, list[str]]:
    """`cfg` with the model's and every Hub dataset's revision resolved to a commit sha, and
    notes for what could not be resolved. `api` is a huggingface_hub.HfApi (injected in tests)."""
    from ablate.models import TINY_MODELS

    hub_model = cfg.model not in TINY_MODELS and not Path(cfg.model).expanduser().exists()
    datasets = hub_datasets(plan, cfg)
    if not hub_model and not datasets:
        return cfg, []
    if offline:
        return cfg, ["offline: Hub revisions kept as requested (unpinned ones are keyed 'unpinned')"]
    if api is None:
        from huggingface_hub import HfApi

        api = HfApi()
    notes: list[str] = []

    def commit(kind: str, ident: str, revision: str | None) -> str | None:
        try:
            info = api.model_info(ident, revision=revision) if kind == "model" else api.dataset_info(ident, revision=revision)
        except Exception as e:  # any Hub failure: keep what was asked for, and say so
            notes.append(f"could not resolve {kind} {ident}@{revision or 'default'} ({type(e).__name__}): kept as requested")
            return revision
        return info.sha or revision

    model_revision = commit("model", cfg.model, cfg.model_revision) if hub_model else cfg.model_revision
    pins = dict(cfg.dataset_revisions)
    for hub_id, revision in datasets.items():
        resolved = commit("dataset", hub_id, revision)
        if resolved is not None:
            pins[hub_id] = resolved
    return replace(cfg, model_revision=model_revision, dataset_revisions=pins), notes
