"""The auto-written methods paragraph: what was tested, how, and what the intervals cover."""

from __future__ import annotations

from ablate.stats.components import METHOD


def methods_paragraph(c) -> str:
    """One paragraph (Markdown) describing a `Comparison` exactly as it was computed."""
    base, others = c.labels[0], c.labels[1:]
    seeds = "; ".join(f"{label}: {len(s)} ({', '.join(map(str, s))})" for label, s in c.seeds.items())
    parallel = [t for t, p in c.numbers.parallel.items() if p]
    per_lang = [t for t, p in c.numbers.parallel.items() if not p]
    overall = ("the XTREME score (mean of the nine task scores)" if c.overall == "xtreme"
               else f"the unweighted mean over the {len(c.targets)} compared tasks (not the XTREME score)")
    pairing = ("Both arms were run with the same seed list, so seed j of every arm is paired: the seed part of "
               "the variance is the spread of the per-seed differences (S − 1 degrees of freedom), the seed-level "
               "test is an exact sign-flip test, and P(A > B) is the share of seeds on which A beats B (ties ½; "
               "identical arms give 0.5 [0.5, 0.5])"
               if c.paired else
               "The arms use different seed lists, so the seed part of the variance adds each arm's between-seed "
               "variance (Welch), the seed-level test is an exact label-permutation test, and P(A > B) = "
               "U/(S_A·S_B) compares every seed of A with every seed of B (unpaired, so it need not be 0.5 "
               "when Δ = 0)")
    units = []
    if parallel:
        units.append(f"over parallel ids for the translated test sets ({', '.join(parallel)}: one example in every "
                     f"language is one sampling unit)")
    if per_lang:
        units.append(f"per language over examples for {', '.join(per_lang)}")
    floor = min((m.seed_min_p for m in c.numbers.lines if m.seed_min_p is not None), default=None)
    refused = sorted({f"{m.level} ({m.refused})" for m in c.numbers.lines if m.refused})
    level = f"{100 * (1 - c.request.alpha):g} %"
    return (
        f"We compare {', '.join(others)} with {base} on {c.request.split} data of {', '.join(c.targets)} "
        f"({sum(len(v) for v in c.provenance['languages'].values())} task-language cells), scoring each task with "
        + ("its XTREME metric on the ×100 scale (accuracy; F1 from summed true-positive/predicted/gold counts; "
           "(EM+F1)/2 for QA)" if not c.request.metric else
           "macro-F1 on the ×100 scale (the unweighted mean of per-class F1 — per label for classification, "
           "per entity type or UPOS tag for tagging — over the classes present in gold or predictions; each class's "
           "F1 is linearised and the terms averaged)")
        + f". A cell's score is the mean over fine-tuning seeds of the corpus metric "
        f"re-derived from logged per-example sufficient statistics (checked against the logged metric). "
        f"Seeds per arm — {seeds}. Δ = arm − {base}; every row says which arm is ahead. "
        f"Test ({METHOD}): Var(Δ̂) is split into a seed part, estimated from the spread of the per-seed scores of "
        f"the level being tested (one fine-tuned model per seed serves every language of a task, so its effect is "
        f"shared and not averaged away), and a test-set part, estimated from the seed-averaged per-example "
        f"differences {'; '.join(units)}, minus the seed × example noise that the seed part already contains; "
        f"ratio metrics are linearised around the corpus score. Δ̂/√Var is referred to a t distribution with "
        f"Welch–Satterthwaite degrees of freedom, giving the two-sided p and the {level} interval (level 1 − α, "
        f"α = {c.request.alpha}). We use it because in simulation (docs/statistics.md) it was the only candidate "
        f"whose A/A false-positive rate stayed near 5 % (3.1–6.5 %) at the cell, task and overall levels with 3–10 "
        f"seeds whether seed noise or test-set noise dominates; the crossed seed × example bootstrap ranged from "
        f"under 1 % to 25 % and a t test on per-seed scores alone reached 12 %. {pairing}. "
        + (f"No p is given for: {'; '.join(refused)}. " if refused else "")
        + f"Task-level differences average a task's languages and the overall level ({overall}) averages the "
        f"tasks. Multiple comparisons are controlled within declared families: F1, the overall Δ of each "
        f"non-baseline arm (Holm); F2, the task-level Δs within a pair (Holm); F3, the languages within a (pair, "
        f"task) (Holm for claims, Benjamini–Hochberg q-values for screening). k̂ of L, the number of languages "
        f"(tasks, for the overall level) with a positive significant Δ, uses a step-down max-T adjustment whose "
        f"correlation is the covariance the members share through the seeds (one-factor model; t tails from one "
        f"shared χ² where that shared part dominates and from each member's own where test noise does, mixed by "
        f"the shared share): Holm ignores that correlation and its 'k̂ ≥ 1' rate under no effect ranged from 2 % "
        f"to 10 %, the max-T count's from 4.3 % to 5.4 % with 4–10 seeds. Beside it we report "
        f"mean ± SD over seeds (ddof = 1), the seed-level exact "
        f"permutation test with its minimum attainable p{f' (here {floor:.3g})' if floor is not None else ''}, "
        f"P(A > B) with a {level} interval from {c.n_replicates:,} seed resamples (report seed {c.request.seed}"
        f"{'; B raised from ' + format(c.request.n_replicates, ',') + ' by the rule B ≥ 10·m/α' if c.replicates_raised else ''}), "
        f"Welch's t on per-seed scores as a parametric reference, and the share of Var(Δ̂) due to seeds versus test "
        f"examples (buy seeds when the seed share is high, a larger test set when it is low). The intervals cover "
        f"the variability of fine-tuning seeds (which also reseed any intermediate-task training) and of test-set "
        f"sampling; they do not cover hyper-parameter search, the pretraining seed of the public checkpoint, or the "
        f"sampling of the intermediate-task data."
    )
