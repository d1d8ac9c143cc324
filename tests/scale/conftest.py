"""A real single-node Slurm cluster (tests/scale/cluster.py), started once for the session and
stopped at its end; skipped with the reason when Slurm or munge is not installed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.scale.cluster import Cluster, missing

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def slurm(tmp_path_factory):
    gone = missing()
    if gone:
        pytest.skip(f"Slurm is not installed (missing {', '.join(gone)}): apt-get install slurm-wlm munge, "
                    "as .ci/run does")
    if os.geteuid() != 0:
        pytest.skip("the test cluster runs slurmd as root (it starts jobs as their submitter)")
    cluster = Cluster(tmp_path_factory.mktemp("slurm")).start()
    saved = {k: os.environ.get(k) for k in ("SLURM_CONF", "PYTHONPATH")}
    # jobs inherit the submitter's environment: the cluster's config, and this checkout's code
    os.environ["SLURM_CONF"] = str(cluster.conf)
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), saved["PYTHONPATH"]) if p)
    try:
        yield cluster
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        cluster.stop()
