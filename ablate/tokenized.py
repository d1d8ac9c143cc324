"""Tokenized training features, cached on disk and shared by every seed and recipe.

A training phase's features depend only on the canonical rows (their content fingerprint), the
tokenizer (its full serialisation, not its path: an intermediate encoder saves the same
tokenizer under a new directory), the format's preprocessing code and the maximum length. The
key is made of exactly those, like a phase key (`ablate.keys.digest`), so the second seed, and
a second recipe fine-tuning on the same data, load the features instead of tokenizing again.

Features are built CHUNK rows at a time, each chunk written to disk before the next is
tokenized, saved as Arrow files under `<output_dir>/tokenized/<key>/` and read back
memory-mapped, so neither building nor training holds the whole set in memory.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from types import ModuleType

from ablate.keys import digest

VERSION = 1  # bump when the cache layout changes
# The tokenizer returns Python lists (~15 KB per MNLI pair, measured): all of MNLI's 393k pairs
# at once would hold ~6 GB, one chunk holds ~30 MB.
CHUNK = 2048


def tokenizer_digest(tokenizer) -> str:
    """sha256 (16 hex) over the tokenizer's class, full serialisation and special tokens."""
    h = hashlib.sha256(type(tokenizer).__name__.encode())
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is None:  # a slow tokenizer: its vocabulary is what it encodes with
        h.update(digest(sorted(tokenizer.get_vocab().items())).encode())
    else:  # without the truncation/padding state, which every call with truncation=... rewrites
        state = json.loads(backend.to_str())
        h.update(digest({k: v for k, v in state.items() if k not in ("truncation", "padding")}).encode())
    h.update(digest([tokenizer.all_special_tokens, tokenizer.model_max_length]).encode())
    return h.hexdigest()[:16]


def cache_key(fmt: ModuleType, data_digest: str, tokenizer, max_length: int) -> str:
    from ablate.code_digest import code_digest

    return digest([VERSION, fmt.__name__, code_digest(fmt.__name__), data_digest,
                   tokenizer_digest(tokenizer), max_length], 24)


def train_features(fmt: ModuleType, ds, data_digest: str, tokenizer, max_length: int, root: Path):
    """(features, reused): the format's training features for canonical rows `ds` whose
    fingerprint is `data_digest`; built and saved on a miss, loaded on a hit."""
    from datasets import load_from_disk

    final = Path(root) / cache_key(fmt, data_digest, tokenizer, max_length)
    if (final / "dataset_info.json").is_file():
        return load_from_disk(str(final)), True
    tmp = final.with_name(f"{final.name}.partial-{os.getpid()}")
    parts = final.with_name(f"{final.name}.parts-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        _build(fmt, ds, tokenizer, max_length, parts).save_to_disk(str(tmp))
        if not final.exists():  # another process may have saved the same features meanwhile
            os.replace(tmp, final)
    except OSError:
        if not (final / "dataset_info.json").is_file():
            raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(parts, ignore_errors=True)
    return load_from_disk(str(final)), False


def _build(fmt: ModuleType, ds, tokenizer, max_length: int, parts: Path):
    """The features of `ds`, tokenized CHUNK rows at a time into `parts/<i>` and returned as
    one memory-mapped dataset (every format's features of a row depend on that row alone)."""
    from datasets import concatenate_datasets, load_from_disk

    shutil.rmtree(parts, ignore_errors=True)
    chunks = []
    for i, start in enumerate(range(0, max(1, len(ds)), CHUNK)):
        rows = ds.select(range(start, min(start + CHUNK, len(ds))))
        fmt.train_features(rows, tokenizer, max_length).save_to_disk(str(parts / str(i)))
        chunks.append(load_from_disk(str(parts / str(i))))
    return concatenate_datasets(chunks)
