"""Load a task's data — from the Hub, a local directory or the shipped fixtures — and map it
onto the format's canonical columns (`id`, `parallel_id`, then the format's own columns).

Everything that can go wrong with data input is checked here, with messages that name the
dataset, the split and what was expected.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from ablate.config import RunConfig
from ablate.errors import AblateError
from ablate.tasks.spec import Source, TaskSpec

if TYPE_CHECKING:
    import datasets

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "data"
# Datasets used only as files (no usable Hub copy): hub_id -> the module that finds them. Each has
# `directory(cfg)` (where the files are) and `check_source(src, cfg)` (names missing files and how
# to get them); `read_split(src, cfg)` gives their rows to `load_raw` (`LOCAL_READERS`).
LOCAL_FILES = {"local/ccgbank": "ablate.data.ccg", "local/ud": "ablate.data.ud_files",
               "local/lareqa": "ablate.data.lareqa", "local/mewslix": "ablate.data.mewslix"}
LOCAL_READERS = {"local/ccgbank": "ablate.data.ccg:read_split", "local/ud": "ablate.data.ud_files:read_split",
                 "local/lareqa": "ablate.data.lareqa:read_split", "local/mewslix": "ablate.data.mewslix:read_split"}


def local_dir(root: str | Path, hub_id: str, config: str) -> Path:
    """`<root>/<org>__<name>/<config>/` — the layout of fixtures and of user-supplied copies."""
    return Path(root) / hub_id.replace("/", "__") / config


def load_raw(src: Source, cfg: RunConfig) -> "datasets.Dataset":
    """One split exactly as the Hub serves it (same columns and feature types)."""
    if src.hub_id in LOCAL_READERS:
        import importlib

        module, _, fn = LOCAL_READERS[src.hub_id].partition(":")
        return getattr(importlib.import_module(module), fn)(src, cfg)
    if cfg.data == "fixtures":
        return _load_local(FIXTURES, src, "shipped fixtures")
    if cfg.data_dir:
        found = _find_local(Path(cfg.data_dir), src)
        if found is not None:
            return _load_local(Path(cfg.data_dir), src, f"--data-dir {cfg.data_dir}")
    try:
        return _load_hub(src.hub_id, src.config, src.split, revision_of(src, cfg))
    except AblateError as e:
        raise AblateError(f"{e} {src.hint}".strip()) from e


def local_module(hub_id: str):
    """The module of a file-only dataset (`LOCAL_FILES`)."""
    import importlib

    return importlib.import_module(LOCAL_FILES[hub_id])


def revision_of(src: Source, cfg: RunConfig) -> str | None:
    """The Hub revision used for `src`: the user's pin, else the task's default, else None."""
    return cfg.dataset_revisions.get(src.hub_id, src.revision)


def _find_local(root: Path, src: Source) -> Path | None:
    if not root.is_dir():
        raise AblateError(f"--data-dir '{root}' does not exist or is not a directory.")
    base = local_dir(root, src.hub_id, src.config)
    for ext in ("jsonl", "parquet"):
        if (base / f"{src.split}.{ext}").is_file():
            return base / f"{src.split}.{ext}"
    return None


def _load_local(root: Path, src: Source, where: str) -> "datasets.Dataset":
    path = _find_local(root, src)
    if path is None:
        base = local_dir(root, src.hub_id, src.config)
        raise AblateError(
            f"No {src.split}.jsonl or {src.split}.parquet for {src.hub_id} ({src.config}) in {where}: "
            f"expected it under {base}."
        )
    return _read_file(str(path))


@lru_cache(maxsize=64)
def _read_file(path: str) -> "datasets.Dataset":
    import datasets

    features_file = Path(path).parent / "features.json"
    features = None
    if features_file.is_file():
        features = datasets.Features.from_dict(json.loads(features_file.read_text()))
    kind = "json" if path.endswith(".jsonl") else "parquet"
    return datasets.load_dataset(kind, data_files=path, split="train", features=features)


@lru_cache(maxsize=64)
def _load_hub(hub_id: str, config: str, split: str, revision: str | None) -> "datasets.Dataset":
    import datasets

    try:
        return datasets.load_dataset(hub_id, config, split=split, revision=revision)
    except (ConnectionError, OSError, FileNotFoundError, ValueError, RuntimeError) as e:
        from ablate.data.hub import hub_error

        raise hub_error("dataset", f"{hub_id} ({config}, split {split})", e) from e


def canonical(raw: "datasets.Dataset", src: Source, spec: TaskSpec, lang: str = "en") -> "datasets.Dataset":
    """Filter, check and rename `raw` into the format's columns; drop rows without gold."""
    import datasets

    where = f"{src.describe()} (task {spec.name})"
    needed = list(src.columns.values()) + [c for c, _ in src.where]
    if src.id_column:
        needed.append(src.id_column)
    missing = [c for c in needed if c not in raw.column_names]
    if missing:
        raise AblateError(
            f"{where}: columns {missing} are missing; it has {raw.column_names}. "
            "The dataset's schema differs from the one ablate expects (see its data card)."
        )
    for column, value in src.where:
        if value.endswith("*"):
            keep_rows = [i for i, v in enumerate(raw[column]) if str(v).startswith(value[:-1])]
        else:
            keep_rows = [i for i, v in enumerate(raw[column]) if v == value]
        raw = raw.select(keep_rows)
    if len(raw) == 0:
        raise AblateError(f"{where}: no rows for language '{lang}'.")

    mapping = _label_mapping(raw.features[src.columns["label"]], src, spec, where) if "label" in src.columns else None
    # Built CANONICAL_CHUNK rows at a time into Arrow: the whole split as Python lists (the old way)
    # peaked at ~11x the dataset's Arrow size (1.4 GB for MNLI's 393k rows).
    import pyarrow as pa

    needed_columns = list(dict.fromkeys([*src.columns.values(), *([src.id_column] if src.id_column else [])]))
    view = raw.select_columns(needed_columns)
    tables = []
    for start in range(0, len(view), CANONICAL_CHUNK):
        chunk = view[start:start + CANONICAL_CHUNK]
        columns = {canon: chunk[hub] for canon, hub in src.columns.items()}
        rows = len(next(iter(chunk.values())))
        ids = [str(x) for x in chunk[src.id_column]] if src.id_column else [str(start + i) for i in range(rows)]
        keep = range(rows)
        if mapping is not None:
            labels, keep = _labels(columns["label"], mapping, src, where)
            columns = {k: [v[i] for i in keep] for k, v in columns.items()}
            columns["label"] = labels
        tables.append(pa.Table.from_pydict({
            "id": [f"{lang}:{ids[i]}" for i in keep],
            # Position in the (parallel) source: the same example in every language of XNLI/PAWS-X.
            "parallel_id": [ids[i] if src.parallel else f"{lang}:{ids[i]}" for i in keep],
            **columns,
        }))
    table = pa.concat_tables(tables, promote_options="default")  # a chunk of empty lists types them null
    if table.num_rows == 0:
        raise AblateError(f"{where}: every row lacks a gold label.")
    # Named from the raw data's fingerprint and the conversion: without one, datasets hashes the
    # whole in-memory table (a transient copy the size of the data, and seconds at MNLI's size).
    name = json.dumps([raw._fingerprint, repr(src), spec.name, lang])
    return datasets.Dataset(table, fingerprint=hashlib.sha256(name.encode()).hexdigest()[:16])


# Rows converted at a time by `canonical`: its peak memory is the dataset's Arrow size plus one chunk.
CANONICAL_CHUNK = 20_000


def _label_mapping(feature, src: Source, spec: TaskSpec, where: str) -> dict:
    """Source label value -> the task's label id."""
    if src.label_map is not None:
        return dict(src.label_map)
    names = getattr(feature, "names", None)
    if names is not None and list(names) != list(spec.label_names):
        raise AblateError(f"{where}: label names {list(names)} differ from the task's {list(spec.label_names)}.")
    return {i: i for i in range(len(spec.label_names))}


def _labels(values, mapping: dict, src: Source, where: str) -> tuple[list[int], list[int]]:
    """(label ids, positions kept): rows whose label means "no gold" are dropped."""
    labels, keep = [], []
    for i, v in enumerate(values):
        if v in src.drop_labels or v == "":
            continue
        if v not in mapping:
            valid = sorted(mapping, key=str)
            raise AblateError(f"{where}: label value {v!r} is not one of {valid}.")
        labels.append(mapping[v])
        keep.append(i)
    return labels, keep


def load_task_split(spec: TaskSpec, which: str, cfg: RunConfig, lang: str = "en",
                    counts: dict[str, int] | None = None) -> "datasets.Dataset":
    """`which` is 'train', 'dev' or an evaluation split name; several sources are concatenated.

    A source's selection rules (held-out slice, excluded test contexts) are applied here;
    `counts`, when given, receives how many rows they removed (`excluded`, `held_out`)."""
    import datasets

    if which == "train":
        sources = spec.train
    elif which == "dev":
        sources = spec.dev
    else:
        if which not in spec.evaluation:
            raise AblateError(f"Task '{spec.name}' has no '{which}' evaluation split; it has {list(spec.evaluation)}.")
        sources = (spec.evaluation[which].for_lang(lang),)
    parts = []
    for src in sources:
        raw = load_raw(src, cfg)
        src_lang = src.lang or lang  # one language of multilingual training data
        check_against_card(raw, src, cfg, src_lang)
        part = _restricted(canonical(raw, src, spec, src_lang), src, cfg, src_lang, counts if counts is not None else {})
        parts.append(_tagged(part, src, len(sources)))
    return parts[0] if len(parts) == 1 else datasets.concatenate_datasets(parts)


def _restricted(ds: "datasets.Dataset", src: Source, cfg: RunConfig, lang: str,
                counts: dict[str, int]) -> "datasets.Dataset":
    """`ds` after `src`'s held-out slice and context exclusions; counts what each removed."""
    from ablate.data.restrict import holdout_rows, normalize_context, rows_without_contexts

    if src.exclude_contexts:
        banned = set()
        for other in src.exclude_contexts:
            raw = load_raw(other, cfg)
            check_against_card(raw, other, cfg, "en")
            banned.update(normalize_context(c) for c in raw["context"])
        keep = rows_without_contexts(ds["context"], banned)
        counts["excluded"] = counts.get("excluded", 0) + len(ds) - len(keep)
        ds = ds.select(keep)
    if src.holdout is not None:
        prefix = f"{lang}:"
        ids = [i[len(prefix):] if i.startswith(prefix) else i for i in ds["id"]]
        keep = holdout_rows(ids, src.holdout)
        other_part = "rest" if src.holdout.part == "held_out" else "held_out"
        counts[other_part] = counts.get(other_part, 0) + len(ds) - len(keep)
        ds = ds.select(keep)
    if len(ds) == 0:
        raise AblateError(f"{src.describe()}: no rows left after its selection rules ({'; '.join(src.rules())}).")
    return ds


def _tagged(part: "datasets.Dataset", src: Source, n_sources: int) -> "datasets.Dataset":
    """Prefix ids with their source when several are concatenated (ANLI+), keeping them unique."""
    if n_sources == 1:
        return part
    tag = f"{src.hub_id.split('/')[-1]}.{src.split}"
    ids = [f"{tag}:{i}" for i in part["id"]]
    return part.remove_columns(["id", "parallel_id"]).add_column("id", ids).add_column("parallel_id", ids)


def load_translated_train(spec: TaskSpec, root: Path, cfg: RunConfig, mix: str) -> "datasets.Dataset":
    """Training data of a translate phase's output (`<root>/data/<lang>/<i>/train.jsonl`, i = training
    source), plus the English original when `mix` is 'en+translated'."""
    import datasets

    parts = [load_task_split(spec, "train", cfg)] if mix == "en+translated" else []
    for lang_dir in sorted(p for p in (root / "data").iterdir() if p.is_dir()):
        for i, src in enumerate(spec.train):
            path = lang_dir / str(i) / "train.jsonl"
            if path.is_file() and path.stat().st_size:
                parts.append(_tagged(canonical(_read_file(str(path)), src, spec, lang_dir.name), src, len(spec.train)))
    if not parts:
        raise AblateError(f"No translated training data under {root / 'data'}.")
    return parts[0] if len(parts) == 1 else datasets.concatenate_datasets(parts)


def check_against_card(raw: "datasets.Dataset", src: Source, cfg: RunConfig, lang: str) -> None:
    """Features (and, for a full Hub split, the row count) must match the dataset's data card,
    so a changed Hub copy fails loudly instead of silently shifting results."""
    if src.hub_id in LOCAL_FILES:
        return  # its reader checks the documented file format itself
    from ablate.cards import check_features, check_size, find_card

    card = find_card(src.hub_id, src.config)
    check_features(card, raw.features)
    if cfg.data == "hub" and not cfg.data_dir and src.split in card.splits:
        check_size(card, src.split, len(raw), lang if isinstance(card.splits[src.split], dict) else None)


def fingerprint(ds: "datasets.Dataset") -> str:
    """sha256 (16 hex) over the canonical rows: equal content, equal fingerprint."""
    h = hashlib.sha256()
    for batch in ds.with_format("arrow").iter(batch_size=10_000):
        for name in sorted(batch.column_names):
            h.update(name.encode())
            h.update(json.dumps(batch.column(name).to_pylist(), ensure_ascii=False).encode())
    return h.hexdigest()[:16]
