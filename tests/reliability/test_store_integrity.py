"""A stored phase whose files changed is rebuilt, never trusted; a full disk leaves no entry that
looks complete and ends the run with one clear line; a NaN loss stops training at its step."""

from __future__ import annotations

import errno
import json
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from ablate.store import PhaseStore
from tests.reliability.runs import SMOKE, runs

BASELINE = ["run", "baseline", "--targets", "xnli", *SMOKE]


def _entries(out: Path, kind: str) -> list[Path]:
    folder = out / "phases" / kind
    return [d for d in folder.iterdir() if (d / "result.json").is_file()] if folder.is_dir() else []


def _leftovers(out: Path) -> list[Path]:
    return [d for d in (out / "phases").glob("*/*") if ".partial-" in d.name]


def test_store_records_every_file_and_names_what_changed(tmp_path):
    store = PhaseStore(tmp_path)
    with store.building("evaluate", "k") as tmp:
        (tmp / "sub").mkdir()
        (tmp / "sub" / "a.bin").write_bytes(b"abc" * 1000)
        (tmp / "result.json").write_text("{}")
        (tmp / "entry.json").write_text(json.dumps({"phase": "evaluate:x"}))
    entry = store.entry("evaluate", "k")
    assert entry["phase"] == "evaluate:x" and set(entry["files"]) == {"sub/a.bin", "result.json"}
    assert store.verify("evaluate", "k") is None
    path = store.path("evaluate", "k") / "sub" / "a.bin"
    path.write_bytes(b"abd" + b"abc" * 999)  # same size, other bytes
    assert store.verify("evaluate", "k") == "sub/a.bin does not match its recorded sha256"
    path.write_bytes(b"abc")
    assert store.verify("evaluate", "k") == "sub/a.bin has 3 bytes, 3000 recorded"
    path.unlink()
    assert store.verify("evaluate", "k") == "sub/a.bin is missing"
    (store.path("evaluate", "k") / "entry.json").write_text("{}")  # stored without checksums
    assert store.verify("evaluate", "k") == "no checksums recorded"
    store.discard("evaluate", "k")
    assert not store.is_complete("evaluate", "k") and not list(store.path("evaluate", "k").parent.iterdir())


def test_a_corrupted_entry_is_rebuilt_and_the_untouched_one_reused(cli, tmp_path, baseline_store):
    out = tmp_path / "out"
    shutil.copytree(baseline_store, out)  # BASELINE's output (tests/conftest.py)
    (model,) = [e / "model" / "model.safetensors" for e in _entries(out, "finetune")]
    original = model.read_bytes()
    flipped = bytearray(original)
    flipped[len(flipped) // 2] ^= 0xFF  # one bit pattern in the weights, size unchanged
    model.write_bytes(bytes(flipped))

    r = cli(*[a for a in BASELINE if a != "-q"], "-o", str(out))  # not quiet: the warning is printed
    assert r.code == 0, r.err
    assert "failed its check (model/model.safetensors does not match its recorded sha256): rebuilding" in r.out
    assert model.read_bytes() == original  # rebuilt (training is deterministic here), not the flipped copy
    client, found = runs(f"sqlite:///{out / 'mlflow.db'}")
    newest = max((r for r in found if r.data.tags["kind"] == "run"), key=lambda r: r.info.start_time)
    children = {r.info.run_name: r.data.tags for r in found if r.data.tags.get("mlflow.parentRunId") == newest.info.run_id}
    assert children["finetune:xnli"]["cached"] == "no"
    assert "sha256" in children["finetune:xnli"]["rebuilt_because"]
    assert children["evaluate:xnli"]["cached"] == "yes"


def test_a_nan_loss_stops_training_at_its_step_with_one_clear_line(cli, tmp_path, monkeypatch):
    from ablate.quiet import quiet_libraries

    quiet_libraries()  # as the CLI does before it imports them: transformers reads its verbosity at import
    import transformers

    original = transformers.Trainer.compute_loss
    calls = [0]

    def poisoned(self, *args, **kwargs):
        out = original(self, *args, **kwargs)
        calls[0] += 1
        if calls[0] == 3:  # the third training step's loss
            return (out[0] * float("nan"), *out[1:]) if isinstance(out, tuple) else out * float("nan")
        return out

    monkeypatch.setattr(transformers.Trainer, "compute_loss", poisoned)
    out = tmp_path / "out"
    r = cli(*BASELINE, "-o", str(out))
    assert r.code == 2, r.err
    assert "the training loss became nan at step 3 of 8" in r.err and "Traceback" not in r.err
    assert "--set finetune.xnli.learning_rate=" in r.err
    assert len([line for line in r.err.splitlines() if line.strip()]) == 1, r.err
    assert not _entries(out, "finetune") and not _leftovers(out)
    _, found = runs(f"sqlite:///{out / 'mlflow.db'}")
    assert {r.info.run_name: r.info.status for r in found}["finetune:xnli"] == "FAILED"


def test_a_disk_full_write_leaves_no_complete_looking_entry(cli, tmp_path, monkeypatch):
    import ablate.phases.evaluate as evaluate

    original = evaluate._write_predictions
    calls = [0]

    def fills_up(*args, **kwargs):
        calls[0] += 1
        if calls[0] == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return original(*args, **kwargs)

    monkeypatch.setattr(evaluate, "_write_predictions", fills_up)
    out = tmp_path / "out"
    r = cli(*BASELINE, "-o", str(out))
    assert r.code == 2, r.err
    assert "No space left on the device" in r.err and "nothing was stored" in r.err and "Traceback" not in r.err
    assert len(_entries(out, "finetune")) == 1  # the phase that fit stays stored and verified
    assert not _entries(out, "evaluate") and not _leftovers(out)


@pytest.fixture
def tiny_disk(tmp_path):
    """A 2 MiB tmpfs (root only; skipped where mounting is not allowed)."""
    mount = tmp_path / f"tiny-{uuid.uuid4().hex[:6]}"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.strip()}")
    yield mount
    subprocess.run(["umount", str(mount)], check=True)
    shutil.rmtree(mount, ignore_errors=True)


def test_a_real_full_disk_during_training_ends_cleanly(cli, tmp_path, tiny_disk):
    # The store on the tiny disk, MLflow elsewhere: the fine-tune's checkpoint does not fit.
    out = tiny_disk / "out"
    r = cli(*BASELINE, "-o", str(out), "--tracking-uri", f"sqlite:///{tmp_path / 'mlflow.db'}")
    assert r.code == 2, r.err
    assert "No space left on the device" in r.err and "Traceback" not in r.err
    assert not _entries(out, "finetune") and not _leftovers(out)
