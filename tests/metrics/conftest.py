"""Shared by the metric tests: the real seqeval 0.0.12 (the version XTREME's scripts pinned)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def seqeval_0_0_12(tmp_path_factory):
    """seqeval 0.0.12's `sequence_labeling` module, downloaded from PyPI and loaded without
    installing (it needs only numpy); the test is skipped when PyPI cannot be reached."""
    import importlib.util
    import subprocess
    import sys
    import tarfile

    where = tmp_path_factory.mktemp("seqeval-0.0.12")
    done = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
                           "seqeval==0.0.12", "-d", str(where), "-q"], capture_output=True, timeout=300)
    archives = list(where.glob("seqeval-0.0.12*.tar.gz"))
    if done.returncode != 0 or not archives:
        pytest.skip("seqeval 0.0.12 could not be downloaded from PyPI")
    with tarfile.open(archives[0]) as tar:
        tar.extractall(where, filter="data")
    source = where / "seqeval-0.0.12" / "seqeval" / "metrics" / "sequence_labeling.py"
    spec = importlib.util.spec_from_file_location("seqeval_0_0_12", source)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
