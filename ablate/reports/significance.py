"""The numbers of a comparison report, from per-example statistics: pure numpy, no MLflow.

Input: per task a `TaskData` — for every language the ``(S_a, n, k)`` statistics of every arm
(rows aligned by example id; arm 0 is the baseline) and, for parallel test sets, the parallel id
of each example. Output: `Line`s — one per (pair, task, language) cell, per (pair, task) and per
pair at the overall (XTREME) level — each with Δ̂, CI, p, adjusted p, seed-level tests, P(A>B) and
the variance shares.

The default test (`ablate.stats.components`): variance components of the crossed seed × example
design with a Welch–Satterthwaite t reference, at every level. The seed part comes from the
per-seed scores of the level itself (a seed's fine-tuned model serves all of a task's languages,
so its effect is shared), the example part from the per-example differences (over parallel ids
for translated test sets). Task level = mean over languages, overall = mean over tasks. The only
randomness left is the seed resampling of the P(A>B) interval and Monte-Carlo permutation tests,
seeded from the report seed and the task/language *names* (adding a task leaves the rest alone).
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ablate import stats as st
from ablate.stats import components as vc
from ablate.stats import maxt
from ablate.errors import AblateError

METRICS = {"accuracy": st.ACCURACY, "em_f1": st.SPAN_QA, "f1": st.F1_COUNTS}
STAT_COLUMNS = {"accuracy": ("correct", "n"), "em_f1": ("em", "f1", "n"), "f1": ("tp", "n_pred", "n_gold")}
SCALE = 100.0  # report in points, as the paper and XTREME do
MIN_CALIBRATED_SEEDS = 4  # below this the averaged level's p is refused (docs/statistics.md)
METHOD = vc.METHOD


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
    p: float | None  # None where the test is refused (`refused` says why)
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
    p_maxt: float | None = None  # step-down max-T adjusted p within its family (what k̂ counts)
    wins: int | None = None  # k̂: significant wins (max-T adjusted) among the lower level's members
    of: int | None = None  # L: how many members
    signature: str = ""
    df: float | None = None  # t degrees of freedom (Welch–Satterthwaite)
    refused: str | None = None  # why this level has no p

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
    moments: dict[tuple, vc.Moments] = field(default_factory=dict, repr=False)  # (arm, task|None, lang|None)
    task_replicates: dict[tuple[str, str], np.ndarray] = field(default_factory=dict, repr=False)  # (arm, task) -> (B,)


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


# Per-example numerator and denominator of each ratio metric (score = Σa / Σb), for linearising.
RATIO_PARTS = {
    "accuracy": lambda u: (u[..., 0], u[..., 1]),
    "em_f1": lambda u: ((u[..., 0] + u[..., 1]) / 2.0, u[..., 2]),
    "f1": lambda u: (2.0 * u[..., 0], u[..., 1] + u[..., 2]),
}


def per_example_scores(stats: np.ndarray, metric: str) -> np.ndarray:
    """Linearised per-example scores in points: ``(S, n, k) -> (S, n)``, each seed's row mean = its score."""
    a, b = RATIO_PARTS[metric](np.asarray(stats, dtype=np.float64))
    return SCALE * vc.linearise(a, b)


def task_moments(data: TaskData, arm: int, paired: bool) -> tuple[dict[str, vc.Moments], vc.Moments, dict]:
    """Arm ``arm`` vs arm 0 on one task: per-language cell moments, the task's moments (over
    parallel ids for a translated test set) and what the sampling units were."""
    langs = data.languages
    scores = {lang: (per_example_scores(data.stats[lang][arm], data.metric),
                     per_example_scores(data.stats[lang][0], data.metric)) for lang in langs}
    cells = {lang: vc.cell_moments(*scores[lang], paired) for lang in langs}
    parallel = data.parallel_ids is not None and is_parallel(data.parallel_ids)
    if parallel:
        ids = dict.fromkeys(x for lang in langs for x in data.parallel_ids[lang].tolist())
        index = {u: i for i, u in enumerate(ids)}
        units = {lang: np.array([index[x] for x in data.parallel_ids[lang].tolist()], dtype=np.intp) for lang in langs}
        task = vc.parallel_moments([(*scores[lang], units[lang]) for lang in langs], len(index), paired)
        info = {"*": len(index)}
    else:
        task = vc.mean_moments(list(cells.values()))
        info = {lang: data.stats[lang][0].shape[1] for lang in langs}
    return cells, task, {"parallel": parallel, "units": info}


def _finite(x) -> float | None:
    return None if x is None or not np.isfinite(x) else float(x)


def refusal(m: vc.Moments, level: str) -> str | None:
    """Why the default test gives no p at this level, or None (see docs/statistics.md)."""
    s = min(m.seeds_a.shape[-1], m.seeds_b.shape[-1])
    if s < 2:
        return "one seed per arm: the seed variance cannot be estimated, so no test covers it"
    if s < MIN_CALIBRATED_SEEDS and level in ("task", "overall"):
        return (f"{s} seeds per arm: at an averaged level the seed part of the variance has {s - 1} degrees of "
                "freedom and the t reference was liberal in simulation when seed and test noise are comparable "
                "(A/A 7–9 % at α = 0.05); use ≥ 4 seeds per arm")
    return None


def compare_level(m: vc.Moments, level: str, n: int | None, paired: bool, alpha: float, n_resamples: int,
                  rng: np.random.Generator) -> dict:
    """Δ = arm − baseline at one level: Line fields (default test, seed-level tests, P(A>B), variance parts)."""
    res = vc.components_test(m, alpha)
    why = refusal(m, level)
    sa, sb = m.seeds_a, m.seeds_b
    sum_a, sum_b = st.seed_summary(sa), st.seed_summary(sb)
    perm = st.permutation_test(sa, sb, paired=paired, rng=rng)
    poi = st.probability_of_improvement(sa, sb, rng, n_resamples, 1.0 - alpha, paired=paired)
    welch = None
    if sa.size > 1 and sb.size > 1 and (np.ptp(sa) > 0 or np.ptp(sb) > 0):
        welch = st.welch_t(sa, sb).p
    v_seed, v_ex = _finite(res.var_seeds), _finite(res.var_examples)
    total = None if v_seed is None or v_ex is None else v_seed + v_ex
    share = None if not total else v_seed / total
    delta = float(res.delta)
    return dict(
        n=n, s_a=int(sa.size), s_b=int(sb.size), mean_a=sum_a.mean, sd_a=_finite(sum_a.sd),
        mean_b=sum_b.mean, sd_b=_finite(sum_b.sd), delta=delta,
        low=delta if why else float(res.low), high=delta if why else float(res.high),
        p=None if why else float(res.p), df=None if why else _finite(float(res.df)), refused=why,
        seed_test="sign-flip" if paired else "label-permutation", seed_p=perm.p, seed_min_p=perm.min_p,
        welch_p=_finite(welch), p_improve=poi.p, p_improve_low=poi.low, p_improve_high=poi.high,
        var_seeds=v_seed, var_examples=v_ex, var_both=total,
        seed_share=share, example_share=None if share is None else 1.0 - share,
    )


def compute(tasks: Sequence[TaskData], labels: Sequence[str], n_replicates: int, seed: int, alpha: float,
            paired: bool, overall: str = "overall") -> Numbers:
    """All lines for arms ``labels`` (labels[0] = baseline) over ``tasks``; families adjusted.

    Every task must hold every arm with the same seeds per arm (the caller's guard rails).
    ``n_replicates`` resamples the seeds for the P(A>B) interval (the default test is analytic).
    """
    if len(labels) < 2:
        raise AblateError(f"A comparison needs a baseline and at least one other arm; got {list(labels)}.")
    if not tasks:
        raise AblateError("Nothing to compare: no target task is shared by every arm.")
    lines: list[Line] = []
    parallel, units, moments, every = {}, {}, {}, {}
    for a in range(1, len(labels)):
        per_task = []
        for data in tasks:
            cells, task, info = task_moments(data, a, paired)
            parallel[data.task], units[data.task] = info["parallel"], info["units"]
            for lang, m in cells.items():
                every[(labels[a], data.task, lang)] = m
                rng = np.random.default_rng(entropy(seed, "seed-level", labels[a], data.task, lang))
                lines.append(Line("cell", labels[a], labels[0], data.task, lang, "F3",
                                  **compare_level(m, "cell", data.stats[lang][0].shape[1], paired, alpha,
                                                  n_replicates, rng)))
            rng = np.random.default_rng(entropy(seed, "seed-level", labels[a], data.task))
            n_task = sum(data.stats[lang][0].shape[1] for lang in data.languages)
            lines.append(Line("task", labels[a], labels[0], data.task, None, "F2",
                              **compare_level(task, "task", n_task, paired, alpha, n_replicates, rng)))
            moments[(labels[a], data.task)] = every[(labels[a], data.task, None)] = task
            per_task.append(task)
        rng = np.random.default_rng(entropy(seed, "seed-level", labels[a], overall))
        every[(labels[a], None, None)] = top = vc.mean_moments(per_task)
        lines.append(Line("overall", labels[a], labels[0], overall, None, "F1",
                          **compare_level(top, "overall", None, paired, alpha, n_replicates, rng)))
    adjust(lines, alpha, every)
    replicates = {}
    for data in tasks:  # joint replicates per task for post-hoc selections (the checklist's best arm)
        rng = np.random.default_rng(entropy(seed, "replicates", data.task))
        arms = labels[1:]
        joint = vc.joint_replicates([moments[(a, data.task)] for a in arms], rng, n_replicates, alpha)
        replicates.update({(a, data.task): r for a, r in zip(arms, joint)})
    return Numbers(lines, n_replicates, paired, parallel, units, every, replicates)


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


def adjust(lines: Sequence[Line], alpha: float, moments: dict[tuple, vc.Moments]) -> None:
    """Holm within every family, BH q-values within F3, max-T adjusted p within F3 and F2 and k̂ of
    L at the task and overall levels. Lines without a p (refused) are left out of their family.
    moments: (arm, task|None, lang|None) -> the level's Moments (the max-T correlation)."""
    fams = {k: [m for m in v if m.p is not None] for k, v in families(lines).items()}
    for key, members in fams.items():
        if not members:
            continue
        p = np.array([m.p for m in members])
        for m, ph in zip(members, st.holm(p)):
            m.p_holm = float(ph)
        if key[0] == "F3":
            for m, q in zip(members, st.benjamini_hochberg(p)):
                m.q_bh = float(q)
        if key[0] in ("F2", "F3"):
            parts = [moments[(m.treatment, m.task, m.lang)] for m in members]
            variance = np.array([m.var_both or 0.0 for m in members])
            with np.errstate(invalid="ignore", divide="ignore"):
                t = np.array([m.delta for m in members]) / np.sqrt(variance)
            df = np.array([m.df if m.df is not None else np.inf for m in members])
            for m, pm in zip(members, maxt.stepdown(t, df, variance, maxt.shared_covariance(parts))):
                m.p_maxt = float(pm)
    for line in lines:
        if line.level == "task":
            below = fams.get(("F3", line.treatment, line.task), [])
        elif line.level == "overall":
            below = fams.get(("F2", line.treatment), [])
        else:
            continue
        if below and min(line.s_a, line.s_b) >= MIN_CALIBRATED_SEEDS:  # k̂ is refused with the level's p
            k = st.count_wins(np.array([m.delta for m in below]), np.array([m.p_maxt for m in below]), alpha)
            line.wins, line.of = k.wins, k.total


def disagreements(lines: Sequence[Line], alpha: float) -> list[Line]:
    """Lines where the default (variance-components) test and the seed-level exact test disagree at ``alpha``."""
    return [m for m in lines if m.seed_p is not None and m.p is not None and (m.p <= alpha) != (m.seed_p <= alpha)]


def min_seed_p(n_seeds: Sequence[int], paired: bool) -> float:
    """The smallest p the seed-level exact test can give (2/2^S paired; 2/C(2S,S) unpaired equal S)."""
    if paired:
        return 2.0 / 2 ** n_seeds[0]
    a, b = n_seeds[0], n_seeds[1]
    return (2.0 if a == b else 1.0) / math.comb(a + b, a)
