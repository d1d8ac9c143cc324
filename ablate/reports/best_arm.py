"""The "best model per target task" claim, corrected for choosing the best arm after the fact.

Inputs (points): `deltas` (A, T) — Δ̂ of each of A arms against the baseline on each of T tasks —
and `replicates` (A, T, B) — the bootstrap replicates Δ^b of the same comparisons, drawn jointly
(replicate b of every arm and task from the same seed and example draw, as `ablate compare`
produces them).

The estimate is T̂ = mean over tasks of max over arms of Δ̂. Taking the maximum after seeing the
results makes the usual pairwise p too small (with several arms, one is "best" by luck). The p here
is a max-over-arms null (White's reality check, one-sided because the claim is a gain): under the
global null that no arm differs from the baseline, T̂ is distributed like
mean_t max_a (Δ^b_{a,t} − Δ̂_{a,t}), the centred replicates put through the same selection.
p = (1 + #{null^b ≥ T̂}) / (B + 1). The CI is the percentile interval of the chosen arms'
replicates: conditional on the choice, hence optimistic ("post hoc"), and reported as such.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ablate.errors import AblateError


@dataclass(frozen=True)
class BestArm:
    delta: float  # mean over tasks of the best arm's Δ̂
    low: float  # post-hoc percentile CI of the chosen arms (optimistic)
    high: float
    p: float  # one-sided, max-over-arms null: accounts for choosing the best arm
    chosen: tuple[int, ...]  # per task, the index of the chosen arm


def best_per_task(deltas: np.ndarray, replicates: np.ndarray, level: float = 0.95) -> BestArm:
    deltas, replicates = np.asarray(deltas, dtype=float), np.asarray(replicates, dtype=float)
    if deltas.ndim != 2 or replicates.shape[:2] != deltas.shape or replicates.ndim != 3 or replicates.shape[2] == 0:
        raise AblateError(f"best_per_task needs deltas (A, T) and replicates (A, T, B); got {deltas.shape} "
                          f"and {replicates.shape}.")
    chosen = deltas.argmax(axis=0)  # (T,)
    tasks = np.arange(deltas.shape[1])
    estimate = float(deltas[chosen, tasks].mean())
    picked = replicates[chosen, tasks, :].mean(axis=0)  # (B,)
    null = (replicates - deltas[:, :, None]).max(axis=0).mean(axis=0)  # (B,)
    p = (1.0 + np.count_nonzero(null >= estimate)) / (null.size + 1.0)
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(picked, [tail, 1.0 - tail])
    return BestArm(estimate, float(low), float(high), float(p), tuple(int(a) for a in chosen))
