"""The numbers of a comparison report, from per-example statistics: pure numpy, no MLflow.

Input: per task a `TaskData` — for every language the ``(S_a, n, k)`` statistics of every arm
(rows aligned by example id; arm 0 is the baseline) and, for parallel test sets, the parallel id
of each example. Output: `Line`s — one per (pair, task, language) cell, per (pair, task) and per
pair at the overall (XTREME) level — each with Δ̂, CI, p, adjusted p, seed-level tests, P(A>B) and
the variance shares.

Draws (docs/statistics.md): one seed draw for the whole report (a parent run per seed covers every
task, so the seed resampling is shared across tasks and languages, and across arms when the arms
share their seed list); example weights once per task over parallel ids for parallel test sets,
else once per language — shared by every arm and seed. Each draw's entropy is derived from the
report seed and the task/language *names*, so adding a task leaves the other tasks' numbers alone.
Task level = mean over languages of the same replicates, overall = mean over tasks.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ablate import stats as st
from ablate.errors import AblateError

METRICS = {"accuracy": st.ACCURACY, "em_f1": st.SPAN_QA, "f1": st.F1_COUNTS}
STAT_COLUMNS = {"accuracy": ("correct", "n"), "em_f1": ("em", "f1", "n"), "f1": ("tp", "n_pred", "n_gold")}
SCALE = 100.0  # report in points, as the paper and XTREME do


def points(metric: str):
    """The task metric on the ×100 scale: ``g(totals (..., k)) -> (...)``."""
    g = METRICS[metric]
    return lambda totals: SCALE * g(totals)


@dataclass
class TaskData:
    """One target task: ``stats[lang][a]`` is arm a's ``(S_a, n_lang, k)`` array (arm 0 = baseline);
    ``parallel_ids[lang]`` ``(n_lang,)`` when the test set is parallel (shared ids across languages)."""

    task: str
    metric: str  # accuracy | em_f1 | f1
    stats: dict[str, list[np.ndarray]]
    parallel_ids: dict[str, np.ndarray] | None = None

    @property
    def languages(self) -> list[str]:
        return list(self.stats)


@dataclass
class Line:
    """One row of the report: a cell (task, lang), a task, or the overall level, for one pair."""

    level: str  # cell | task | overall
    treatment: str
    baseline: str
    task: str | None
    lang: str | None
    family: str  # F1 | F2 | F3
    n: int | None  # test examples (cell) or summed over languages (task)
    s_a: int
    s_b: int
    mean_a: float
    sd_a: float | None
    mean_b: float
    sd_b: float | None
    delta: float
    low: float
    high: float
    p: float
    p_holm: float | None = None
    q_bh: float | None = None
    seed_test: str = ""
    seed_p: float | None = None
    seed_min_p: float | None = None
    welch_p: float | None = None
    p_improve: float | None = None
    p_improve_low: float | None = None
    p_improve_high: float | None = None
    var_seeds: float | None = None
    var_examples: float | None = None
    var_both: float | None = None
    seed_share: float | None = None
    example_share: float | None = None
    wins: int | None = None  # k̂: significant (Holm) wins among the lower level's members
    of: int | None = None  # L: how many members
    signature: str = ""

    @property
    def key(self) -> tuple:
        return (self.level, self.treatment, self.task, self.lang)


@dataclass
class Numbers:
    """Every line of a report plus what the draws were."""

    lines: list[Line]
    n_replicates: int
    paired: bool
    parallel: dict[str, bool]
    n_units: dict[str, dict[str, int]] = field(default_factory=dict)  # task -> lang|"*" -> units
    task_replicates: dict[tuple[str, str], np.ndarray] = field(default_factory=dict, repr=False)  # (arm, task) -> Δ^b (B,)


def entropy(seed: int, *names: str) -> np.random.SeedSequence:
    """A child seed from the report seed and names (stable under adding or reordering tasks)."""
    return np.random.SeedSequence([int(seed), *(zlib.crc32(n.encode()) for n in names)])


def is_parallel(parallel_ids: dict[str, np.ndarray]) -> bool:
    """True when some parallel id occurs in more than one language (a translated test set)."""
    if len(parallel_ids) < 2:
        return False
    seen: set = set()
    for ids in parallel_ids.values():
        unique = set(ids.tolist())
        if seen & unique:
            return True
        seen |= unique
    return False


@dataclass
class _Level:
    """Per arm: weighted per-seed replicate scores ``(B, S_a)`` and unweighted ``(1, S_a)``."""

    weighted: list[np.ndarray]
    full: list[np.ndarray]
    n: int | None = None

    @staticmethod
    def mean(levels: Sequence["_Level"]) -> "_Level":
        arms = range(len(levels[0].weighted))
        ns = [lv.n for lv in levels]
        return _Level([np.mean([lv.weighted[a] for lv in levels], axis=0) for a in arms],
                      [np.mean([lv.full[a] for lv in levels], axis=0) for a in arms],
                      None if None in ns else int(sum(ns)))


def task_levels(data: TaskData, n_replicates: int, seed: int, workers: int = 1) -> tuple[dict[str, _Level], dict]:
    """Per language, the weighted and unweighted per-seed scores of every arm (one matrix pass)."""
    g = points(data.metric)
    langs = data.languages
    parallel = data.parallel_ids is not None and is_parallel(data.parallel_ids)
    out: dict[str, _Level] = {}
    if parallel:
        units = {u: i for i, u in enumerate(dict.fromkeys(x for lang in langs for x in data.parallel_ids[lang].tolist()))}
        weights = st.draw_example_weights(np.random.default_rng(entropy(seed, "weights", data.task)), n_replicates, len(units))
        clusters = [np.array([units[x] for x in data.parallel_ids[lang].tolist()], dtype=np.intp) for lang in langs]
        per_lang = st.shared_weight_replicates([(data.stats[lang], c) for lang, c in zip(langs, clusters)], g,
                                               weights, workers)
        info = {"*": len(units)}
        for lang, weighted in zip(langs, per_lang):
            out[lang] = _Level(weighted, st.seed_score_replicates(data.stats[lang], g), data.stats[lang][0].shape[1])
    else:
        info = {}
        for lang in langs:
            n = data.stats[lang][0].shape[1]
            weights = st.draw_example_weights(np.random.default_rng(entropy(seed, "weights", data.task, lang)),
                                              n_replicates, n)
            weighted = st.seed_score_replicates(data.stats[lang], g, weights, workers=workers)
            out[lang] = _Level(weighted, st.seed_score_replicates(data.stats[lang], g), n)
            info[lang] = n
    return out, {"parallel": parallel, "units": info}


def _finite(x) -> float | None:
    return None if x is None or not np.isfinite(x) else float(x)


def compare_level(level: _Level, a: int, draws: Sequence[np.ndarray], paired: bool, alpha: float,
                  rng: np.random.Generator) -> tuple[dict, np.ndarray]:
    """Δ = arm a − arm 0 at one level: Line fields (crossed bootstrap, seed-level tests, variance
    shares) and the ``(B,)`` replicates Δ^b."""
    wa, wb, fa, fb = level.weighted[a], level.weighted[0], level.full[a], level.full[0]
    reps = st.arm_replicates(wa, draws[a]) - st.arm_replicates(wb, draws[0])
    res = st.summarize(float(fa.mean() - fb.mean()), reps, 1.0 - alpha)
    sa, sb = fa[0], fb[0]
    sum_a, sum_b = st.seed_summary(sa), st.seed_summary(sb)
    perm = st.permutation_test(sa, sb, paired=paired, rng=rng)
    poi = st.probability_of_improvement(sa, sb, rng)
    welch = None
    if sa.size > 1 and sb.size > 1 and (np.ptp(sa) > 0 or np.ptp(sb) > 0):
        welch = st.welch_t(sa, sb).p
    vd = st.variance_decomposition((wa, wb), (fa, fb), (draws[a], draws[0]))
    return reps, dict(
        n=level.n, s_a=int(sa.size), s_b=int(sb.size), mean_a=sum_a.mean, sd_a=_finite(sum_a.sd),
        mean_b=sum_b.mean, sd_b=_finite(sum_b.sd), delta=res.delta, low=res.low, high=res.high, p=res.p,
        seed_test="sign-flip" if paired else "label-permutation", seed_p=perm.p, seed_min_p=perm.min_p,
        welch_p=_finite(welch), p_improve=poi.p, p_improve_low=poi.low, p_improve_high=poi.high,
        var_seeds=_finite(vd.seeds), var_examples=_finite(vd.examples), var_both=_finite(vd.both),
        seed_share=_finite(vd.seed_share), example_share=_finite(vd.example_share),
    )


def compute(tasks: Sequence[TaskData], labels: Sequence[str], n_replicates: int, seed: int, alpha: float,
            paired: bool, overall: str = "overall", workers: int = 1) -> Numbers:
    """All lines for arms ``labels`` (labels[0] = baseline) over ``tasks``; families adjusted.

    Every task must hold every arm with the same seeds per arm (the caller's guard rails).
    """
    if len(labels) < 2:
        raise AblateError(f"A comparison needs a baseline and at least one other arm; got {list(labels)}.")
    if not tasks:
        raise AblateError("Nothing to compare: no target task is shared by every arm.")
    sizes = [u.shape[0] for u in next(iter(tasks[0].stats.values()))]
    draws = st.draw_seed_indices(np.random.default_rng(entropy(seed, "seeds")), n_replicates, sizes, paired)
    lines: list[Line] = []
    parallel, units, task_level, task_reps = {}, {}, {}, {}
    for data in tasks:
        cells, info = task_levels(data, n_replicates, seed, workers)
        parallel[data.task], units[data.task] = info["parallel"], info["units"]
        task_level[data.task] = _Level.mean(list(cells.values()))
        for a in range(1, len(labels)):
            for lang, level in cells.items():
                rng = np.random.default_rng(entropy(seed, "seed-level", labels[a], data.task, lang))
                lines.append(Line("cell", labels[a], labels[0], data.task, lang, "F3",
                                  **compare_level(level, a, draws, paired, alpha, rng)[1]))
            rng = np.random.default_rng(entropy(seed, "seed-level", labels[a], data.task))
            reps, fields = compare_level(task_level[data.task], a, draws, paired, alpha, rng)
            task_reps[(labels[a], data.task)] = reps
            lines.append(Line("task", labels[a], labels[0], data.task, None, "F2", **fields))
        del cells
    top = _Level.mean(list(task_level.values()))
    for a in range(1, len(labels)):
        rng = np.random.default_rng(entropy(seed, "seed-level", labels[a], overall))
        lines.append(Line("overall", labels[a], labels[0], overall, None, "F1",
                          **compare_level(top, a, draws, paired, alpha, rng)[1]))
    adjust(lines, alpha)
    return Numbers(lines, n_replicates, paired, parallel, units, task_reps)


def families(lines: Sequence[Line]) -> dict[tuple, list[Line]]:
    """The declared families: F1 (overall, one per non-baseline arm), F2 (tasks within a pair),
    F3 (languages within a (pair, task))."""
    out: dict[tuple, list[Line]] = {}
    for line in lines:
        if line.level == "overall":
            key = ("F1",)
        elif line.level == "task":
            key = ("F2", line.treatment)
        else:
            key = ("F3", line.treatment, line.task)
        out.setdefault(key, []).append(line)
    return out


def family_size(n_pairs: int, n_tasks: int, max_languages: int) -> int:
    """Largest family: what the resolution rule B ≥ 10·m/α must cover."""
    return max(n_pairs, n_tasks, max_languages)


def adjust(lines: Sequence[Line], alpha: float) -> None:
    """Holm within every family, BH q-values within F3, and k̂ of L at the task and overall levels."""
    fams = families(lines)
    for key, members in fams.items():
        p = np.array([m.p for m in members])
        for m, ph in zip(members, st.holm(p)):
            m.p_holm = float(ph)
        if key[0] == "F3":
            for m, q in zip(members, st.benjamini_hochberg(p)):
                m.q_bh = float(q)
    for line in lines:
        if line.level == "task":
            below = fams[("F3", line.treatment, line.task)]
        elif line.level == "overall":
            below = fams.get(("F2", line.treatment), [])
        else:
            continue
        if below:
            k = st.count_wins(np.array([m.delta for m in below]), np.array([m.p_holm for m in below]), alpha)
            line.wins, line.of = k.wins, k.total


def disagreements(lines: Sequence[Line], alpha: float) -> list[Line]:
    """Lines where the crossed bootstrap and the seed-level exact test disagree at ``alpha``."""
    return [m for m in lines if m.seed_p is not None and (m.p <= alpha) != (m.seed_p <= alpha)]


def min_seed_p(n_seeds: Sequence[int], paired: bool) -> float:
    """The smallest p the seed-level exact test can give (2/2^S paired; 2/C(2S,S) unpaired equal S)."""
    if paired:
        return 2.0 / 2 ** n_seeds[0]
    a, b = n_seeds[0], n_seeds[1]
    return (2.0 if a == b else 1.0) / math.comb(a + b, a)
