"""A throwaway PostgreSQL server for tests: initdb in a temp dir, 127.0.0.1, a free port.

    with postgres() as uri:   # postgresql://ablate@127.0.0.1:PORT/mlflow
        ...

PostgreSQL refuses to run as root: as root the data directory is given to the `postgres` user and
every server command runs as that user (`runuser`). Skips the test when the binaries are missing
(`.ci/run` installs Debian's postgresql). Stopped (fast shutdown) and removed on exit.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.services.ports import free_port

USER = "ablate"
DATABASE = "mlflow"


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or [shutil.which(name) or ""]
    if not found[-1]:
        pytest.skip(f"PostgreSQL's {name} is not installed (apt-get install postgresql)")
    return found[-1]


def _as_server_user(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@contextmanager
def postgres() -> Iterator[str]:
    initdb, pg_ctl, psql = _bin("initdb"), _bin("pg_ctl"), _bin("psql")
    root = Path(tempfile.mkdtemp(prefix="ablate-pg-"))  # not pytest's tmp_path: its parents are root-only
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(root)
            pytest.skip("no `postgres` user to run PostgreSQL as (it refuses to run as root)")
        os.chown(root, owner.pw_uid, owner.pw_gid)
    port = free_port()
    data, log = root / "data", root / "log"

    def run(cmd: list[str]) -> None:
        done = subprocess.run(_as_server_user(cmd), capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            detail = log.read_text()[-2000:] if log.exists() else ""
            raise RuntimeError(f"{' '.join(cmd)} failed: {done.stderr[-2000:]}\n{detail}")

    try:
        run([initdb, "-D", str(data), "-A", "trust", "-U", USER])
        run([pg_ctl, "-D", str(data), "-l", str(log), "-w", "-t", "60", "start", "-o",
             f"-p {port} -k {root} -c listen_addresses=127.0.0.1"])
        try:
            run([psql, "-h", "127.0.0.1", "-p", str(port), "-U", USER, "-d", "postgres", "-c", f"create database {DATABASE}"])
            yield f"postgresql://{USER}@127.0.0.1:{port}/{DATABASE}"
        finally:
            run([pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"])
    finally:
        shutil.rmtree(root, ignore_errors=True)
