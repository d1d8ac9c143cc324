"""Time the full paired significance computation, vectorised vs a per-replicate Python loop.

    .venv/bin/python benchmarks/bench_significance.py            # B = 10,000, the real shape
    .venv/bin/python benchmarks/bench_significance.py --quick    # B = 1,000, a few seconds

Synthetic sufficient statistics shaped like the XTREME study: 9 tasks, 162 (task, language)
cells, 4 arms (baseline + 3 recipes) × 5 paired seeds, k = 2 or 3 statistics; parallel test sets
(XNLI, PAWS-X, XQuAD, MLQA) share example weights across languages over parallel ids. The
vectorised run does everything the report needs: cells, task and XTREME aggregates, Holm/BH,
k̂. The naive run is timed on a sample of cells with fewer replicates and extrapolated linearly
(time per replicate fitted against n); the output says so.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # we thread over weight blocks ourselves

import numpy as np  # noqa: E402

from ablate.stats import (  # noqa: E402
    ACCURACY,
    F1_COUNTS,
    SPAN_QA,
    aggregate,
    arm_replicates,
    benjamini_hochberg,
    count_wins,
    draw_example_weights,
    draw_seed_indices,
    holm,
    seed_score_replicates,
    shared_weight_replicates,
    summarize,
)

ARMS, SEEDS = 4, 5  # baseline + 3 recipes, 5 paired seeds each
# name: (languages, metric, parallel test set, test-set size or (low, high) range per language)
TASKS = {
    "xnli": (15, ACCURACY, True, 5010),
    "pawsx": (7, ACCURACY, True, 2000),
    "xquad": (11, SPAN_QA, True, 1190),
    "mlqa": (7, SPAN_QA, True, 5000),
    "tydiqa": (9, SPAN_QA, False, (1000, 5000)),
    "panx": (40, F1_COUNTS, False, (1000, 5000)),
    "udpos": (33, F1_COUNTS, False, (1000, 5000)),
    "bucc": (4, F1_COUNTS, False, (1000, 5000)),
    "tatoeba": (36, ACCURACY, False, 1000),
}


def synth_stats(rng, metric, n):
    """Per-arm ``(SEEDS, n, k)`` statistics; arm a is better by 0.02·a logit points."""
    difficulty = rng.normal(1.0, 1.5, n)
    out = []
    for arm in range(ARMS):
        logit = difficulty + 0.02 * arm + rng.normal(0, 0.1, (SEEDS, 1))
        hit = rng.random((SEEDS, n)) < 1 / (1 + np.exp(-logit))
        if metric is ACCURACY:
            u = np.stack([hit, np.ones_like(hit)], -1)
        elif metric is SPAN_QA:
            f1 = np.where(hit, 1.0, rng.random((SEEDS, n)) * 0.6)
            u = np.stack([hit, f1, np.ones_like(f1)], -1)
        else:
            gold = rng.poisson(1.5, n)
            pred = np.maximum(gold + rng.integers(-1, 2, (SEEDS, n)), 0)
            tp = np.where(hit, np.minimum(pred, gold), 0)
            u = np.stack([tp, pred, np.broadcast_to(gold, pred.shape)], -1)
        out.append(u.astype(np.float64))
    return out


def make_study(rng):
    """{task: (metric, parallel, n_units, [(stats per arm, clusters or None), ...])}."""
    study = {}
    for name, (langs, metric, parallel, size) in TASKS.items():
        cells = []
        n_units = size if parallel else None
        for _ in range(langs):
            if parallel:  # some parallel ids are lost in translation in some languages
                ids = np.sort(rng.choice(size, int(size * rng.uniform(0.9, 1.0)), replace=False))
                cells.append((synth_stats(rng, metric, ids.size), ids))
            else:
                n = size if isinstance(size, int) else int(rng.integers(size[0], size[1] + 1))
                cells.append((synth_stats(rng, metric, n), None))
        study[name] = (metric, parallel, n_units, cells)
    return study


def vectorised(study, rng, B, workers):
    """Everything the report computes; returns the XTREME-level results per recipe."""
    per_task = {a: [] for a in range(1, ARMS)}
    for metric, parallel, n_units, cells in study.values():
        seeds = draw_seed_indices(rng, B, [SEEDS] * ARMS, paired=True)  # once per task
        if parallel:  # one weight draw over parallel ids, one pass for all languages
            weights = draw_example_weights(rng, B, n_units)
            scores = shared_weight_replicates(cells, metric, weights, workers=workers)
        else:
            scores = [
                seed_score_replicates(
                    stats, metric, draw_example_weights(rng, B, stats[0].shape[1]),
                    workers=workers,
                )
                for stats, _ in cells
            ]
        cell_results = {a: [] for a in range(1, ARMS)}
        for (stats, _), cell_scores in zip(cells, scores):
            full = seed_score_replicates(stats, metric)
            reps = [arm_replicates(s, i) for s, i in zip(cell_scores, seeds)]
            for a in range(1, ARMS):
                delta = full[a].mean() - full[0].mean()
                cell_results[a].append(summarize(delta, reps[a] - reps[0]))
        for a in range(1, ARMS):  # F3: languages within (arm pair, task)
            p = np.array([r.p for r in cell_results[a]])
            p_holm, _ = holm(p), benjamini_hochberg(p)
            count_wins(np.array([r.delta for r in cell_results[a]]), p_holm)
            per_task[a].append(aggregate(cell_results[a]))
    for a in range(1, ARMS):  # F2: tasks within each arm pair
        holm(np.array([t.p for t in per_task[a]]))
    xtreme = {a: aggregate(per_task[a]) for a in range(1, ARMS)}
    holm(np.array([x.p for x in xtreme.values()]))  # F1: confirmatory
    return xtreme


def naive_cell_seconds_per_replicate(stats, metric, clusters, n_units, rng, reps):
    """A per-replicate Python loop with numpy inside (what a first implementation does).

    Returns (wall, CPU) seconds per replicate.
    """
    n = stats[0].shape[1]
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(reps):
        seeds = rng.integers(0, SEEDS, SEEDS)
        if clusters is None:
            idx = rng.integers(0, n, n)
            scores = [np.mean([metric(u[j][idx].sum(0)) for j in seeds]) for u in stats]
        else:
            w = np.bincount(rng.integers(0, n_units, n_units), minlength=n_units)[clusters]
            scores = [np.mean([metric(w @ u[j]) for j in seeds]) for u in stats]
        [scores[a] - scores[0] for a in range(1, ARMS)]
    return (time.perf_counter() - start) / reps, (time.process_time() - cpu) / reps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--replicates", "-B", type=int, default=None, help="default 10,000")
    parser.add_argument("--quick", action="store_true", help="B = 1,000 and a smaller naive sample")
    parser.add_argument("--workers", type=int, default=2, help="threads over weight blocks")
    parser.add_argument("--seed", type=int, default=12345)
    args = parser.parse_args()
    B = args.replicates or (1_000 if args.quick else 10_000)
    rng = np.random.default_rng(args.seed)
    study = make_study(rng)
    cells = [(m, p, u, c) for m, p, u, cs in study.values() for c in cs]
    drawn = sum(
        n_units if parallel else sum(c[0][0].shape[1] for c in cs)
        for _, parallel, n_units, cs in study.values()
    )
    print(f"{len(cells)} cells, {len(study)} tasks, {ARMS} arms x {SEEDS} seeds, B = {B:,}: "
          f"{drawn * B / 1e9:.2f}e9 multinomial example weights; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")

    timings = {}
    for workers in sorted({1, args.workers}):
        start, cpu = time.perf_counter(), time.process_time()
        xtreme = vectorised(study, np.random.default_rng(args.seed), B, workers)
        timings[workers] = (time.perf_counter() - start, time.process_time() - cpu)
    for a, x in xtreme.items():
        print(f"  recipe {a} vs baseline (XTREME): delta = {100 * x.delta:+.2f} "
              f"[{100 * x.low:+.2f}, {100 * x.high:+.2f}] p = {x.p:.4f}")

    # Naive: time a sample of cells with few replicates, fit seconds/replicate = a + b·n.
    sample_rng = np.random.default_rng(args.seed + 1)
    pick = sample_rng.choice(len(cells), 6 if args.quick else 12, replace=False)
    reps = 10 if args.quick else 30
    n_of = [c[0][0].shape[1] for _, _, _, c in cells]
    measured = np.array([
        naive_cell_seconds_per_replicate(cells[i][3][0], cells[i][0], cells[i][3][1],
                                         cells[i][2], sample_rng, reps)
        for i in pick
    ])
    naive = []
    for column in (0, 1):  # wall, CPU
        slope, intercept = np.polyfit([n_of[i] for i in pick], measured[:, column], 1)
        naive.append(float(sum(max(intercept + slope * n, 0.0) for n in n_of) * B))
    print(f"\n{'computation':<40}{'wall s':>10}{'CPU s':>10}{'naive/this (wall)':>20}")
    for workers, (wall, cpu) in timings.items():
        print(f"{f'vectorised, {workers} thread(s)':<40}{wall:>10.2f}{cpu:>10.2f}"
              f"{naive[0] / wall:>19.0f}x")
    print(f"{'naive loop (extrapolated, see below)':<40}{naive[0]:>10.1f}{naive[1]:>10.1f}"
          f"{1:>19.0f}x")
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    print(f"\nnaive: {len(pick)} cells x {reps} replicates timed; seconds per replicate fitted "
          f"as a + b·n (last fit: {intercept * 1e3:.2f} ms + {slope * 1e6:.3f} us·n) and "
          f"extrapolated linearly to {len(cells)} cells x {B:,} replicates.")


if __name__ == "__main__":
    main()
