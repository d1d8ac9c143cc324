"""A real single-node Slurm cluster in a temp directory (munged, slurmctld, slurmd), for tests.

Everything lives under one directory: the munge key and socket, `slurm.conf`, state, spool,
pid and log files. Daemons talk over 127.0.0.1 on free ports, and the client commands find the
cluster through `SLURM_CONF` (set in `env`), so a Slurm installed on the machine is not touched.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

DAEMONS = ("munged", "slurmctld", "slurmd", "sbatch", "squeue")


def missing() -> list[str]:
    return [d for d in DAEMONS if shutil.which(d) is None and not Path("/usr/sbin", d).exists()]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _memory_mib() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) // 1024 * 9 // 10  # leave the OS a tenth
    return 1024


class Cluster:
    def __init__(self, root: Path):
        self.root = root
        self.host = socket.gethostname()
        self.conf = root / "slurm.conf"
        self.socket = root / "munge" / "munge.socket"
        self.env = {**os.environ, "SLURM_CONF": str(self.conf)}
        self.pids: dict[str, Path] = {}

    def start(self, timeout: float = 60) -> "Cluster":
        self._munge()
        self._write_conf()
        for daemon in ("slurmctld", "slurmd"):
            pid = self.root / f"{daemon}.pid"
            self.pids[daemon] = pid
            subprocess.run([_bin(daemon), "-f", str(self.conf)], env=self.env, check=True, timeout=60)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = subprocess.run(["sinfo", "-h", "-o", "%T"], env=self.env, capture_output=True, text=True)
            if state.stdout.strip() == "idle":
                return self
            time.sleep(0.5)
        raise RuntimeError(f"the Slurm node did not become idle: {state.stdout} {state.stderr}\n{self.logs()}")

    def _munge(self) -> None:
        folder = self.socket.parent
        folder.mkdir(parents=True)
        folder.chmod(0o700)
        key = folder / "munge.key"
        key.write_bytes(os.urandom(1024))
        key.chmod(0o400)
        self.pids["munged"] = folder / "munged.pid"
        subprocess.run([_bin("munged"), "--force", f"--key-file={key}", f"--socket={self.socket}",
                        f"--pid-file={self.pids['munged']}", f"--log-file={folder / 'munged.log'}",
                        f"--seed-file={folder / 'munged.seed'}"], check=True, timeout=60)

    def _write_conf(self) -> None:
        r = self.root
        for d in ("state", "spool"):
            (r / d).mkdir()
        lines = {
            "ClusterName": "ablatetest", "SlurmctldHost": f"{self.host}(127.0.0.1)",
            "SlurmctldPort": _free_port(), "SlurmdPort": _free_port(),
            # bind to the host's configured address (127.0.0.1), not to every interface
            "CommunicationParameters": "NoCtldInAddrAny,NoInAddrAny",
            "AuthType": "auth/munge", "CredType": "cred/munge", "AuthInfo": f"socket={self.socket}",
            "SlurmUser": "root", "SlurmdUser": "root",
            "StateSaveLocation": r / "state", "SlurmdSpoolDir": r / "spool",
            "SlurmctldPidFile": r / "slurmctld.pid", "SlurmdPidFile": r / "slurmd.pid",
            "SlurmctldLogFile": r / "slurmctld.log", "SlurmdLogFile": r / "slurmd.log",
            "ProctrackType": "proctrack/linuxproc", "TaskPlugin": "task/none",
            "SelectType": "select/cons_tres", "SelectTypeParameters": "CR_Core",
            "ReturnToService": 2, "MpiDefault": "none",
            "AccountingStorageType": "accounting_storage/none", "JobCompType": "jobcomp/none",
            "SchedulerParameters": "sched_interval=1", "MinJobAge": 3600,  # finished jobs stay visible
            "KillWait": 5, "InactiveLimit": 0,
        }
        text = "\n".join(f"{k}={v}" for k, v in lines.items())
        text += (f"\nNodeName={self.host} NodeAddr=127.0.0.1 CPUs={os.cpu_count()} RealMemory={_memory_mib()} State=UNKNOWN"
                 "\nPartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP\n")
        self.conf.write_text(text)

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in sorted(self.root.glob("*.log")))

    def stop(self) -> None:
        """Cancel every job (their processes end with them), then stop the daemons."""
        subprocess.run(["scancel", "--full", "--user", str(os.getuid())], env=self.env, capture_output=True, timeout=60)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and subprocess.run(
                ["squeue", "-h", "-t", "running,completing"], env=self.env, capture_output=True, text=True).stdout.strip():
            time.sleep(0.5)
        for name in ("slurmd", "slurmctld", "munged"):
            path = self.pids.get(name)
            try:
                os.kill(int(path.read_text().split()[0]), signal.SIGTERM)
            except (AttributeError, OSError, ValueError):
                continue


def _bin(name: str) -> str:
    return shutil.which(name) or str(Path("/usr/sbin", name))
