"""Judge every claim of `claims.CLAIMS` on the tracked runs (the checklist's part (a)).

Each claim's comparisons go through `ablate compare` (same guard rails and variance-components test). A
claim may mix splits (`claims.task_split`: dev where a task has an honest one, test otherwise), and
one `compare` run reads one split, so a comparison runs once per split with the same report seed,
the same B and the same seeds: the seed draws are then identical and replicate b of every task
comes from the same draw, so task replicates can be averaged across splits exactly as `compare`
averages tasks (Δ̂ of an average = the average of the task Δ̂s).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ablate.errors import AblateError
from ablate.records import Store
from ablate.reports import claims as cl
from ablate.reports import compare
from ablate.tasks import TARGET_GROUPS, get_task

SPLIT_NAMES = {"validation": "dev", "test": "test"}
BUCC_GOLDONLY = ("These runs scored BUCC on the Hub's gold-pairs-only copy (bucc2018_goldonly): mining among "
                 "gold pairs only is a far easier task than BUCC 2018 with its distractor sentences, so BUCC is left "
                 "out of every claim and never compared with the paper's BUCC numbers. Supply the full BUCC 2018 "
                 "corpus with --data-dir to judge it.")
BUCC_GOLDONLY_NOTE = "BUCC left out: gold-pairs-only copy, never judged against the paper (see the note above)"


@dataclass
class Joint:
    """Task-level Δ of every non-baseline arm, possibly read from several splits."""

    labels: list[str]  # baseline first
    tasks: list[str]
    splits: dict[str, str]  # task -> split it contributed
    lines: dict[tuple[str, str], object] = field(default_factory=dict)  # (arm, task) -> task Line
    reps: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)  # (arm, task) -> Δ^b (B,)
    moments: dict[tuple[str, str], object] = field(default_factory=dict)  # (arm, task) -> task vc.Moments
    signature: str = ""

    def average(self, arm: str, alpha: float) -> cl.Outcome:
        from ablate.stats import summarize

        delta = float(np.mean([self.lines[(arm, t)].delta for t in self.tasks]))
        res = summarize(delta, np.mean([self.reps[(arm, t)] for t in self.tasks], axis=0), 1 - alpha)
        if any(self.lines[(arm, t)].refused for t in self.tasks):  # too few seeds: the report gives no p
            return cl.Outcome(arm, self.labels[0], "average", delta, delta, delta, None)
        return cl.Outcome(arm, self.labels[0], "average", res.delta, res.low, res.high, res.p)

    def per_task(self, arm: str) -> list[cl.Outcome]:
        """Task outcomes with Holm over this pair's tasks (the report's family F2, across splits)."""
        from ablate.stats import holm

        lines = [self.lines[(arm, t)] for t in self.tasks]
        tested = [m for m in lines if m.p is not None]  # refused lines (too few seeds) carry no p
        adjusted = dict(zip(map(id, tested), holm(np.array([m.p for m in tested])))) if tested else {}
        return [cl.Outcome(arm, self.labels[0], m.task, m.delta, m.low, m.high, m.p,
                           float(adjusted[id(m)]) if id(m) in adjusted else None) for m in lines]


class Judge:
    """Runs the comparisons of one checklist (shared store, arms, B, seed, α)."""

    def __init__(self, store: Store, runs: dict[str, list], model, n_replicates: int, seed: int, alpha: float,
                 bucc_goldonly: bool):
        self.store, self.runs, self.model = store, runs, model
        self.n_replicates, self.seed, self.alpha, self.bucc_goldonly = n_replicates, seed, alpha, bucc_goldonly
        self.labels = list(runs)

    def evaluated(self, label: str) -> set[str]:
        return {t for r in self.runs[label] if r.finished for t in r.targets}

    def tasks(self, claim: cl.Claim, arms: list[str], notes: list[str]) -> list[str]:
        """The claim's targets every arm evaluated, in XTREME order (notes say what was left out)."""
        shared = set.intersection(*(self.evaluated(a) for a in arms))
        wanted = list(claim.targets) if claim.targets else sorted(shared, key=_xtreme_order)
        lacking = [t for t in wanted if t not in shared]
        if lacking:
            notes.append(f"{', '.join(lacking)}: not evaluated by every arm of {' vs '.join(arms)}")
        tasks = [t for t in wanted if t in shared]
        goldonly = [t for t in tasks if "goldonly" in t or (t == "bucc2018" and self.bucc_goldonly)]
        if goldonly and BUCC_GOLDONLY_NOTE not in notes:
            notes.append(BUCC_GOLDONLY_NOTE)
        return [t for t in tasks if t not in goldonly]

    def joint(self, claim: cl.Claim, arms: list[str], tasks: list[str], notes: list[str]) -> Joint | None:
        """Compare `arms` (baseline first) on `tasks`, each task on its claim split; None (+ a note) if refused."""
        if not tasks:
            return None
        splits = {t: cl.task_split(claim, t, get_task(t).evaluation) for t in tasks}
        groups: dict[str, list[str]] = {}
        for t, s in splits.items():
            groups.setdefault(s, []).append(t)
        b, seeds = self.n_replicates, None
        for _ in range(2):  # a second pass aligns B and the seeds across the splits
            comps = {}
            for split, ts in groups.items():
                request = compare.Request(arms, ",".join(ts), self.model, seeds, split, b, self.seed, self.alpha)
                try:
                    comps[split] = compare.run(self.store, request)
                except AblateError as e:
                    notes.append(f"{' vs '.join(reversed(arms))} ({SPLIT_NAMES[split]}: {', '.join(ts)}): "
                                 + str(e).replace("\n  - ", " ").replace(":  ", ": "))
                    return None
            seed_sets = [{k: tuple(v) for k, v in c.seeds.items()} for c in comps.values()]
            sizes = {c.n_replicates for c in comps.values()}
            if len(sizes) == 1 and all(s == seed_sets[0] for s in seed_sets):
                break
            b = max(sizes)
            seeds = tuple(sorted(set.intersection(*(set(v) for s in seed_sets for v in s.values()))))
            if not seeds:
                notes.append(f"{' vs '.join(reversed(arms))}: the dev and test comparisons share no seed")
                return None
        else:
            notes.append(f"{' vs '.join(reversed(arms))}: could not align B and seeds across dev and test")
            return None
        joint = Joint(list(arms), tasks, splits,
                      signature=" + ".join(f"[{SPLIT_NAMES[s]}] {c.signature}" for s, c in comps.items()))
        for c in comps.values():
            for m in c.lines(level="task"):
                joint.lines[(m.treatment, m.task)] = m
                joint.reps[(m.treatment, m.task)] = c.numbers.task_replicates[(m.treatment, m.task)]
                joint.moments[(m.treatment, m.task)] = c.numbers.moments[(m.treatment, m.task, None)]
        return joint

    def claim(self, claim: cl.Claim) -> tuple[list[cl.Outcome], list[str], str, dict[str, str]]:
        """(outcomes, notes, signature, {task: split}) for one claim."""
        labels = self.labels
        treatments = [x for x in labels if cl.matches(claim.treatment, x) and x != "baseline"]
        notes: list[str] = []
        splits: dict[str, str] = {}
        signatures: list[str] = []

        def run(arms: list[str], tasks: list[str]) -> Joint | None:
            j = self.joint(claim, arms, tasks, notes)
            if j is not None:
                splits.update(j.splits)
                signatures.append(j.signature)
            return j

        outcomes: list[cl.Outcome] = []
        if claim.rule == "not_beaten":
            pairs = [(b, t) for t in treatments for b in labels
                     if cl.matches(claim.baseline, b) and b.split(":", 1)[-1] == t.split(":", 1)[-1]]
            if not pairs:
                return [], [f"needs arms {claim.treatment} and {claim.baseline} with the same intermediate task"], "", {}
            for b, t in pairs:
                j = run([b, t], self.tasks(claim, [b, t], notes))
                if j is not None:
                    outcomes.append(j.average(t, self.alpha))
        elif claim.baseline not in labels or not treatments:
            return [], [f"needs arms {claim.baseline} and {claim.treatment}"], "", {}
        elif claim.rule == "gain":
            arms = [claim.baseline, treatments[0]]
            j = run(arms, self.tasks(claim, arms, notes))
            outcomes = [j.average(treatments[0], self.alpha)] if j else []
            if outcomes and outcomes[0].p is None and claim.figure is not None:
                outcomes[0].planner = plan_answer(j, treatments[0], claim.figure, self.alpha)
        elif claim.rule == "best_gain":
            arms = [claim.baseline, *treatments]
            j = run(arms, self.tasks(claim, arms, notes))
            outcomes = [_best(j, self.alpha)] if j else []
        else:  # most_gain / all_positive / no_gain: one pair at a time (targets may differ)
            for t in treatments:
                j = run([claim.baseline, t], self.tasks(claim, [claim.baseline, t], notes))
                if j is not None:
                    outcomes += j.per_task(t)
        return outcomes, notes, " ; ".join(dict.fromkeys(signatures)), splits


def plan_answer(j: Joint, arm: str, figure: float, alpha: float, power: float = 0.8) -> dict:
    """What `ablate power` answers for the claim's average level from these (pilot) runs: seeds per
    arm to detect the paper's ``figure`` with ``power`` at α, and its range from σ_d²'s interval."""
    from ablate.reports import power as pw
    from ablate.stats import components as vc

    # The average over tasks is compare's overall level: the same mean of task moments, across splits.
    try:
        c = pw.from_moments(vc.mean_moments([j.moments[(arm, t)] for t in j.tasks]))
    except AblateError as e:
        return {"delta": figure, "level": "overall", "seeds": None, "low": None, "high": None,
                "text": f"the planner cannot say how many seeds the paper's {figure:+g} needs: {e}"}
    (row,) = pw.plan([("overall", "average", c)], [], figure, alpha, power)
    est, low, high = row.needed
    if est is None and low is None and high is None:
        text = (f"no number of seeds detects the paper's {figure:+g} with power {power:g}: the test-set part "
                "of the variance alone is too large (needs larger test sets)")
    else:
        def n(x):
            return f"> {pw.MAX_SEEDS}" if x is None else str(x)

        text = (f"needs ≈ {n(est)} seeds per arm to detect the paper's {figure:+g} (range {n(low)}–{n(high)} from "
                f"the pilot's uncertainty; `ablate power`, power {power:g}, α = {alpha:g})")
    return {"delta": figure, "level": "overall", "seeds": est, "low": low, "high": high, "text": text}


def _best(j: Joint, alpha: float) -> cl.Outcome:
    """The best arm per task, chosen after seeing the results, with a selection-corrected p."""
    from ablate.reports.best_arm import best_per_task

    arms = j.labels[1:]
    deltas = np.array([[j.lines[(a, t)].delta for t in j.tasks] for a in arms])
    reps = np.array([[j.reps[(a, t)] for t in j.tasks] for a in arms])
    res = best_per_task(deltas, reps, 1 - alpha)
    chosen = ", ".join(f"{t}: {arms[i]}" for t, i in zip(j.tasks, res.chosen))
    if any(j.lines[(a, t)].refused for a in arms for t in j.tasks):  # too few seeds: no calibrated p
        return cl.Outcome("best per task", j.labels[0], "best per task", res.delta, res.delta, res.delta, None,
                          note=f"post hoc choice: {chosen}")
    note = (f"post hoc: best of {len(arms)} arm(s) per task chosen after seeing the results ({chosen}); p from a "
            f"max-over-arms null that accounts for the choice; the CI is conditional on it (optimistic)")
    return cl.Outcome("best per task", j.labels[0], "best per task", res.delta, res.low, res.high, res.p, note=note)


def _xtreme_order(task: str) -> tuple[int, str]:
    order = list(TARGET_GROUPS["xtreme"])
    return (order.index(task) if task in order else len(order), task)


def bucc_goldonly(runs: dict[str, list]) -> bool:
    """True when any finished run scored BUCC on the gold-pairs-only copy (metric name, corpus tag
    or run signature say so)."""
    for rs in runs.values():
        for r in rs:
            if not r.finished:
                continue
            if any("bucc2018_goldonly." in k for k in r.metrics) or "bucc2018_goldonly" in r.targets:
                return True
            if "bucc:goldonly" in r.tags.get("signature", "") or "goldonly" in r.tags.get("bucc2018.corpus", ""):
                return True
    return False
