"""Every ablate benchmark in one command: prints each one's side-by-side figures and the machine,
then a summary of the headline ratios, and writes everything to one JSON file.

    python benchmarks/run.py                   # full sizes (tens of minutes on 2 cores)
    python benchmarks/run.py --quick           # a few minutes (the test suite runs it)
    python benchmarks/run.py --tiny            # smallest sizes: checks in seconds that every benchmark runs
    python benchmarks/run.py --only batching,phase_cache --out results.json

Each benchmark runs in its own process (its peak memory and thread settings are its own) with
the same threads as every other. A benchmark that fails is reported and the others still run;
the exit code is 1 if any failed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import machine  # noqa: E402

# name: (script, arguments per mode, writes --json)
BENCHMARKS = {
    "batching": ("bench_batching.py", {"full": [], "quick": ["--quick"], "tiny": ["--tiny"]}, True),
    "train_overhead": ("bench_train_overhead.py", {"full": [], "quick": ["--quick"], "tiny": ["--tiny"]}, True),
    "scale": ("bench_scale.py", {"full": [], "quick": ["--quick"], "tiny": ["--tiny"]}, True),
    "phase_cache": ("bench_phase_cache.py", {"full": [], "quick": ["--quick"], "tiny": ["--tiny"]}, True),
    "mt_realistic": ("bench_mt.py", {"full": [], "quick": ["--quick"], "tiny": ["--tiny"]}, True),
    "mt_engine": ("bench_translate.py", {"full": [], "quick": ["--quick"],
                                         "tiny": ["--n", "8", "--batch", "4", "--max-new-tokens", "8"]}, False),
    "significance": ("bench_significance.py", {"full": [], "quick": ["-B", "2000", "--loop-reps", "5"],
                                               "tiny": ["-B", "50", "--loop-reps", "1"]}, False),
}


def run_one(name: str, mode: str) -> dict:
    script, modes, writes_json = BENCHMARKS[name]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        cmd = [sys.executable, str(HERE / script), *modes[mode], *(["--json", str(out)] if writes_json else [])]
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp)
        entry = {"command": " ".join(cmd[1:]).replace(str(HERE) + "/", "benchmarks/"),
                 "seconds": round(time.perf_counter() - start, 1), "ok": proc.returncode == 0,
                 "output": proc.stdout.strip()}
        if proc.returncode:
            entry["error"] = proc.stderr.strip()[-3000:]
        elif writes_json:
            entry["result"] = json.loads(out.read_text())
    return entry


def summary(results: dict) -> list[str]:
    """The headline ratio of each benchmark that produced one."""
    lines = []
    get = lambda name: results.get(name, {}).get("result")  # noqa: E731
    if r := get("batching"):
        lines.append("batching: grouped vs fixed-length examples/s " + ", ".join(
            f"{s} {row['speedup_vs_fixed']}x" for s, row in r["shapes"].items())
            + "; padding vs random order " + ", ".join(f"{s} {row['padding_vs_random']:.0%}" for s, row in r["shapes"].items()))
    if r := get("train_overhead"):
        low, high = r["overhead_range"]
        lines.append(f"train phase overhead vs bare Trainer: {r['overhead']:+.1%} without selection evaluation "
                     f"(median of {r['repeats']} pairs, {low:+.1%} to {high:+.1%}; {r['overhead_with_selection']:+.1%} with)")
    if r := get("scale"):
        lines.append("data at scale, 4x rows -> CPU time x per stage: " + ", ".join(f"{k} {v['time']}" for k, v in r["ratios"].items()))
    if r := get("phase_cache"):
        naive, built = sum(r["naive_flops"].values()), sum(r["built_flops"].values())
        lines.append(f"phase cache on the grid: {sum(r['built'].values())} of {sum(r['naive'].values())} phases built, "
                     f"{naive / built:.2f}x less compute than one pipeline per target")
    if r := get("mt_realistic"):
        for decode, row in r["decoding"].items():
            lines.append(f"MT {decode}: ablate {row['ablate_vs_best_hf']}x the best transformers config "
                         f"({row['best_hf']}), {row['ablate_vs_ct2']}x raw CTranslate2 doing the same job "
                         f"({r['compute_type']}, {r['threads']} thread(s), CPU time)")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="a few minutes")
    mode.add_argument("--tiny", action="store_true", help="smallest sizes: every benchmark runs, in seconds")
    ap.add_argument("--only", help=f"comma-separated subset of: {', '.join(BENCHMARKS)}")
    ap.add_argument("--out", type=Path, default=Path("ablate-bench.json"), help="the JSON file to write")
    args = ap.parse_args()
    chosen = args.only.split(",") if args.only else list(BENCHMARKS)
    unknown = [n for n in chosen if n not in BENCHMARKS]
    if unknown:
        ap.error(f"unknown benchmark(s) {', '.join(unknown)}; available: {', '.join(BENCHMARKS)}")
    level = "tiny" if args.tiny else "quick" if args.quick else "full"
    info = machine.describe()
    print(f"# ablate benchmarks ({level}) on {machine.line(info)}", flush=True)
    results = {}
    for name in chosen:
        print(f"\n## {name}", flush=True)
        results[name] = entry = run_one(name, level)
        print(entry["output"] or "(no output)")
        if not entry["ok"]:
            print(f"FAILED after {entry['seconds']} s:\n{entry['error']}")
    lines = summary(results)
    print("\n## summary  (" + machine.line(info) + ")")
    print("\n".join(lines))
    failed = [n for n, e in results.items() if not e["ok"]]
    if failed:
        print(f"failed: {', '.join(failed)}")
    args.out.write_text(json.dumps({"mode": level, "machine": info, "summary": lines, "benchmarks": results}, indent=1))
    print(f"wrote {args.out}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
