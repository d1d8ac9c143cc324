"""Row rules that keep test data out of checkpoint selection (pure: lists in, row indices out).

- `holdout_rows`: a deterministic slice of a split by sha256 of the example id, so a selection
  set can be carved out of a training split (TyDiQA-GoldP has no English dev split of its own).
- `rows_without_contexts`: drop the rows whose context belongs to a test set (SQuAD v1.1 dev
  holds the English originals of XQuAD's paragraphs).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence

from ablate.tasks.spec import Holdout


def holdout_rows(ids: Sequence[str], holdout: Holdout) -> list[int]:
    """Indices (in the original order) of `holdout.part` of the rows identified by `ids`."""
    n = len(ids)
    size = max(1, min(holdout.size, math.floor(n * holdout.max_fraction))) if n else 0
    ranked = sorted(range(n), key=lambda i: (_digest(holdout.salt, ids[i]), i))
    held = set(ranked[:size])
    keep_held = holdout.part == "held_out"
    return [i for i in range(n) if (i in held) == keep_held]


def _digest(salt: str, example_id: str) -> str:
    return hashlib.sha256(f"{salt}:{example_id}".encode("utf-8")).hexdigest()


def normalize_context(text: str) -> str:
    """Whitespace-insensitive form of a paragraph, so re-serialised copies still match."""
    return " ".join(text.split())


def rows_without_contexts(contexts: Sequence[str], excluded: Iterable[str]) -> list[int]:
    """Indices of the rows whose (normalised) context is not in `excluded` (normalised)."""
    banned = set(excluded)
    return [i for i, c in enumerate(contexts) if normalize_context(c) not in banned]
