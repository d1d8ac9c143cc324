"""Which process owns a run, and whether that process is still alive.

A run records the host, pid and the pid's start time (Linux: field 22 of /proc/<pid>/stat,
clock ticks since boot; elsewhere empty). A run on this host is dead when its pid is gone, or
when the pid now belongs to a process started at another time (the pid was reused). Runs of
other hosts cannot be judged from here and are left alone.
"""

from __future__ import annotations

import os
import socket


def host() -> str:
    return socket.gethostname()


def start_time(pid: int) -> str:
    """The process's start time as the kernel reports it, or '' when unknown."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read().decode(errors="replace")
    except OSError:
        return ""
    return stat.rpartition(")")[2].split()[19]  # fields after the command name start at field 3


def tags() -> dict[str, str]:
    pid = os.getpid()
    return {"ablate.host": host(), "ablate.pid": str(pid), "ablate.pid_start": start_time(pid)}


def is_dead(run_tags: dict[str, str]) -> bool:
    """True only when the run's owner is certainly gone (same host; pid gone or reused)."""
    if run_tags.get("ablate.host") != host() or not run_tags.get("ablate.pid", "").isdigit():
        return False
    pid = int(run_tags["ablate.pid"])
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # alive, owned by another user
    recorded = run_tags.get("ablate.pid_start", "")
    return bool(recorded) and start_time(pid) not in ("", recorded)
