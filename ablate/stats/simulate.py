"""Simulated studies with a known answer: the calibration and power checks of the default test.

A study has ``tasks`` target tasks × ``languages`` languages, ``seeds`` fine-tuning seeds per arm
and ``n`` test examples per language, repeated ``sims`` times (a leading batch axis). Example i of
arm a, seed s, language l is correct with probability ``sigmoid(difficulty_li + γ_a,li + b_a,s +
effect_a)``:

- ``b_a,s ~ N(0, tau²)``: the seed effect, SHARED by all languages of a task (one fine-tuned
  model per seed serves every language) — the regime the issue showed breaks the bootstrap;
- ``γ_a,li ~ N(0, gamma²)``: arm × example interaction that persists over seeds — which examples
  one arm happens to get right; it is what test-set sampling adds to Δ's uncertainty;
- the Bernoulli draw itself: the seed × example noise.

A/A: ``effect = 0`` for both arms (the null holds for the population of examples and seeds).
Planted effect: arm A gets ``+effect`` on the logit scale. Scores are 0/1 correctness ×100
(points), i.e. already linearised accuracy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ablate.stats import components as vc
from ablate.stats import maxt

REGIMES = {  # name: (tau, gamma) — seed vs test-set share of Var(Δ̂) at n = 400, S = 5
    "seed-dominated": (0.6, 0.0),
    "balanced": (0.12, 0.35),
    "test-dominated": (0.0, 0.6),
}


@dataclass(frozen=True)
class Design:
    tasks: int = 3
    languages: int = 4
    seeds: int = 5
    n: int = 400
    tau: float = 0.3
    gamma: float = 0.3
    effect: float = 0.0


def simulate(rng: np.random.Generator, design: Design, sims: int) -> list[list[tuple[np.ndarray, np.ndarray]]]:
    """Per task, per language: ``(y_A (sims, S, n), y_B (sims, S, n))`` in points."""
    d = design
    out = []
    for _ in range(d.tasks):
        seed_effect = rng.normal(0.0, d.tau, (2, sims, d.seeds, 1))  # shared across languages
        cells = []
        for _ in range(d.languages):
            difficulty = rng.normal(1.0, 1.5, (sims, 1, d.n))
            arms = []
            for a, shift in enumerate((d.effect, 0.0)):
                logit = difficulty + rng.normal(0.0, d.gamma, (sims, 1, d.n)) + seed_effect[a] + shift
                arms.append(100.0 * (rng.random((sims, d.seeds, d.n)) < 1 / (1 + np.exp(-logit))))
            cells.append((arms[0], arms[1]))
        out.append(cells)
    return out


@dataclass(frozen=True)
class LevelRates:
    """Rejection rates at α per level (cell, task, overall) and of k̂ ≥ 1 (either sign)."""

    cell: float
    task: float
    overall: float
    count: float


def components_pvalues(study, paired: bool, alpha: float = 0.05) -> dict[str, np.ndarray]:
    """p-values of the default test at every level of a simulated study: cell ``(sims, T·L)``,
    task ``(sims, T)``, overall ``(sims,)``, and the max-T adjusted cell p of k̂ ``(sims, T·L)``."""
    cells, tasks, adjusted = [], [], []
    for task in study:
        moments = [vc.cell_moments(a, b, paired) for a, b in task]
        tests = [vc.components_test(m, alpha) for m in moments]
        cells.append(np.stack([r.p for r in tests], axis=-1))
        variance = np.stack([r.var_seeds + r.var_examples for r in tests], axis=-1)
        adjusted.append(maxt.stepdown(np.stack([r.delta for r in tests], -1) / np.sqrt(variance),
                                      np.stack([r.df for r in tests], -1), variance,
                                      maxt.shared_covariance(moments)))
        tasks.append(vc.mean_moments(moments))
    overall = vc.components_test(vc.mean_moments(tasks), alpha).p
    return {"cell": np.concatenate(cells, -1), "task": np.stack([vc.components_test(t, alpha).p for t in tasks], -1),
            "overall": overall, "adjusted": np.concatenate(adjusted, -1), "tasks": len(study)}


def rejection_rates(pvalues: dict[str, np.ndarray], alpha: float = 0.05) -> LevelRates:
    """Share of (simulation, cell/task) tests with p ≤ α; count: share of (simulation, task) with
    at least one significant language after the max-T adjustment (k̂ ≥ 1, either sign)."""
    t = pvalues["tasks"]
    adjusted = pvalues["adjusted"].reshape(*pvalues["adjusted"].shape[:-1], t, -1)
    return LevelRates(float(np.mean(pvalues["cell"] <= alpha)), float(np.mean(pvalues["task"] <= alpha)),
                      float(np.mean(pvalues["overall"] <= alpha)), float(np.mean((adjusted <= alpha).any(-1))))
