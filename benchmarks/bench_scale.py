"""Data at the paper's scale: synthetic datasets in the exact Hub schemas, run through loading,
card validation, fingerprinting, tokenization (and its cache) and evaluation with the tiny model.

    python benchmarks/bench_scale.py            # MNLI train at 98k and 393k rows (the real size); XNLI test 15 x 5,010
    python benchmarks/bench_scale.py --quick    # 10k and 40k rows; XNLI test 3 languages x 1,000
    python benchmarks/bench_scale.py --json out.json

The synthetic rows are written as a `--data-dir` copy (`nyu-mll__glue/mnli/train.jsonl` plus
the Hub's features.json, `google__xtreme/XNLI/test.jsonl`), with words drawn from the shipped
fixtures (all scripts) at MNLI-like lengths. Each size runs in a fresh process, so the peak RSS
of each stage is its own: a stage's `rss_mb` is the growth of the process's peak RSS during it.
"Linear" is checked from two sizes 4x apart, by CPU time with one intra-op thread (wall time,
recorded too, also counts waiting for a core): time and memory ratios near 4 (or below) mean
nothing scales worse than linearly. `arrow_mb` is the dataset's own size in memory-mapped
Arrow; `rss_mb` staying near it (plus O(batch)) means nothing holds copies of the data.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import machine  # noqa: E402

LABELS = ["entailment", "neutral", "contradiction"]


def _words() -> list[str]:
    from ablate.data.load import FIXTURES

    words: list[str] = []
    for path in sorted((FIXTURES / "google__xtreme" / "XNLI").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            words.extend(row["sentence1"].split())
    return words


def write_data(root: Path, train_rows: int, langs: list[str], test_rows: int, seed: int = 0) -> None:
    """MNLI train and XNLI test in the Hub's schemas under `root` (a --data-dir)."""
    from ablate.data.load import FIXTURES

    rng = np.random.default_rng(seed)
    words = np.array(_words())

    def sentence(median: float) -> str:
        n = max(2, int(rng.lognormal(np.log(median), 0.45)))
        return " ".join(words[rng.integers(0, len(words), size=n)]) + "."

    mnli = root / "nyu-mll__glue" / "mnli"
    mnli.mkdir(parents=True)
    shutil.copy(FIXTURES / "nyu-mll__glue" / "mnli" / "features.json", mnli / "features.json")
    with (mnli / "train.jsonl").open("w", encoding="utf-8") as f:
        for i in range(train_rows):
            f.write(json.dumps({"premise": sentence(20), "hypothesis": sentence(10), "label": int(rng.integers(3)),
                                "idx": i}, ensure_ascii=False) + "\n")
    xnli = root / "google__xtreme" / "XNLI"
    xnli.mkdir(parents=True)
    shutil.copy(FIXTURES / "google__xtreme" / "XNLI" / "features.json", xnli / "features.json")
    with (xnli / "test.jsonl").open("w", encoding="utf-8") as f:
        for lang in langs:
            for _ in range(test_rows):
                f.write(json.dumps({"language": lang, "sentence1": sentence(20), "sentence2": sentence(10),
                                    "gold_label": LABELS[int(rng.integers(3))]}, ensure_ascii=False) + "\n")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(data_dir: Path, out_dir: Path, langs: list[str]) -> dict:
    """Run every stage once in this process; per stage: seconds and peak-RSS growth (MB)."""
    from ablate import tokenized
    from ablate.config import resolve
    from ablate.data.load import fingerprint, load_task_split
    from ablate.models import build_tiny, load_tokenizer, load_with_head
    from ablate.phases.scoring import score
    from ablate.tasks import get_task
    from ablate.tasks.formats import format_of

    cfg = resolve(None, None, {"data": "hub", "data_dir": str(data_dir), "offline": True, "output_dir": str(out_dir),
                               "model": "tiny-xlmr"})
    path = str(build_tiny("tiny-xlmr"))
    tokenizer = load_tokenizer(path)
    spec, target = get_task("mnli"), get_task("xnli")
    fmt = format_of(spec)
    model = load_with_head(path, fmt.HEAD, seed=1, **fmt.head_kwargs(target))
    stages: dict[str, dict] = {}
    state: dict = {}

    def stage(name, fn):
        before, start, cpu = _peak_mb(), time.perf_counter(), time.process_time()
        state[name] = fn()
        stages[name] = {"s": round(time.perf_counter() - start, 2), "cpu_s": round(time.process_time() - cpu, 2),
                        "rss_mb": round(_peak_mb() - before, 1)}

    stage("load+card", lambda: load_task_split(spec, "train", cfg))
    train = state["load+card"]
    stage("fingerprint", lambda: fingerprint(train))
    stage("tokenize+cache", lambda: tokenized.train_features(fmt, train, state["fingerprint"], tokenizer, 128,
                                                             out_dir / "tokenized"))
    stage("cache hit", lambda: tokenized.train_features(fmt, train, state["fingerprint"], tokenizer, 128,
                                                        out_dir / "tokenized"))

    def evaluate():
        rows = 0
        for lang in langs:
            ds = load_task_split(target, "test", cfg, lang)
            score(model, tokenizer, fmt, target, ds, lang, 128, 64, "cpu")
            rows += len(ds)
        return rows

    stage("evaluate", evaluate)
    return {"rows": len(train), "eval_rows": state["evaluate"], "arrow_mb": round(train.data.nbytes / 2**20, 1),
            "features_mb": round(state["tokenize+cache"][0].data.nbytes / 2**20, 1),
            "cache_hit": state["cache hit"][1], "stages": stages, "base_rss_mb": None}


def run(sizes: tuple[int, int], langs: list[str], test_rows: int) -> dict:
    out = {"sizes": list(sizes), "languages": langs, "test_rows_per_language": test_rows, "runs": []}
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            data = Path(tmp) / "data"
            start = time.perf_counter()
            write_data(data, n, langs, test_rows)
            generated = round(time.perf_counter() - start, 1)
            proc = subprocess.run([sys.executable, __file__, "--child", str(data), str(Path(tmp) / "out"), ",".join(langs)],
                                  capture_output=True, text=True, cwd=tmp)
            if proc.returncode:
                raise SystemExit(f"bench_scale child failed:\n{proc.stderr[-3000:]}")
            result = json.loads(proc.stdout.strip().splitlines()[-1])
            result["generate_s"] = generated
            out["runs"].append(result)
    small, big = out["runs"]
    # CPU time decides "linear": wall time also counts waiting for a core on a shared machine
    out["ratios"] = {name: {"time": round(big["stages"][name]["cpu_s"] / max(small["stages"][name]["cpu_s"], 1e-3), 2),
                            "wall": round(big["stages"][name]["s"] / max(small["stages"][name]["s"], 1e-3), 2),
                            "rss": round(big["stages"][name]["rss_mb"] / max(small["stages"][name]["rss_mb"], 1.0), 2)}
                     for name in small["stages"]}
    return out


def report(r: dict) -> str:
    lines = [f"Data at scale (synthetic MNLI train in the Hub schema; XNLI test {len(r['languages'])} languages x "
             f"{r['test_rows_per_language']}; tiny model, max length 128)",
             f"{'rows':>8} {'arrow MB':>9} {'features MB':>12}  " + "  ".join(f"{s:>18}" for s in r["runs"][0]["stages"])]
    for run_ in r["runs"]:
        cells = "  ".join(f"{v['cpu_s']:>7.2f} s {v['rss_mb']:>6.0f} MB" for v in run_["stages"].values())
        lines.append(f"{run_['rows']:>8,} {run_['arrow_mb']:>9} {run_['features_mb']:>12}  {cells}")
    ratio = r["sizes"][1] / r["sizes"][0]
    lines.append(f"{ratio:.0f}x the rows -> CPU time x / peak-RSS growth x per stage: " + ", ".join(
        f"{k} {v['time']}/{v['rss']}" for k, v in r["ratios"].items()) + f"  (linear: <= ~{ratio:.0f})")
    lines.append(f"cache hit on the second call: {r['runs'][-1]['cache_hit']} (evaluation rows are the same at both sizes)")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="10k/40k rows, 3 evaluation languages x 1,000")
    ap.add_argument("--tiny", action="store_true", help="smallest sizes, seconds: 300/1,200 rows, 1 language x 100")
    ap.add_argument("--json", type=Path, help="write the result here")
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        import torch

        torch.set_num_threads(1)  # CPU time then measures the work, not OpenMP workers spinning for a core
        data, out, langs = args.child
        print(json.dumps(child(Path(data), Path(out), langs.split(","))))
        return
    if args.tiny:
        result = run((300, 1200), ["de"], 100)
    elif args.quick:
        result = run((10_000, 40_000), ["de", "sw", "zh"], 1_000)
    else:
        from ablate.tasks import get_task

        result = run((98_176, 392_702), [x for x in get_task("xnli").languages], 5_010)
    machine.publish(result, report, args.json)


if __name__ == "__main__":
    main()
