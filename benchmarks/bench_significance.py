"""The full `ablate compare` computation at paper scale, and the calibration table of the candidates.

    .venv/bin/python benchmarks/bench_significance.py                 # timing, B = 10,000
    .venv/bin/python benchmarks/bench_significance.py --calibration   # A/A FPR + power tables

Timing: synthetic sufficient statistics shaped like the XTREME study — 9 tasks, 162 (task,
language) cells, 4 arms (baseline + 3 recipes) × 5 paired seeds; parallel test sets (XNLI,
PAWS-X, XQuAD, MLQA) share parallel ids across languages. "report" is exactly what `ablate
compare` computes (`significance.compute`: the default test at every level, Holm/BH/k̂, the
seed-level exact tests, P(A>B) with B seed resamples, Welch, variance shares). The reference is
the former default, a crossed seed × example bootstrap with B replicates, written as a
per-replicate Python loop; it is timed on a sample of cells and extrapolated (printed). Both
sides run in this process with the same BLAS thread count (--threads).

Calibration: A/A false-positive rates at α = 0.05 for three candidates on the same simulated
studies (ablate.stats.simulate: seed effect shared by a task's languages), in three regimes and
S ∈ {3, 4, 5, 10}, and the k̂ count under the step-down max-T adjustment vs Holm; then power on a
planted effect.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

THREADS = next((a.split("=")[1] for a in sys.argv if a.startswith("--threads=")), "2")
for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = THREADS  # same thread count for every timed computation

import numpy as np  # noqa: E402
from scipy import stats as sps  # noqa: E402

from ablate.reports import power as pw  # noqa: E402
from ablate.reports import significance as sig  # noqa: E402
from ablate.stats import simulate as sm  # noqa: E402
from ablate.stats.multiplicity import holm_batch  # noqa: E402

ARMS, SEEDS = 4, 5
TASKS = {  # name: (languages, metric, parallel, test-set size or (low, high))
    "xnli": (15, "accuracy", True, 5010), "pawsx": (7, "accuracy", True, 2000),
    "xquad": (11, "em_f1", True, 1190), "mlqa": (7, "em_f1", True, 5000),
    "tydiqa": (9, "em_f1", False, (1000, 5000)), "panx": (40, "f1", False, (1000, 5000)),
    "udpos": (33, "f1", False, (1000, 5000)), "bucc": (4, "f1", False, (1000, 5000)),
    "tatoeba": (36, "accuracy", False, 1000),
}


def synth_stats(rng, metric, n):
    """Per-arm ``(SEEDS, n, k)`` statistics; arm a is better by 0.02·a logit points."""
    difficulty = rng.normal(1.0, 1.5, n)
    out = []
    for arm in range(ARMS):
        logit = difficulty + 0.02 * arm + rng.normal(0, 0.1, (SEEDS, 1))
        hit = rng.random((SEEDS, n)) < 1 / (1 + np.exp(-logit))
        if metric == "accuracy":
            u = np.stack([hit, np.ones_like(hit)], -1)
        elif metric == "em_f1":
            f1 = np.where(hit, 1.0, rng.random((SEEDS, n)) * 0.6)
            u = np.stack([hit, f1, np.ones_like(f1)], -1)
        else:
            gold = rng.poisson(1.5, n)
            pred = np.maximum(gold + rng.integers(-1, 2, (SEEDS, n)), 0)
            tp = np.where(hit, np.minimum(pred, gold), 0)
            u = np.stack([tp, pred, np.broadcast_to(gold, pred.shape)], -1)
        out.append(u.astype(np.float64))
    return out


def make_study(rng) -> list[sig.TaskData]:
    tasks = []
    for name, (langs, metric, parallel, size) in TASKS.items():
        stats, pids = {}, {}
        for k in range(langs):
            if parallel:  # some parallel ids are lost in translation in some languages
                ids = np.sort(rng.choice(size, int(size * rng.uniform(0.9, 1.0)), replace=False))
                pids[f"l{k}"] = ids.astype(str)
                stats[f"l{k}"] = synth_stats(rng, metric, ids.size)
            else:
                n = size if isinstance(size, int) else int(rng.integers(size[0], size[1] + 1))
                stats[f"l{k}"] = synth_stats(rng, metric, n)
        tasks.append(sig.TaskData(name, metric, stats, pids if parallel else None))
    return tasks


def loop_seconds_per_replicate(data: sig.TaskData, lang: str, rng, reps: int) -> float:
    """The former default as a per-replicate loop: resample seeds and examples, re-score 4 arms."""
    stats = data.stats[lang]
    metric = sig.points(data.metric)
    n = stats[0].shape[1]
    start = time.perf_counter()
    for _ in range(reps):
        seeds = rng.integers(0, SEEDS, SEEDS)
        w = np.bincount(rng.integers(0, n, n), minlength=n).astype(float)
        scores = [np.mean([metric(w @ u[j]) for j in seeds]) for u in stats]
        [scores[a] - scores[0] for a in range(1, ARMS)]
    return (time.perf_counter() - start) / reps


def timing(args) -> None:
    rng = np.random.default_rng(args.seed)
    tasks = make_study(rng)
    labels = ["baseline", *(f"recipe{a}" for a in range(1, ARMS))]
    cells = [(t, lang) for t in tasks for lang in t.languages]
    print(f"{len(cells)} cells, {len(tasks)} tasks, {ARMS} arms x {SEEDS} seeds, B = {args.B:,}, "
          f"{THREADS} BLAS thread(s); load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    start = time.perf_counter()
    numbers = sig.compute(tasks, labels, args.B, args.seed, 0.05, paired=True, overall="xtreme")
    report = time.perf_counter() - start
    for m in numbers.lines:
        if m.level == "overall":
            print(f"  {m.treatment} - baseline (XTREME) = {m.delta:+.2f} [{m.low:+.2f}, {m.high:+.2f}], "
                  f"p = {m.p:.3g}, seed share {m.seed_share:.0%}")
    rows = pw.plan(pw.store_levels(numbers, labels[-1], False), [5, 10, 20], 0.6, 0.05, 0.8)
    print(f"\n`ablate power` on this paper-scale study ({labels[-1]} vs baseline as the pilot): minimum "
          "detectable Δ at α = 0.05, power 0.8 [80 % range], and seeds per arm for +0.6")
    for r in rows:
        mde = "  ".join(f"S={s}: {e:.2f} [{lo:.2f}, {hi:.2f}]" for s, (e, lo, hi) in r.mde.items())
        print(f"  {r.name:<8} {mde}  needs {r.needed[0]} [{r.needed[1]}, {r.needed[2]}]")
    pick = np.random.default_rng(args.seed + 1).choice(len(cells), 8, replace=False)
    sizes = np.array([t.stats[lang][0].shape[1] for t, lang in cells], dtype=float)
    per = [loop_seconds_per_replicate(*cells[i], rng, args.loop_reps) for i in pick]
    slope, intercept = np.polyfit(sizes[pick], per, 1)
    loop = float(np.maximum(intercept + slope * sizes, 0).sum() * args.B)
    print(f"\n{'computation':<58}{'wall s':>9}{'loop/this':>11}")
    print(f"{'report (ablate compare numbers, default test)':<58}{report:>9.2f}{loop / report:>10.0f}x")
    print(f"{'former default: crossed bootstrap, per-replicate loop':<58}{loop:>9.1f}{1:>10.0f}x")
    print(f"\nloop: {len(pick)} cells x {args.loop_reps} replicates timed, seconds per replicate fitted as "
          f"a + b·n and extrapolated to {len(cells)} cells x {args.B:,} replicates (3 pairs share each draw). "
          "It omits the seed-level tests, P(A>B) and the variance split, which the report does include.")


# --- calibration -------------------------------------------------------------------------------

def bootstrap_pvalues(study, rng, B: int) -> dict[str, np.ndarray]:
    """The former default on simulated studies: crossed paired bootstrap (seed indices shared by a
    task's languages and both arms; Poisson(1) example weights per language), p at every level."""
    cells, tasks = [], []
    for task in study:
        sims, seeds = task[0][0].shape[:2]
        idx = rng.integers(0, seeds, (sims, B, seeds))
        reps, deltas = [], []
        for a, b in task:
            w = rng.poisson(1.0, (sims, B, a.shape[-1])).astype(np.float32)
            tot = np.maximum(w.sum(-1, keepdims=True), 1.0)
            sa = np.einsum("rbn,rsn->rbs", w, a.astype(np.float32)) / tot
            sb = np.einsum("rbn,rsn->rbs", w, b.astype(np.float32)) / tot
            r = (np.take_along_axis(sa, idx, -1).mean(-1) - np.take_along_axis(sb, idx, -1).mean(-1))
            d = a.mean((-2, -1)) - b.mean((-2, -1))
            reps.append(r)
            deltas.append(d)
            cells.append(_boot_p(d, r))
        tasks.append((np.mean(deltas, 0), np.mean(reps, 0)))
    return {"cell": np.stack(cells, -1), "task": np.stack([_boot_p(*t) for t in tasks], -1),
            "overall": _boot_p(np.mean([t[0] for t in tasks], 0), np.mean([t[1] for t in tasks], 0))}


def _boot_p(delta, reps):
    return (1 + (np.abs(reps - delta[:, None]) >= np.abs(delta)[:, None] - 1e-9).sum(-1)) / (reps.shape[-1] + 1)


def seed_t_pvalues(study) -> dict[str, np.ndarray]:
    """Paired t on per-seed scores only (ignores test-set sampling)."""
    def p(xa, xb):
        return sps.ttest_rel(xa, xb, axis=-1).pvalue

    cells, tasks = [], []
    for task in study:
        xs = [(a.mean(-1), b.mean(-1)) for a, b in task]
        cells += [p(*x) for x in xs]
        tasks.append((np.mean([x[0] for x in xs], 0), np.mean([x[1] for x in xs], 0)))
    return {"cell": np.stack(cells, -1), "task": np.stack([p(*t) for t in tasks], -1),
            "overall": p(np.mean([t[0] for t in tasks], 0), np.mean([t[1] for t in tasks], 0))}


def holm_count(pv, alpha=0.05) -> float:
    """k̂ ≥ 1 with Holm instead of max-T: share of (study, task) with a Holm-significant language."""
    cells = pv["cell"].reshape(*pv["cell"].shape[:-1], pv["tasks"], -1)
    return float(np.mean((holm_batch(cells) <= alpha).any(-1)))


def rates(pv, alpha=0.05) -> tuple[float, float, float]:
    return tuple(float(np.mean(pv[k] <= alpha)) for k in ("cell", "task", "overall"))


def calibration(args) -> None:
    print(f"A/A false-positive rate at α = 0.05 (cell / task / overall), {args.sims} studies of 3 tasks x 4 "
          f"languages x n = 400, paired seeds; bootstrap B = {args.boot_B}; k̂ ≥ 1 = share of (study, task) "
          "with a significant language, step-down max-T (default) vs Holm\n")
    head = (f"{'regime':<16}{'S':>3}  {'components t (default)':<26}{'crossed bootstrap':<26}{'seed-only t':<26}"
            f"{'k̂≥1 max-T':>11}{'k̂≥1 Holm':>10}")
    print(head)
    fmt = lambda r: " / ".join(f"{100 * x:4.1f}" for x in r).ljust(26)  # noqa: E731
    for regime, (tau, gamma) in sm.REGIMES.items():
        for seeds in (3, 4, 5, 10):
            rng = np.random.default_rng([args.seed, seeds, len(regime)])
            study = sm.simulate(rng, sm.Design(seeds=seeds, tau=tau, gamma=gamma), args.sims)
            comp = sm.components_pvalues(study, True)
            count = sm.rejection_rates(comp).count
            print(f"{regime:<16}{seeds:>3}  {fmt(rates(comp))}{fmt(rates(bootstrap_pvalues(study, rng, args.boot_B)))}"
                  f"{fmt(rates(seed_t_pvalues(study)))}{100 * count:11.1f}{100 * holm_count(comp):10.1f}")
    print(f"\nPower on a planted effect (+{args.effect} logit for every example of A; cell / task / overall; "
          "k̂ ≥ 1 counts a significant language of either sign)\n")
    print(head)
    for regime, (tau, gamma) in sm.REGIMES.items():
        for seeds in (5, 10):
            rng = np.random.default_rng([args.seed, seeds, len(regime), 1])
            study = sm.simulate(rng, sm.Design(seeds=seeds, tau=tau, gamma=gamma, effect=args.effect), args.sims)
            comp = sm.components_pvalues(study, True)
            print(f"{regime:<16}{seeds:>3}  {fmt(rates(comp))}"
                  f"{fmt(rates(bootstrap_pvalues(study, rng, args.boot_B)))}{fmt(rates(seed_t_pvalues(study)))}"
                  f"{100 * sm.rejection_rates(comp).count:11.1f}{100 * holm_count(comp):10.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-B", type=int, default=10_000, help="report resamples / loop replicates")
    parser.add_argument("--threads", default=THREADS, help="BLAS threads for every side (use --threads=N)")
    parser.add_argument("--loop-reps", type=int, default=20)
    parser.add_argument("--calibration", action="store_true", help="print the FPR and power tables instead")
    parser.add_argument("--sims", type=int, default=1_000)
    parser.add_argument("--boot-B", type=int, default=199)
    parser.add_argument("--effect", type=float, default=0.15)
    parser.add_argument("--seed", type=int, default=12345)
    args = parser.parse_args()
    calibration(args) if args.calibration else timing(args)


if __name__ == "__main__":
    main()
