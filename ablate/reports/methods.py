"""The auto-written methods paragraph: what was tested, how, and what the intervals cover."""

from __future__ import annotations


def methods_paragraph(c) -> str:
    """One paragraph (Markdown) describing a `Comparison` exactly as it was computed."""
    base, others = c.labels[0], c.labels[1:]
    seeds = "; ".join(f"{label}: {len(s)} ({', '.join(map(str, s))})" for label, s in c.seeds.items())
    parallel = [t for t, p in c.numbers.parallel.items() if p]
    per_lang = [t for t, p in c.numbers.parallel.items() if not p]
    overall = ("the XTREME score (mean of the nine task scores)" if c.overall == "xtreme"
               else f"the unweighted mean over the {len(c.targets)} compared tasks (not the XTREME score)")
    pairing = ("Both arms were run with the same seed list, so seed j of every arm is resampled together "
               "(paired seeds) and the seed-level test is an exact sign-flip test"
               if c.paired else
               "The arms use different seed lists, so seeds are resampled independently per arm and the "
               "seed-level test is an exact label-permutation test")
    units = []
    if parallel:
        units.append(f"once per task over parallel ids, shared by every language, for the translated test "
                     f"sets ({', '.join(parallel)})")
    if per_lang:
        units.append(f"per language over examples for {', '.join(per_lang)}")
    floor = min((m.seed_min_p for m in c.numbers.lines if m.seed_min_p is not None), default=None)
    return (
        f"We compare {', '.join(others)} with {base} on {c.request.split} data of {', '.join(c.targets)} "
        f"({sum(len(v) for v in c.provenance['languages'].values())} task-language cells), scoring each task with "
        f"its XTREME metric on the ×100 scale (accuracy; F1 from summed true-positive/predicted/gold counts; "
        f"(EM+F1)/2 for QA). A cell's score is the mean over fine-tuning seeds of the corpus metric "
        f"re-derived from logged per-example sufficient statistics (checked against the logged metric). "
        f"Seeds per arm — {seeds}. "
        f"Δ = arm − {base}. Its 95 % interval (level {1 - c.request.alpha:g}) and two-sided p = "
        f"(1 + #{{|Δᵇ − Δ̂| ≥ |Δ̂|}})/(B + 1) come from a crossed paired bootstrap with B = {c.n_replicates:,} "
        f"replicates (report seed {c.request.seed}"
        f"{'; B raised from ' + format(c.request.n_replicates, ',') + ' by the rule B ≥ 10·m/α' if c.replicates_raised else ''}): "
        f"each replicate resamples fine-tuning seeds with replacement within each arm and draws multinomial "
        f"example weights shared by both arms and all seeds — {'; '.join(units)}. {pairing}. "
        f"Task-level differences average the same replicates over a task's languages and the overall level "
        f"({overall}) averages the task levels, so every level has a consistent interval. "
        f"Multiple comparisons are controlled within declared families: F1, the overall Δ of each non-baseline "
        f"arm (Holm); F2, the task-level Δs within a pair (Holm); F3, the languages within a (pair, task) (Holm for "
        f"claims, Benjamini–Hochberg q-values for screening, and k̂ of L, the number of languages with a positive "
        f"Holm-significant Δ). Beside the bootstrap we report mean ± SD over seeds (ddof = 1), the seed-level exact "
        f"permutation test with its minimum attainable p"
        f"{f' (here {floor:.3g})' if floor is not None else ''}, P(A > B) = U/(S_A·S_B) with a bootstrap CI, "
        f"Welch's t as a parametric reference, and the share of the bootstrap variance due to seeds versus test "
        f"examples. The intervals cover the variability of fine-tuning seeds (which also reseed any intermediate-"
        f"task training) and of test-set sampling; they do not cover hyper-parameter search, the pretraining seed "
        f"of the public checkpoint, or the sampling of the intermediate-task data. Caveat: with few seeds the "
        f"crossed bootstrap's calibration depends on the ratio of seed to test-set noise (conservative when test "
        f"noise dominates, anti-conservative when seed variance dominates with few seeds; "
        f"tests/stats/test_calibration.py), which is why the seed-level exact test is reported beside it."
    )
