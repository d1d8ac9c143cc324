"""A small synthetic MLflow store shaped exactly like `ablate run` writes it (parent run per arm and
seed, phase children, prediction parquet files with per-example statistics), with a planted effect:
fast to build and with non-degenerate numbers, unlike the tiny smoke model."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

XNLI_LANGS = ("de", "en", "fr")  # parallel (shared parallel ids)
TYDI_LANGS = ("ar", "fi")  # not parallel
N = 150


def _fp(obj) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True).encode()).hexdigest()[:16]


def write_arm(tracker, root: Path, recipe: str, task: str | None, seed: int, p_correct: float,
              fail: bool = False) -> str:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng([seed, len(recipe), int(100 * p_correct)])
    targets = "xnli,tydiqa"
    tags = {"kind": "run", "recipe": recipe, "intermediate_task": task or "none", "targets": targets,
            "seed": seed, "model": "tiny-xlmr", "model_revision": "", "preset": "smoke", "data_source": "fixtures",
            "git_commit": "abc123", "git_dirty": "no", "config_hash": "cfg"}
    parent = tracker.start(f"{recipe} seed={seed}", tags)
    tracker.json_artifact(parent, "environment.json", {"python": "3.11", "platform": "Linux", "cpu_count": 2,
                                                      "packages": {"numpy": np.__version__}})
    tracker.params(parent, {"finetune.xnli.learning_rate": "1e-05", "model": "tiny-xlmr", "preset": "smoke"})
    if fail:
        tracker.end(parent, "FAILED")
        return parent
    metrics = {}
    for t, langs in (("xnli", XNLI_LANGS), ("tydiqa", TYDI_LANGS)):
        ft = tracker.start(f"finetune:{t}", {"kind": "phase", "phase": f"finetune:{t}",
                                             "selection": "en-dev:accuracy:every4:n16:patience3"}, parent=parent)
        tracker.json_artifact(ft, "phase.json", {"phase": f"finetune:{t}", "info": {
            "runtime_s": 1.5, "parameters": 1000, "device": "cpu", "train_examples": 50, "dev_examples": 16}})
        tracker.end(ft)
        ev = tracker.start(f"evaluate:{t}", {"kind": "phase", "phase": f"evaluate:{t}"}, parent=parent)
        d = root / f"{parent}-{t}"
        fps = {}
        for split in ("test", "validation"):
            fps[split] = {}
            for lang in langs:
                pids = [str(i) if t == "xnli" else f"{lang}:{i}" for i in range(N)]
                ids = [f"{lang}:{i}" for i in range(N)]
                if t == "xnli":
                    correct = (rng.random(N) < p_correct).astype(float)
                    cols = {"u.correct": correct, "u.n": np.ones(N)}
                    metrics[_key(t, lang, "accuracy", split)] = 100 * correct.mean()
                else:
                    em = (rng.random(N) < 0.4).astype(float)
                    f1 = np.clip(em + 0.3 * rng.random(N), 0, 1)
                    cols = {"u.em": em, "u.f1": f1, "u.n": np.ones(N)}
                    metrics[_key(t, lang, "em_f1", split)] = 100 * (em.sum() + f1.sum()) / (2 * N)
                path = d / "predictions" / split / f"{lang}.parquet"
                path.parent.mkdir(parents=True, exist_ok=True)
                pq.write_table(pa.table({"id": ids, "parallel_id": pids, "gold": [0] * N, "prediction": [0] * N,
                                         **cols}), path)
                fps[split][lang] = _fp([t, split, lang])
        (d / "fingerprints.json").write_text(json.dumps(fps))
        paths = [str(p.relative_to(d)) for p in d.rglob("*.parquet")] + ["fingerprints.json"]
        tracker.artifacts(ev, d, paths)
        tracker.json_artifact(ev, "phase.json", {"phase": f"evaluate:{t}", "info": {"runtime_s": 0.5}})
        tracker.end(ev)
        tracker.tags(parent, {f"data.{t}.{s}": _fp(v) for s, v in fps.items()})
    tracker.metrics(parent, metrics)
    tracker.end(parent)
    return parent


def _key(task, lang, metric, split):
    from ablate.metric_names import metric_key

    return metric_key(task, lang, metric, split)


def build_synthetic(root: Path) -> str:
    """baseline vs stilts:mnli (+5 points on XNLI, no effect on TyDiQA), seeds 1-3, one failed run."""
    from ablate.tracking import Tracker

    uri = f"sqlite:///{root / 'mlflow.db'}"
    tracker = Tracker(uri, "ablate")
    for seed in (1, 2, 3):
        write_arm(tracker, root / "art", "baseline", None, seed, 0.50)
        write_arm(tracker, root / "art", "stilts", "mnli", seed, 0.62)
    write_arm(tracker, root / "art", "stilts", "mnli", 4, 0.62, fail=True)
    return uri


@pytest.fixture(scope="session")
def synthetic_store(tmp_path_factory) -> tuple[Path, str]:
    root = tmp_path_factory.mktemp("synthetic-store")
    return root, build_synthetic(root)
