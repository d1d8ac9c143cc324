"""The paper's claims (docs/paper.md, "Claims") as data, and how each is judged.

A claim names the arms it needs (by pattern: `stilts:squad`, `stilts:*` = every STILTs arm,
`multitask:all` = multi-task training on the nine paper tasks), the targets, the split, the paper's figure (points) and a rule:

- `gain`: the treatment beats the baseline on the average over targets — Δ̂ > 0 with Holm p ≤ α
  (Holm over the claims evaluated); the paper's figure is shown next to the measured CI.
- `most_gain`: for most (≥ 2/3) of the matched arms and tasks, Δ̂ > 0 with Holm p ≤ α.
- `all_positive`: every matched arm has Δ̂ > 0 on the task, and most are significant.
- `no_gain`: no matched arm is significantly better than the baseline on the task, and every
  CI's upper end is below NULL_MARGIN points — absence of a gain is only "reproduced" when the
  runs could have shown one (an underpowered comparison is "not enough runs").
- `best_gain`: the best arm per task (by Δ̂, chosen after seeing the results) averaged over tasks
  beats the baseline. Its p comes from a max-over-arms null (`best_arm.py`), which accounts for
  the choice; its CI is the post-hoc (optimistic) interval of the chosen arms and is labelled so.
- `not_beaten`: the alternative arm (e.g. stilts-mlm:X) is not significantly better than the
  English-only arm (stilts:X) for any shared intermediate task X, with the same NULL_MARGIN
  requirement on the CIs.

Needs too few arms/runs -> "not enough runs"; a claim naming a recipe this version of ablate does
not have -> "recipe not built yet" (read from the recipe registry, so it flips when the recipe
lands); runs of a tiny or random model (smoke preset) -> "smoke": they exercise the machinery and
say nothing about the paper. The rules are deliberately written down so a reader can disagree.

Splits: the paper's "dev average" is judged on each task's dev split where the task has one and on
its test split otherwise (XQuAD, TyDiQA-GoldP and Tatoeba have only test; BUCC's dev gold chooses
the mining threshold, so its dev score is tuned on itself). `task_split` is that rule.
"""

from __future__ import annotations

from dataclasses import dataclass

REPRODUCED, NOT_REPRODUCED, NOT_ENOUGH = "reproduced", "not reproduced", "not enough runs"
NOT_BUILT = "recipe not built yet"
SMOKE = "smoke — exercises the machinery, says nothing about the paper"
STATUSES = (REPRODUCED, NOT_REPRODUCED, NOT_ENOUGH, NOT_BUILT, SMOKE)
# "No gain" claims need the data to rule out a gain of this size (points): every CI's upper end
# below it. Without it, too few seeds or examples would "reproduce" any null claim.
NULL_MARGIN = 1.0


@dataclass(frozen=True)
class Claim:
    id: str
    text: str  # as docs/paper.md states it
    rule: str  # gain | most_gain | all_positive | no_gain | best_gain | not_beaten
    treatment: str  # arm label or pattern RECIPE:*
    baseline: str = "baseline"
    targets: tuple[str, ...] | None = None  # None: every target the arms share
    split: str = "dev"  # the paper's "dev average" (see task_split); "test" for the leaderboard claim
    figure: float | None = None  # paper's number, points
    source: str = "docs/paper.md, Claims"

    @property
    def recipes(self) -> tuple[str, ...]:
        """The recipes whose arms the claim reads (`*` reads whatever is tracked)."""
        return tuple(dict.fromkeys(p.split(":", 1)[0] for p in (self.baseline, self.treatment) if p != "*"))


CLAIMS: tuple[Claim, ...] = (
    Claim("squad-gain", "Intermediate training on SQuAD gives one of the largest target-task gains: +8.2 "
          "(dev average over target tasks).", "gain", "stilts:squad", figure=8.2),
    Claim("mnli-gain", "Intermediate training on MNLI: +7.5 (dev average over target tasks).", "gain",
          "stilts:mnli", figure=7.5),
    Claim("hellaswag-gain", "Intermediate training on HellaSwag: +7.0 (dev average over target tasks).", "gain",
          "stilts:hellaswag", figure=7.0),
    # Judged on `multitask --tasks all` only: a subset of the nine is not the paper's setting.
    Claim("multitask-gain", "Multi-task intermediate training on all 9 tasks: +8.7 (dev average).", "gain",
          "multitask:all", figure=8.7),
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


# Tasks whose dev split is not an honest dev score: BUCC's dev ("sample") gold picks the margin
# threshold that the test score then uses, so its dev F1 is tuned on itself.
DEV_TUNED = frozenset({"bucc2018"})


def task_split(claim: Claim, task: str, splits) -> str | None:
    """The split a task contributes to `claim`: test for test claims; for dev claims the task's
    dev split ("validation") when it has an honest one, else test. None if `splits` (the task's
    evaluation splits) has neither."""
    if claim.split == "dev" and "validation" in splits and task not in DEV_TUNED:
        return "validation"
    return "test" if "test" in splits else None


def missing_recipes(claim: Claim, built) -> list[str]:
    """Recipes the claim names that this version of ablate does not have."""
    return [r for r in claim.recipes if r not in built]


def is_smoke(tags: dict) -> str | None:
    """Why a run says nothing about the paper (smoke preset, tiny or random model), else None."""
    model = tags.get("model", "")
    name = model.rstrip("/").rsplit("/", 1)[-1].lower()
    if tags.get("preset") == "smoke":
        return f"preset smoke (model {model})"
    if name.startswith("tiny-") or "random" in name:
        return f"model {model} is a tiny/random model"
    return None


def direction(treatment: str, baseline: str, delta: float) -> str:
    """A Δ row in words: 'mt-translate:mnli − stilts:mnli = +1.56: mt-translate:mnli ahead'."""
    if delta > 0:
        words = f"{treatment} ahead"
    elif delta < 0:
        words = f"{baseline} ahead"
    else:
        words = "tied"
    return f"{treatment} − {baseline} = {delta:+.2f}: {words}"


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
    note: str = ""  # how p was obtained when it is not a pre-registered pairwise test
    planner: dict | None = None  # refused for too few seeds: the seeds the paper's figure needs (judge_claims.plan_answer)

    @property
    def words(self) -> str:
        return direction(self.treatment, self.baseline, self.delta)


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
            return NOT_ENOUGH, (f"Δ̂ = {o.delta:+.2f}; no p: too few seeds per arm for a calibrated test at this level "
                                "(add seeds)" + (f"; {o.planner['text']}" if o.planner else ""))
        return (REPRODUCED if ok else NOT_REPRODUCED,
                f"Δ̂ = {o.delta:+.2f} [{o.low:+.2f}, {o.high:+.2f}], p = {o.p:.3g}"
                + (f", Holm p = {o.p_holm:.3g}" if o.p_holm is not None else "") + (f" ({o.note})" if o.note else ""))
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
