"""Phase-cache savings on the paper's grid, computed from plans (no training, no data loading).

    python benchmarks/bench_phase_cache.py            # baseline + stilts x 9 tasks x 9 targets x 3 seeds
    python benchmarks/bench_phase_cache.py --quick    # the same grid with 1 seed
    python benchmarks/bench_phase_cache.py --json out.json

Naive: one pipeline per (recipe, intermediate task, target, seed), as jiant runs the paper's
experiments, each building every phase of its plan. ablate: a phase is built once per
content key (docs/phase-store.md): an intermediate model per (task, seed) is shared by every
target and recipe, XQuAD and MLQA share one SQuAD fine-tune, and baseline fine-tunes are shared
by every arm that compares against them. Compute uses `ablate plan`'s estimate (FLOPs, upper
bound: every example at max_seq_length), so the saving is also given in FLOPs.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import machine  # noqa: E402


def run(seeds: tuple[int, ...], tasks: tuple[str, ...] | None = None, targets: tuple[str, ...] | None = None) -> dict:
    from ablate.estimate import non_embedding_parameters, phase_estimate
    from ablate.grid import expand
    from ablate.keys import KeyMaker
    from ablate.tasks import TASKS, expand_targets

    tasks = tasks or tuple(t.name for t in TASKS.values() if t.role == "intermediate")
    targets = targets or expand_targets(("xtreme",))
    started = time.perf_counter()
    naive, built = Counter(), Counter()
    naive_flops, built_flops = Counter(), Counter()
    seen: set[tuple[str, str]] = set()
    with tempfile.TemporaryDirectory() as tmp:
        # naive = one pipeline per (recipe, task, target, seed), as jiant runs it
        requests = [r for target in targets
                    for r in expand(["baseline", "stilts"], tasks, [target], seeds, settings={"output_dir": tmp})]
        params = None
        for request in requests:
            plan, cfg = request.plan()
            params = params or non_embedding_parameters(cfg)
            keys = KeyMaker(cfg).plan_keys(plan, request.seed)
            for phase in plan.order():
                flops = phase_estimate(phase, cfg, params).flops or 0.0
                naive[phase.kind] += 1
                naive_flops[phase.kind] += flops
                ident = (phase.kind, keys[phase.name][0])
                if ident not in seen:
                    seen.add(ident)
                    built[phase.kind] += 1
                    built_flops[phase.kind] += flops
    return {"runs": len(requests), "tasks": list(tasks), "targets": list(targets), "seeds": list(seeds),
            "naive": dict(naive), "built": dict(built), "naive_flops": dict(naive_flops),
            "built_flops": dict(built_flops), "planning_s": round(time.perf_counter() - started, 2)}


def report(r: dict) -> str:
    lines = [f"Phase cache on the grid: baseline + stilts x {len(r['tasks'])} intermediate tasks x "
             f"{len(r['targets'])} targets x seeds {r['seeds']} = {r['runs']} single-target pipelines "
             f"(planned in {r['planning_s']} s)",
             f"{'phase kind':14} {'naive':>7} {'built':>7} {'saved':>7} {'naive FLOP':>12} {'built FLOP':>12}"]
    for kind in r["naive"]:
        n, b = r["naive"][kind], r["built"][kind]
        lines.append(f"{kind:14} {n:>7} {b:>7} {1 - b / n:>7.0%} {r['naive_flops'][kind]:>12.3g} {r['built_flops'][kind]:>12.3g}")
    n, b = sum(r["naive_flops"].values()), sum(r["built_flops"].values())
    lines.append(f"{'all':14} {sum(r['naive'].values()):>7} {sum(r['built'].values()):>7} "
                 f"{1 - sum(r['built'].values()) / sum(r['naive'].values()):>7.0%} {n:>12.3g} {b:>12.3g}"
                 f"   compute: {n / b:.2f}x less than naive")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="one seed")
    ap.add_argument("--tiny", action="store_true", help="smallest grid, seconds: 2 tasks, 3 targets, 2 seeds")
    ap.add_argument("--json", type=Path, help="write the result here")
    args = ap.parse_args()
    if args.tiny:
        result = run((1, 2), ("mnli", "squad"), ("xnli", "xquad", "mlqa"))
    else:
        result = run((1,) if args.quick else (1, 2, 3))
    machine.publish(result, report, args.json)


if __name__ == "__main__":
    main()
