"""Test-wide environment: no network, a private cache for the tiny model and datasets.

Set at import time, before any test module imports datasets/transformers (they read these
variables once).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

_CACHE = Path(tempfile.mkdtemp(prefix="ablate-tests-"))
os.environ.setdefault("ABLATE_CACHE", str(_CACHE / "ablate"))
os.environ.setdefault("HF_HOME", str(_CACHE / "hf"))
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("MLFLOW_ENABLE_ASYNC_LOGGING", "false")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ["COLUMNS"] = "220"  # rich tables unwrapped, so tests can read them


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys):
    """Run `ablate ARGS` in-process through the real entry point (exit codes, error printing)."""
    from tests.cli_main import exit_code

    def run(*args: str) -> CliResult:
        capsys.readouterr()
        code = exit_code(args)
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture(scope="session")
def smoke_store(tmp_path_factory):
    """baseline and stilts:mnli on xnli,pawsx, seeds 1,2 (tests/smoke_runs.py), run once for the
    modules that read it; a test that adds runs works on `smoke_store.copy(...)`."""
    from tests.smoke_runs import run_smoke

    return run_smoke(tmp_path_factory.mktemp("smoke"))


@pytest.fixture(scope="session")
def baseline_store(tmp_path_factory) -> Path:
    """The output directory of `ablate run baseline --targets xnli --preset smoke --seeds 1`, run
    once in a subprocess that refuses to unpickle (tests/reliability/runs.py): the uninterrupted
    reference of the kill, data-parallel and integrity tests. Copy it before adding runs (as with
    SmokeStore.copy, the copy's new runs keep their artifacts beside the original's)."""
    from tests.reliability.runs import SMOKE, ablate

    root = tmp_path_factory.mktemp("baseline")
    done = ablate(["run", "baseline", "--targets", "xnli", *SMOKE, "-o", str(root / "out")], root)
    assert done.returncode == 0, done.stderr
    return root / "out"


_STRAY = ("mlruns", "mlartifacts", "mlflow.db", "ablate-runs", "report", "checklist.md")


@pytest.fixture(scope="session", autouse=True)
def _writes_only_to_temp_dirs():
    """Tests write only to temporary directories: fail the session if one left MLflow or run
    output in the repository or the working directory (MLflow's cwd defaults are the usual way)."""
    roots = {Path(__file__).resolve().parent.parent, Path.cwd()}
    before = {p for root in roots for p in map(root.joinpath, _STRAY) if p.exists()}
    yield
    stray = {p for root in roots for p in map(root.joinpath, _STRAY) if p.exists()} - before
    assert not stray, f"tests left files outside temporary directories: {sorted(map(str, stray))}"
