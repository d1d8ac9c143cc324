"""Synthetic MLflow stores shaped exactly like `ablate run` writes them (parent run per arm and seed,
phase children, prediction parquet files with per-example statistics), with planted effects: fast
to build and with non-degenerate numbers, unlike the tiny smoke model.

Each task is written with the splits it really has (`get_task(t).evaluation`): XQuAD, TyDiQA-GoldP
and Tatoeba only test; XNLI, PAWS-X, UD-POS, PAN-X, MLQA and BUCC dev and test.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

XNLI_LANGS = ("de", "en", "fr")  # parallel (shared parallel ids)
TYDI_LANGS = ("ar", "fi")  # not parallel
N = 150
PARALLEL = {"xnli", "pawsx", "xquad", "mlqa"}
# Two languages per task keep the grid small; the metric decides the statistics written.
GRID_LANGS = {"xnli": ("de", "fr"), "pawsx": ("de", "ja"), "udpos": ("de", "eu"), "panx": ("de", "sw"),
              "xquad": ("de", "th"), "mlqa": ("de", "hi"), "tydiqa": ("ar", "fi"), "bucc2018": ("de", "fr"),
              "tatoeba": ("de", "fr")}
PAPER_MODEL = {"model": "xlm-roberta-large", "preset": "paper"}


def _fp(obj) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True).encode()).hexdigest()[:16]


def _stats(metric: str, rng, n: int, level: float) -> tuple[dict, float]:
    """Per-example statistic columns and the logged corpus metric (×100) at success rate `level`."""
    if metric == "accuracy":
        correct = (rng.random(n) < level).astype(float)
        return {"u.correct": correct, "u.n": np.ones(n)}, 100 * correct.mean()
    if metric == "em_f1":
        em = (rng.random(n) < level).astype(float)
        f1 = np.clip(em + 0.3 * rng.random(n), 0, 1)
        return {"u.em": em, "u.f1": f1, "u.n": np.ones(n)}, 100 * (em.sum() + f1.sum()) / (2 * n)
    gold = rng.integers(1, 4, n).astype(float)
    tp = rng.binomial(gold.astype(int), level).astype(float)
    return {"u.tp": tp, "u.n_pred": gold.copy(), "u.n_gold": gold}, 100 * 2 * tp.sum() / (2 * gold.sum())


def write_arm(tracker, root: Path, recipe: str, task: str | None, seed: int, levels: dict[str, float],
              langs: dict[str, tuple[str, ...]], fail: bool = False, model: dict | None = None,
              extra_tags: dict | None = None) -> str:
    """One parent run evaluating `levels` (target -> success rate) on the target's real splits."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from ablate.config import resolve
    from ablate.tasks import get_task

    model = model or PAPER_MODEL
    tags = {"kind": "run", "recipe": recipe, "intermediate_task": task or "none", "targets": ",".join(levels),
            "seed": seed, "model": model["model"], "model_revision": "", "preset": model["preset"],
            "data_source": "hub", "git_commit": "abc123", "git_dirty": "no", "config_hash": "cfg", **(extra_tags or {})}
    parent = tracker.start(f"{recipe} seed={seed}", tags)
    tracker.json_artifact(parent, "environment.json", {"python": "3.11", "platform": "Linux", "cpu_count": 2,
                                                      "packages": {"numpy": np.__version__}})
    tracker.params(parent, {"finetune.xnli.learning_rate": "1e-05", "model": model["model"], "preset": model["preset"]})
    arm = {"multitask": {"tasks": task}} if recipe == "multitask" else {"task": task}  # its task set, not --task
    cfg = resolve(model["preset"], None, {"recipe": recipe, **arm, "targets": ",".join(levels),
                                          "model": model["model"], "seeds": str(seed)})
    tracker.json_artifact(parent, "config.json", cfg.to_dict())
    if fail:
        tracker.end(parent, "FAILED")
        return parent
    metrics = {}
    for t, level in levels.items():
        spec = get_task(t)
        retrieval = t in ("bucc2018", "tatoeba")
        if not retrieval:
            ft = tracker.start(f"finetune:{t}", {"kind": "phase", "phase": f"finetune:{t}",
                                                 "selection": "en-dev:accuracy:every4:n16:patience3"}, parent=parent)
            tracker.json_artifact(ft, "phase.json", {"phase": f"finetune:{t}", "info": {
                "runtime_s": 1.5, "parameters": 1000, "device": "cpu", "train_examples": 50, "dev_examples": 16}})
            tracker.end(ft)
        phase = f"retrieve:{t}" if retrieval else f"evaluate:{t}"
        ev = tracker.start(phase, {"kind": "phase", "phase": phase}, parent=parent)
        d = root / f"{parent}-{t}"
        fps = {}
        for split in spec.evaluation:
            fps[split] = {}
            for lang in langs[t]:
                rng = np.random.default_rng([seed, len(recipe), int(1000 * level), len(split), ord(lang[0]), ord(t[0])])
                pids = [str(i) if t in PARALLEL else f"{lang}:{i}" for i in range(N)]
                ids = [f"{lang}:{i}" for i in range(N)]
                cols, value = _stats(spec.metric, rng, N, level)
                metrics[_key(t, lang, spec.metric, split)] = value
                path = d / "predictions" / split / f"{lang}.parquet"
                path.parent.mkdir(parents=True, exist_ok=True)
                pq.write_table(pa.table({"id": ids, "parallel_id": pids, "gold": [0] * N, "prediction": [0] * N,
                                         **cols}), path)
                fps[split][lang] = _fp([t, split, lang])
        (d / "fingerprints.json").write_text(json.dumps(fps))
        paths = [str(p.relative_to(d)) for p in d.rglob("*.parquet")] + ["fingerprints.json"]
        tracker.artifacts(ev, d, paths)
        tracker.json_artifact(ev, "phase.json", {"phase": phase, "info": {"runtime_s": 0.5}})
        tracker.end(ev)
        tracker.tags(parent, {f"data.{t}.{s}": _fp(v) for s, v in fps.items()})
    tracker.metrics(parent, metrics)
    tracker.end(parent)
    return parent


def _key(task, lang, metric, split):
    from ablate.metric_names import metric_key

    return metric_key(task, lang, metric, split)


def build_synthetic(root: Path, model: dict | None = None) -> str:
    """baseline vs stilts:mnli (+12 points on XNLI, no effect on TyDiQA), seeds 1-3, one failed run."""
    from ablate.tracking import Tracker

    uri = f"sqlite:///{root / 'mlflow.db'}"
    tracker = Tracker(uri, "ablate")
    langs = {"xnli": XNLI_LANGS, "tydiqa": TYDI_LANGS}
    for seed in (1, 2, 3):
        write_arm(tracker, root / "art", "baseline", None, seed, {"xnli": 0.50, "tydiqa": 0.4}, langs, model=model)
        write_arm(tracker, root / "art", "stilts", "mnli", seed, {"xnli": 0.62, "tydiqa": 0.4}, langs, model=model)
    write_arm(tracker, root / "art", "stilts", "mnli", 4, {"xnli": 0.62, "tydiqa": 0.4}, langs, fail=True, model=model)
    return uri


# Full grid: the planted truth per arm (success rate by target). SQuAD helps QA and retrieval a lot,
# MNLI helps classification, HellaSwag a little everywhere, MT-translated MNLI and MNLI + MLM as English
# MNLI; nobody helps XNLI.
BASE = {"xnli": 0.70, "pawsx": 0.80, "udpos": 0.70, "panx": 0.60, "xquad": 0.55, "mlqa": 0.50, "tydiqa": 0.45,
        "bucc2018": 0.40, "tatoeba": 0.45}
GAINS = {
    "stilts:squad": {"pawsx": 0.05, "xquad": 0.2, "mlqa": 0.2, "tydiqa": 0.25, "bucc2018": 0.3, "tatoeba": 0.3},
    "stilts:mnli": {"pawsx": 0.1, "udpos": 0.05, "panx": 0.05, "tydiqa": 0.2, "bucc2018": 0.25, "tatoeba": 0.25},
    "stilts:hellaswag": {"pawsx": 0.05, "tydiqa": 0.15, "bucc2018": 0.2, "tatoeba": 0.2},
    "mt-translate:mnli": {"pawsx": 0.1, "udpos": 0.05, "panx": 0.05, "tydiqa": 0.2, "bucc2018": 0.25, "tatoeba": 0.25},
    "multitask:all": {"pawsx": 0.1, "xquad": 0.2, "mlqa": 0.2, "tydiqa": 0.25, "bucc2018": 0.3, "tatoeba": 0.3},
    "stilts-mlm:mnli": {"pawsx": 0.1, "udpos": 0.05, "panx": 0.05, "tydiqa": 0.2, "bucc2018": 0.25, "tatoeba": 0.25},
}


def build_grid(root: Path, bucc: str = "goldonly", model: dict | None = None) -> str:
    """All nine XTREME targets with their real splits, baseline + three STILTs arms + MT + MLM + multi-task, seeds 1-4
    (the report tests task and average levels from 4 seeds per arm on)."""
    from ablate.tracking import Tracker

    uri = f"sqlite:///{root / 'mlflow.db'}"
    tracker = Tracker(uri, "ablate")
    extra = {"signature": f"model:x|bucc:{bucc}|version:1"}
    for seed in (1, 2, 3, 4):
        write_arm(tracker, root / "art", "baseline", None, seed, BASE, GRID_LANGS, model=model, extra_tags=extra)
        for label, gains in GAINS.items():
            recipe, task = label.split(":")
            levels = {t: v + gains.get(t, 0.0) for t, v in BASE.items()}
            write_arm(tracker, root / "art", recipe, task, seed, levels, GRID_LANGS, model=model, extra_tags=extra)
    return uri


@pytest.fixture(scope="session")
def synthetic_store(tmp_path_factory) -> tuple[Path, str]:
    root = tmp_path_factory.mktemp("synthetic-store")
    return root, build_synthetic(root)


@pytest.fixture(scope="session")
def grid_store(tmp_path_factory) -> tuple[Path, str]:
    root = tmp_path_factory.mktemp("grid-store")
    return root, build_grid(root)
