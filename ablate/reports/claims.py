"""The paper's claims (shared/PAPER.md, "Claims" [S]) as data, and how each is judged.

A claim names the arms it needs (by pattern: `stilts:squad`, `stilts:*` = every STILTs arm,
`multitask:*`), the targets, the split, the paper's figure (points) and a rule:

- `gain`: the treatment beats the baseline on the average over targets — Δ̂ > 0 with Holm p ≤ α
  (Holm over the claims evaluated); the paper's figure is shown next to the measured CI.
- `most_gain`: for most (≥ 2/3) of the matched arms and tasks, Δ̂ > 0 with Holm p ≤ α.
- `all_positive`: every matched arm has Δ̂ > 0 on the task, and most are significant.
- `no_gain`: no matched arm is significantly better than the baseline on the task, and every
  CI's upper end is below NULL_MARGIN points — absence of a gain is only "reproduced" when the
  runs could have shown one (an underpowered comparison is "not enough runs").
- `best_gain`: the best arm per task (by Δ̂, post hoc) averaged over tasks beats the baseline.
- `not_beaten`: the alternative arm (e.g. stilts-mlm:X) is not significantly better than the
  English-only arm (stilts:X) for any shared intermediate task X, with the same NULL_MARGIN
  requirement on the CIs.

Needs too few arms/runs -> "not enough runs". The rules are deliberately written down so a reader
can disagree with them.
"""

from __future__ import annotations

from dataclasses import dataclass

REPRODUCED, NOT_REPRODUCED, NOT_ENOUGH = "reproduced", "not reproduced", "not enough runs"
# "No gain" claims need the data to rule out a gain of this size (points): every CI's upper end
# below it. Without it, too few seeds or examples would "reproduce" any null claim.
NULL_MARGIN = 1.0


@dataclass(frozen=True)
class Claim:
    id: str
    text: str  # as PAPER.md states it
    rule: str  # gain | most_gain | all_positive | no_gain | best_gain | not_beaten
    treatment: str  # arm label or pattern RECIPE:*
    baseline: str = "baseline"
    targets: tuple[str, ...] | None = None  # None: every target the arms share
    split: str = "validation"  # the paper's "dev average"; test for the leaderboard claim
    figure: float | None = None  # paper's number, points
    source: str = "PAPER.md Claims [S]"


CLAIMS: tuple[Claim, ...] = (
    Claim("squad-gain", "Intermediate training on SQuAD gives one of the largest target-task gains: +8.2 "
          "(dev average over target tasks).", "gain", "stilts:squad", figure=8.2),
    Claim("mnli-gain", "Intermediate training on MNLI: +7.5 (dev average over target tasks).", "gain",
          "stilts:mnli", figure=7.5),
    Claim("hellaswag-gain", "Intermediate training on HellaSwag: +7.0 (dev average over target tasks).", "gain",
          "stilts:hellaswag", figure=7.0),
    Claim("multitask-gain", "Multi-task intermediate training on all 9 tasks: +8.7 (dev average).", "gain",
          "multitask:*", figure=8.7),
    Claim("retrieval-dramatic", "BUCC and Tatoeba improve dramatically with almost every intermediate task.",
          "most_gain", "stilts:*", targets=("bucc2018", "tatoeba")),
    Claim("tydiqa-consistent", "TyDiQA improves consistently.", "all_positive", "stilts:*", targets=("tydiqa",)),
    Claim("xnli-no-benefit", "XNLI does not benefit from intermediate training.", "no_gain", "stilts:*",
          targets=("xnli",)),
    Claim("best-per-task-test", "Best model per target task on XTREME test: +5.4 average over XLM-R Large.",
          "best_gain", "*", split="test", figure=5.4),
    Claim("beats-mlm", "English intermediate training beats continuing multilingual MLM during intermediate "
          "training.", "not_beaten", "stilts-mlm:*", baseline="stilts:*"),
    Claim("beats-mt", "English intermediate training beats machine-translated intermediate data.", "not_beaten",
          "mt-translate:*", baseline="stilts:*"),
)


def matches(pattern: str, label: str) -> bool:
    """`stilts:*` matches stilts:<any task>; `*` matches any arm; otherwise exact."""
    if pattern == "*":
        return True
    if pattern.endswith(":*"):
        return label.startswith(pattern[:-1]) and len(label) > len(pattern) - 1
    return label == pattern


@dataclass
class Outcome:
    """One (treatment, baseline, task-or-average) comparison a claim reads."""

    treatment: str
    baseline: str
    scope: str  # a task name or "average"
    delta: float
    low: float
    high: float
    p: float | None
    p_holm: float | None = None


def judge(claim: Claim, outcomes: list[Outcome], alpha: float) -> tuple[str, str]:
    """(status, reason) for a claim from its outcomes (p_holm set when Holm applies)."""
    if not outcomes:
        return NOT_ENOUGH, "no tracked runs of the arms this claim needs"

    def sig(o: Outcome) -> bool:  # a refused test (p None: one seed per arm) is not significant
        p = o.p_holm if o.p_holm is not None else o.p
        return p is not None and p <= alpha

    wins = [o for o in outcomes if o.delta > 0 and sig(o)]
    if claim.rule in ("gain", "best_gain"):
        o = outcomes[0]
        ok = o.delta > 0 and sig(o)
        if o.p is None:
            return NOT_ENOUGH, f"Δ̂ = {o.delta:+.2f}; no p: too few seeds per arm for a calibrated test at this level (add seeds)"
        return (REPRODUCED if ok else NOT_REPRODUCED,
                f"Δ̂ = {o.delta:+.2f} [{o.low:+.2f}, {o.high:+.2f}], p = {o.p:.3g}"
                + (f", Holm p = {o.p_holm:.3g}" if o.p_holm is not None else ""))
    if claim.rule == "most_gain":
        if len({o.treatment for o in outcomes}) < 2:
            return NOT_ENOUGH, "needs at least two intermediate tasks to judge 'almost every'"
        ok = len(wins) * 3 >= 2 * len(outcomes)
        return REPRODUCED if ok else NOT_REPRODUCED, f"significant gains in {len(wins)} of {len(outcomes)} (arm, task)"
    if claim.rule == "all_positive":
        if len({o.treatment for o in outcomes}) < 2:
            return NOT_ENOUGH, "needs at least two intermediate tasks to judge 'consistently'"
        positive = sum(o.delta > 0 for o in outcomes)
        ok = positive == len(outcomes) and len(wins) * 2 > len(outcomes)
        return (REPRODUCED if ok else NOT_REPRODUCED,
                f"Δ̂ > 0 for {positive} of {len(outcomes)}, significant for {len(wins)}")
    if claim.rule in ("no_gain", "not_beaten"):
        what = "arms" if claim.rule == "no_gain" else "comparisons"
        if wins:
            return NOT_REPRODUCED, f"significantly better in {len(wins)} of {len(outcomes)} {what}"
        untested = [o for o in outcomes if o.p is None]
        if untested:
            return NOT_ENOUGH, (f"no p for {len(untested)} of {len(outcomes)} {what}: too few seeds per arm for a "
                                "calibrated test at this level (add seeds)")
        wide = [o for o in outcomes if o.high >= NULL_MARGIN]
        if wide:
            o = max(wide, key=lambda o: o.high)
            return NOT_ENOUGH, (f"no significant gain, but the runs cannot rule one out: CI up to "
                                f"{o.high:+.2f} points ≥ margin {NULL_MARGIN:g} ({len(wide)} of {len(outcomes)} {what}); "
                                "add seeds or examples")
        return REPRODUCED, f"no significant gain in {len(outcomes)} {what}; every CI ends below +{NULL_MARGIN:g}"
    raise ValueError(f"unknown rule {claim.rule!r}")
