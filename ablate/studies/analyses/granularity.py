"""Mean gain over the baseline per group of arms (granularity: token / span / pair / multiple
choice; or one group per arm) and per target category (classification, structured prediction,
QA, retrieval), with a Welch–Satterthwaite t interval and Holm's correction over the family of
every (group, category) line.

Input: ``scores[arm]`` ``(S_arm, T)`` — per seed, the task score (mean over the task's
languages, points) on each of the ``tasks`` (same order for every arm); ``baseline`` names the
arm in ``scores`` the gains are measured from; ``groups[arm]`` the group of every other arm;
``categories[task]`` each task's category.

A group's gain in a category is the mean over its arms and the category's tasks of
(arm − baseline); its variance adds each arm's seed variance (weights 1/|arms|) and the
baseline's. The same seed numbers in two arms are independent runs, so nothing is paired.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ablate.reports.power import MAX_SEEDS
from ablate.stats import holm
from ablate.studies.analyses.contrast import contrast_arrays, seeds_needed


@dataclass
class GainLine:
    group: str
    category: str
    arms: list[str]
    tasks: list[str]
    gain: float
    low: float
    high: float
    p: float
    p_holm: float
    df: float
    verdict: str
    seeds: int = 0  # in the smallest cell
    detectable: float = float("inf")  # |gain| found with 80 % power at these seeds (points)
    planned: float = 0.0  # the gain the next field plans for: max(|gain|, 1 point)
    seeds_needed: int | None = None  # per arm for 80 % power at `planned` (before Holm)


def cell_arrays(scores: dict[str, np.ndarray], tasks: list[str], members: list[str], baseline: str,
                in_category: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(means, variances, counts, weights) ``(K,)`` of one (group, category) contrast: each
    member arm's per-seed category score (weight 1/|members|) and the baseline's (weight −1)."""
    cols = [tasks.index(t) for t in in_category]
    cells = [scores[a][:, cols].mean(axis=1) for a in members] + [scores[baseline][:, cols].mean(axis=1)]
    means = np.array([c.mean() for c in cells])
    variances = np.array([c.var(ddof=1) if len(c) > 1 else np.nan for c in cells])
    counts = np.array([len(c) for c in cells], dtype=float)
    weights = np.array([1 / len(members)] * len(members) + [-1.0])
    return means, variances, counts, weights


def gains(scores: dict[str, np.ndarray], tasks: list[str], baseline: str, groups: dict[str, str],
          categories: dict[str, str], alpha: float = 0.05) -> list[GainLine]:
    order_groups = list(dict.fromkeys(groups.values()))
    order_cats = list(dict.fromkeys(categories[t] for t in tasks))
    lines = []
    for g in order_groups:
        members = [a for a, grp in groups.items() if grp == g]
        for c in order_cats:
            in_cat = [t for t in tasks if categories[t] == c]
            means, variances, counts, weights = cell_arrays(scores, tasks, members, baseline, in_cat)
            est, _, df, p, lo, hi = contrast_arrays(means, variances, counts, weights, alpha=alpha)
            seeds = int(counts.min())
            needed, planned, detectable = seeds_needed(variances, weights, seeds, float(est), alpha)
            lines.append(GainLine(g, c, members, in_cat, float(est), float(lo), float(hi), float(p), float("nan"),
                                  float(df), "", seeds, detectable, planned, needed))
    testable = [m for m in lines if np.isfinite(m.p)]
    for m, ph in zip(testable, holm(np.array([m.p for m in testable])) if testable else []):
        m.p_holm = float(ph)
        m.verdict = (("gain" if m.gain > 0 else "loss") if m.p_holm <= alpha else "no difference detected")
    for m in lines:
        if not np.isfinite(m.p):
            m.verdict = "not testable (an arm has fewer than 2 seeds)"
    return lines


def support(lines: list[GainLine], seeds: dict[str, int], alpha: float = 0.05) -> list[str]:
    """What these lines can and cannot support."""
    out = []
    fewest = min(seeds.values()) if seeds else 0
    if fewest < 2:
        out.append("Fewer than 2 seeds in some arm: no variance, so no interval and no test.")
    elif fewest < 5:
        out.append(f"{fewest} seeds in the smallest arm: intervals are wide and only large gains can be told from "
                   "zero (the t reference with few degrees of freedom is honest about it).")
    groups = {m.group: len(m.arms) for m in lines}
    single = [g for g, n in groups.items() if n == 1]
    if single and len(groups) > 1:
        out.append(f"Groups with one task ({', '.join(single)}): a group difference cannot be told apart from that "
                   "task's own effect.")
    out.append(f"Holm over the {len(lines)} (group, category) lines: a 'gain' survives all of them at α = {alpha}.")
    planned = [m for m in lines if np.isfinite(m.detectable)]
    if planned:
        worst = max(planned, key=lambda m: m.detectable)
        best = min(planned, key=lambda m: m.detectable)
        out.append(f"With these seeds a line detects (80 % power, before Holm) a gain of {best.detectable:.1f} points "
                   f"({best.group} / {best.category}) to {worst.detectable:.1f} points ({worst.group} / {worst.category}).")
        short = [m for m in planned if m.seeds_needed is None or m.seeds_needed > m.seeds]
        if short:
            out.append("Seeds per arm needed for 80 % power at max(|gain|, 1 point): "
                       + "; ".join(f"{m.group} / {m.category} {_needed(m.seeds_needed)} for {m.planned:.1f} points"
                                   for m in short) + ".")
    return out


def _needed(n: int | None) -> str:
    return f"about {n}" if n is not None else f"more than {MAX_SEEDS}"
