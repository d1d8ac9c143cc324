"""A percentile interval and two-sided p from replicates of an estimate.

The checklist's best-arm claim averages approximate replicates of per-task differences
(`ablate.stats.components.joint_replicates`) and summarises them here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ablate.errors import AblateError


@dataclass(frozen=True)
class ReplicateSummary:
    """Δ̂ with its percentile CI and two-sided p; ``replicates`` (B,) are the Δ^b it came from."""

    delta: float
    low: float
    high: float
    p: float
    level: float
    replicates: np.ndarray


def summarize(delta: float, replicates: np.ndarray, level: float = 0.95) -> ReplicateSummary:
    """Percentile CI and two-sided p from replicates ``(B,)`` of an estimate ``delta``.

    p = (1 + #{|Δ^b − Δ̂| ≥ |Δ̂|}) / (B + 1): the replicate distribution shifted to the null
    (Δ = 0); p = 1 whenever Δ̂ = 0. The smallest attainable p is 1/(B + 1).
    """
    replicates = np.asarray(replicates, dtype=np.float64)
    if replicates.ndim != 1 or replicates.size == 0:
        raise AblateError(f"replicates must be a non-empty (B,) array, got {replicates.shape}.")
    if not np.all(np.isfinite(replicates)) or not np.isfinite(delta):
        raise AblateError(
            "Replicates are not finite: a resample has an empty denominator "
            "(e.g. accuracy over zero examples); check the statistics and clusters."
        )
    if not 0 < level < 1:
        raise AblateError(f"level must be in (0, 1), got {level}.")
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(replicates, [tail, 1.0 - tail])
    extreme = np.count_nonzero(np.abs(replicates - delta) >= abs(delta))
    p = (1.0 + extreme) / (replicates.size + 1.0)
    return ReplicateSummary(float(delta), float(low), float(high), float(p), level, replicates)
