"""Checks that run before any MLflow run is opened, so bad input fails fast and leaves nothing
half-written: the output directory must be writable, the device present, the model and every
dataset the plan needs reachable, and every local data file it will read must parse and match
its data card (a broken file found after an hour of training is an hour lost)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ablate.config import RunConfig
from ablate.errors import AblateError
from ablate.plan import Plan
from ablate.tasks import get_task


def preflight(plan: Plan, cfg: RunConfig, offline: bool) -> None:
    from ablate.models import TINY_MODELS, resolve_model

    check_writable(Path(cfg.output_dir), "--output-dir")
    if cfg.store_uri.startswith("sqlite:///"):
        check_writable(Path(cfg.store_uri[len("sqlite:///"):]).parent, "the sqlite tracking store's directory")
    check_server(cfg.store_uri)
    _check_device(cfg)
    path = resolve_model(cfg.model, cfg.model_revision)  # raises for a missing local path
    if cfg.model not in TINY_MODELS and path == cfg.model:
        _check_hub_model(cfg.model, cfg.model_revision)
    if cfg.data == "hub":
        _check_file_only_datasets(plan, cfg)  # online too: they are never downloaded
    if cfg.data == "hub" and offline:
        for (hub_id, config, revision, hint), splits in _hub_sources(plan, cfg).items():
            _check_hub_dataset(hub_id, config, revision, hint, _missing_local(cfg, hub_id, config, splits))
    if cfg.data == "hub" and cfg.data_dir:
        _check_local_files(plan, cfg)
    for phase in plan.phases:
        if "mlm" in phase.settings:  # stilts-mlm's corpus
            from ablate.mlm.planning import preflight as mlm_preflight

            mlm_preflight(cfg, phase, offline)


def check_writable(path: Path, what: str) -> None:
    """Refuse a path that is a file, or whose directory cannot be written, before anything is
    created. A test write, not os.access: root passes os.access on read-only mounts' parents."""
    path = path.expanduser()
    if path.exists() and not path.is_dir():
        raise AblateError(f"{what} '{path}' is an existing file, not a directory: choose another path.")
    probe = path
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        raise AblateError(f"{what} '{path}' cannot be created: '{probe}' is a file.")
    try:
        fd, name = tempfile.mkstemp(dir=probe, prefix=".ablate-write-test-")
        os.close(fd)
        os.unlink(name)
    except OSError as e:
        raise AblateError(f"{what} '{path}' is not writable ({e.strerror} at '{probe}'): "
                          "choose a writable directory with --output-dir.") from e


def check_server(uri: str) -> None:
    """An HTTP tracking server must answer now: MLflow itself retries for minutes before failing."""
    if not uri.startswith(("http://", "https://")):
        return
    import urllib.request

    try:
        urllib.request.urlopen(uri.rstrip("/") + "/health", timeout=10).close()
    except OSError as e:
        reason = getattr(e, "reason", None) or e
        raise AblateError(f"The MLflow tracking server at {uri} does not answer ({reason}): start it, or "
                          "omit --tracking-uri to track in sqlite inside --output-dir.") from e


def check_store_exists(uri: str) -> None:
    """Readers (compare, checklist, ui) must not create an empty sqlite store as a side effect."""
    check_server(uri)
    if uri.startswith("sqlite:///") and not Path(uri[len("sqlite:///"):]).is_file():
        raise AblateError(f"No MLflow store at {uri}: run a recipe first, or pass the --output-dir "
                          "(or --tracking-uri) that `ablate run` used.")


def _check_device(cfg: RunConfig) -> None:
    if "cuda" not in (cfg.device, cfg.mt.get("device")):
        return
    import torch

    if not torch.cuda.is_available():
        raise AblateError(f"--device cuda, but this torch ({torch.__version__}) sees no CUDA device: use "
                          "--device cpu (or auto), or install a CUDA build of torch.")


def _sources(plan: Plan, cfg: RunConfig):
    """(spec, source, language) for every split of every language the plan's phases can read,
    including the sets selection excludes (XQuAD.en) and the MT gate's English references."""
    seen = set()
    for phase, spec in ((p, get_task(name)) for p in plan.phases for name in p.data_tasks):
        # a retrieval phase reads evaluation data only: Mewsli-X's training pairs are the fine-tune's
        # (absent from a plan with retrieval_finetune = false, so not required then)
        sources = spec.sources[len(spec.training_sources):] if phase.kind == "retrieve" else spec.sources
        for src in (*sources, *_reference_sources(phase, spec)):
            for lang in dict.fromkeys(phase.settings.get("languages") or spec.languages or ["en"]):
                one = src.for_lang(lang)
                key = (spec.name, repr(one))  # Source holds mappings: not hashable
                if key not in seen:
                    seen.add(key)
                    yield spec, one, lang


def _check_local_files(plan: Plan, cfg: RunConfig) -> None:
    """Parse every local copy the run will read and check it against its card and label set."""
    from ablate.data.load import LOCAL_FILES, _find_local, canonical, check_against_card, load_raw

    seen = set()
    for spec, src, lang in _sources(plan, cfg):
        if src.hub_id in LOCAL_FILES or (src.hub_id, src.config, src.split) in seen:
            continue
        seen.add((src.hub_id, src.config, src.split))
        path = _find_local(Path(cfg.data_dir), src)
        if path is None:
            continue
        try:
            raw = load_raw(src, cfg)
        except AblateError:
            raise
        except Exception as e:  # datasets and pyarrow raise many unrelated types for a bad file
            root = e
            while root.__cause__ is not None or root.__context__ is not None:
                root = root.__cause__ or root.__context__  # the parser's own words, e.g. "... in row 8"
            first = str(root).splitlines()[0] if str(root) else type(root).__name__
            raise AblateError(f"Local data file '{path}' does not parse ({first}): fix it or remove it "
                              f"(it holds {src.hub_id} {src.config} {src.split}).") from e
        try:
            check_against_card(raw, src, cfg, lang)
            canonical(raw, src, spec, lang)
        except AblateError as e:
            raise AblateError(f"Local data file '{path}': {e}") from e


def _missing_local(cfg: RunConfig, hub_id: str, config: str, splits: list[str]) -> str:
    if not cfg.data_dir:
        return ""
    from ablate.data.load import local_dir

    base = local_dir(cfg.data_dir, hub_id, config)
    files = ", ".join(f"'{base / split}.jsonl'" for split in splits)
    return f"Missing under --data-dir: {files} (or .parquet)."


def _check_file_only_datasets(plan: Plan, cfg: RunConfig) -> None:
    """Every file of a file-only dataset (UD v2.7, Mewsli-X, LAReQA, CCGbank) the plan reads must
    exist; one error names all that are missing, each dataset's with how to get it."""
    from ablate.data.load import LOCAL_FILES, local_module
    from ablate.errors import MissingFiles

    missing = []
    for _, src, _ in _sources(plan, cfg):
        if src.hub_id in LOCAL_FILES:
            try:
                local_module(src.hub_id).check_source(src, cfg)
            except MissingFiles as e:
                missing.append(e)
    if missing:
        raise MissingFiles.combined(missing)


def _hub_sources(plan: Plan, cfg: RunConfig) -> dict[tuple[str, str, str | None, str], list[str]]:
    """(Hub id, config, revision, hint) -> the splits the plan reads from it (no local copy)."""
    from ablate.data.bucc import has_local
    from ablate.data.load import LOCAL_FILES, _find_local, revision_of

    seen: dict[tuple[str, str, str | None, str], list[str]] = {}
    for spec, src, _ in _sources(plan, cfg):
        if spec.name == "bucc2018" and has_local(cfg.data_dir):
            continue  # the full local corpus replaces the Hub's gold-only copy
        if src.hub_id in LOCAL_FILES:
            continue  # _check_file_only_datasets
        if cfg.data_dir and _find_local(Path(cfg.data_dir), src) is not None:
            continue
        splits = seen.setdefault((src.hub_id, src.config, revision_of(src, cfg), src.hint), [])
        if src.split not in splits:
            splits.append(src.split)
    return seen


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
        AutoConfig.from_pretrained(model, revision=revision, trust_remote_code=False)  # runs none of its code
    except (OSError, ValueError) as e:
        if "trust_remote_code" in str(e):
            return  # it exists; whether its code may run is decided when it loads (--trust-remote-code)
        raise hub_error("model", model, e) from e


def _check_hub_dataset(hub_id: str, config: str, revision: str | None, hint: str = "", local: str = "") -> None:
    import datasets

    from ablate.data.hub import hub_error

    try:
        datasets.load_dataset_builder(hub_id, config, revision=revision)
    except Exception as e:  # datasets raises several unrelated types for "not in the cache"
        error = hub_error("dataset", f"{hub_id} ({config})", e)
        raise AblateError(f"{local} {error} {hint}".strip()) from e


__all__ = ["preflight", "check_writable", "check_server", "check_store_exists", "AblateError"]
