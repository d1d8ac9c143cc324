"""kill -9 during training, translation and evaluation, then rerun: completed phases are reused,
training resumes from its last checkpoint (and ends with an uninterrupted run's weights),
translation resumes from its cached shards, evaluation restarts; the killed MLflow runs are
KILLED and linked from the new parent; no metric is lost or logged twice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.reliability.runs import SMOKE, ablate, crash, histories, pickles, runs

BASELINE = ["run", "baseline", "--targets", "xnli", *SMOKE]
TOLERANCE = 1e-6  # max |difference| of any weight; CPU training here is bit-exact (observed 0.0)


@pytest.fixture
def uninterrupted(baseline_store):
    """BASELINE run once, without a kill, under the same unpickling guard (tests/conftest.py)."""
    return baseline_store


def _by_name(found, status=None):
    return {r.info.run_name: r for r in found if status is None or r.info.status == status}


def _check_killed_and_replaced(out: Path, killed_phase: str, parent_name: str = "baseline seed=1") -> tuple:
    client, found = runs(f"sqlite:///{out / 'mlflow.db'}")
    assert "RUNNING" not in {r.info.status for r in found}
    killed = _by_name(found, "KILLED")
    assert set(killed) == {parent_name, killed_phase}
    parent = next(r for r in found if r.data.tags["kind"] == "run" and r.info.status == "FINISHED")
    assert parent.data.tags["replaces"] == next(r.info.run_id for r in killed.values() if r.data.tags["kind"] == "run")
    for name, history in histories(client, parent).items():
        assert len(history) == 1, name  # each summary metric once
    return client, found, parent


def _weights(out: Path) -> dict:
    from safetensors.torch import load_file

    (path,) = (out / "phases" / "finetune").glob("*/model/model.safetensors")
    return load_file(path)


def test_training_killed_after_a_checkpoint_resumes_from_it_to_the_uninterrupted_weights(tmp_path, uninterrupted):
    out = tmp_path / "out"
    crash("checkpoint", 1, [*BASELINE, "-o", str(out)], tmp_path)
    (saved,) = (out / "phases" / ".resume").glob("finetune.*/checkpoints/checkpoint-4")
    assert {"optimizer.pt", "scheduler.pt", "rng_state.pth", "model.safetensors"} <= {p.name for p in saved.iterdir()}
    assert not [d for d in (out / "phases" / "finetune").iterdir() if ".partial-" not in d.name]  # nothing committed

    done = ablate([*BASELINE, "-o", str(out)], tmp_path)
    assert done.returncode == 0, done.stderr
    (result,) = (out / "phases" / "finetune").glob("*/result.json")
    assert json.loads(result.read_text())["info"]["resumed_from_step"] == 4
    assert not list((out / "phases" / ".resume").iterdir())  # checkpoints go once the phase is stored
    assert pickles(out / "phases") == pickles(uninterrupted / "phases") == []  # safetensors, JSON, parquet

    resumed, reference = _weights(out), _weights(uninterrupted)
    assert resumed.keys() == reference.keys()
    assert max(float((resumed[k] - reference[k]).abs().max()) for k in resumed) <= TOLERANCE

    client, found, _ = _check_killed_and_replaced(out, "finetune:xnli")
    ref_client, ref_found = runs(f"sqlite:///{uninterrupted / 'mlflow.db'}")
    new = _by_name(found, "FINISHED")["finetune:xnli"]
    # the whole curve (the part before the kill replayed from the checkpoint's history) and the
    # phase's summary metrics: the same entries, at the same steps, with the same values
    assert histories(client, new) == histories(ref_client, _by_name(ref_found)["finetune:xnli"])


def test_evaluation_killed_part_way_restarts_and_reuses_the_finished_fine_tune(tmp_path, uninterrupted):
    out = tmp_path / "out"
    crash("predictions", 3, [*BASELINE, "-o", str(out)], tmp_path)
    assert (out / "phases" / "finetune").is_dir() and not list((out / "phases" / "evaluate").glob("*/result.json"))

    done = ablate([*BASELINE, "-o", str(out)], tmp_path)
    assert done.returncode == 0, done.stderr
    client, found, parent = _check_killed_and_replaced(out, "evaluate:xnli")
    children = {r.info.run_name: r for r in found if r.data.tags.get("mlflow.parentRunId") == parent.info.run_id}
    assert children["finetune:xnli"].data.tags["cached"] == "yes"
    assert children["evaluate:xnli"].data.tags["cached"] == "no"
    ref_client, ref_found = runs(f"sqlite:///{uninterrupted / 'mlflow.db'}")
    assert histories(client, children["evaluate:xnli"]) == histories(ref_client, _by_name(ref_found)["evaluate:xnli"])
    assert histories(client, parent) == histories(ref_client, _by_name(ref_found)["baseline seed=1"])


def test_translation_killed_after_a_shard_resumes_from_the_cached_shards(tmp_path):
    from ablate.models import cache_root

    out = tmp_path / "out"
    # max_examples 29: a subsample no other test translates, so its cache entries start empty
    args = ["run", "mt-translate", "--task", "mnli", "--targets", "pawsx", "--langs", "de,sw", *SMOKE,
            "--set", "mt.max_examples=29", "-o", str(out)]
    def shards() -> dict[Path, int]:
        return {p: p.stat().st_mtime_ns for p in (cache_root() / "mt").glob("translations/*/*/shard-*.jsonl")}

    before = shards()
    crash("shard", 1, args, tmp_path)
    written = {p: t for p, t in shards().items() if p not in before}
    assert len(written) == 1  # killed right after the first shard was on disk
    assert not list((out / "phases" / "translate").glob("*/result.json"))

    done = ablate(args, tmp_path)
    assert done.returncode == 0, done.stderr
    assert all(p.stat().st_mtime_ns == t for p, t in written.items())  # read back, not translated again
    assert pickles(out / "phases") == pickles(cache_root() / "mt") == []
    client, found, parent = _check_killed_and_replaced(out, "translate:mnli", "mt-translate:mnli seed=1")
    children = {r.info.run_name: r for r in found if r.data.tags.get("mlflow.parentRunId") == parent.info.run_id}
    assert children["translate:mnli"].data.tags["cached"] == "no"
    for child in children.values():
        for name, history in histories(client, child).items():
            assert len({step for step, _ in history}) == len(history), (child.info.run_name, name)  # no step twice
