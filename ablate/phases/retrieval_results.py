"""What a retrieval scorer returns per (split, language), and how a retrieval task is scored.

Shared by `ablate.phases.retrieve` (BUCC, Tatoeba, and the phase itself) and
`ablate.phases.ranked_retrieval` (Mewsli-X, LAReQA), so neither imports the other's internals.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType

import numpy as np


@dataclass
class SplitResult:
    """One (split, language): prediction columns, per-example statistics and provenance."""

    split: str
    columns: dict  # id, parallel_id, gold, prediction, ... (one entry per example)
    stats: np.ndarray  # (n_examples, len(stat_names))
    stat_names: tuple[str, ...]
    digest: str
    source: str
    details: dict = field(default_factory=dict)
    candidates: dict | None = None  # BUCC: every mined pair (source_id, target_id, score)


@dataclass(frozen=True)
class Scorer:
    """How one retrieval task is scored: per-language scoring, its metric module, its settings."""

    score: Callable[..., list[SplitResult]]  # (spec, lang, ctx, encoder, search[, shared]) -> per split
    metric: ModuleType  # stat_names + aggregate(totals)
    info: dict  # recorded with every result
    # (spec, ctx, encoder, search) -> what every language shares (an encoded candidate pool),
    # passed to `score` as `shared=`; None when languages share nothing
    prepare: Callable | None = None
