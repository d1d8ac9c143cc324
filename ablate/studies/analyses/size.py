"""Intermediate task × model size: does the better task depend on the model?

Input: ``scores[(task, model)]`` ``(S,)`` — per seed, one score (points; e.g. the XTREME average
or one target task) of STILTs with that intermediate task on that model; optionally
``baselines[model]`` ``(S,)`` to report gains. The interaction is the difference in differences

    DiD = (A_large − B_large) − (A_small − B_small)

(the baselines cancel: gain_A − gain_B = A − B on the same model). Test: Welch–Satterthwaite t
over the four independent cells; beside it a percentile bootstrap interval that resamples seeds
within each cell (narrower with few seeds: the verdict uses the t test).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ablate.reports.power import MAX_SEEDS
from ablate.studies.analyses.contrast import Contrast, bootstrap_interval, contrast, seeds_needed

WEIGHTS = (1.0, -1.0, -1.0, 1.0)  # A_large, B_large, A_small, B_small


@dataclass
class Interaction:
    task_a: str
    task_b: str
    large: str
    small: str
    metric: str
    did: Contrast
    boot_low: float
    boot_high: float
    difference_large: float  # A − B on the large model
    difference_small: float
    verdict: str
    support: str
    seeds_needed: int | None  # per cell, for 80 % power at |DiD| = max(|DiD̂|, 1 point)


def interaction(scores: dict[tuple[str, str], np.ndarray], task_a: str, task_b: str, large: str, small: str,
                rng, metric: str = "score", n_boot: int = 10_000, alpha: float = 0.05) -> Interaction:
    cells = [np.asarray(scores[k], float) for k in ((task_a, large), (task_b, large), (task_a, small), (task_b, small))]
    did = contrast(cells, list(WEIGHTS), alpha)
    lo, hi = bootstrap_interval(cells, list(WEIGHTS), n_boot, alpha, rng)
    seeds = min(len(c) for c in cells)
    if not np.isfinite(did.p):
        verdict = "not testable (a cell has fewer than 2 seeds)"
    elif did.p <= alpha:
        better = task_a if did.estimate > 0 else task_b
        verdict = f"interaction: {better} gains more (relative to the other task) on {large} than on {small}"
    else:
        verdict = "no interaction detected"
    variances = [np.var(c, ddof=1) if len(c) > 1 else np.nan for c in cells]
    needed, target, _ = seeds_needed(variances, WEIGHTS, seeds, did.estimate, alpha)
    support = (f"{seeds} seeds per (task, model) cell: the {100 * (1 - alpha):g} % interval of the interaction is "
               f"[{did.low:+.2f}, {did.high:+.2f}] points (bootstrap over seeds: [{lo:+.2f}, {hi:+.2f}]). "
               + (f"About {needed} seeds per cell would detect an interaction of {target:.1f} points with 80 % power."
                  if needed else f"More than {MAX_SEEDS} seeds per cell would be needed for {target:.1f} points."
                  if np.isfinite(did.se) and did.se > 0 else "Seeds needed: not estimable (no seed variance measured)."))
    return Interaction(task_a, task_b, large, small, metric, did, lo, hi, float(cells[0].mean() - cells[1].mean()),
                       float(cells[2].mean() - cells[3].mean()), verdict, support, needed)
