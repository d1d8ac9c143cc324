"""Content-addressed phase outputs under `<output_dir>/phases/<kind>/<key>/` (keys: ablate.keys).

A phase is complete iff its directory exists: it is built in a sibling temporary directory and
renamed into place in one `os.replace`, after `result.json` and `entry.json` (the key's parts
and the code version that built it) are written. An interrupted phase therefore never looks
complete; its leftover `*.partial-*` directory is removed on the next run.

Each key has a lock file `.locks/<kind>.<key>.lock` (`fcntl.flock`, which the kernel releases when
the holder dies, even by kill -9): the executor holds it while it checks and builds, so a second
identical run waits and then reuses the output instead of training again.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

RESULT = "result.json"
ENTRY = "entry.json"
LOCKS = ".locks"


class PhaseStore:
    def __init__(self, root: str | Path):
        self.root = Path(root) / "phases"

    def path(self, kind: str, key: str) -> Path:
        return self.root / kind / key

    def is_complete(self, kind: str, key: str) -> bool:
        return (self.path(kind, key) / RESULT).is_file()

    def result(self, kind: str, key: str) -> dict[str, Any]:
        return json.loads((self.path(kind, key) / RESULT).read_text())

    def entry(self, kind: str, key: str) -> dict[str, Any]:
        """The entry's metadata ({} for entries stored before it was recorded)."""
        try:
            return json.loads((self.path(kind, key) / ENTRY).read_text())
        except (OSError, ValueError):
            return {}

    def entries(self, kind: str) -> list[dict[str, Any]]:
        """Metadata of every complete entry of `kind` (for `ablate plan`'s explanations)."""
        folder = self.root / kind
        if not folder.is_dir():
            return []
        return [self.entry(kind, d.name) for d in sorted(folder.iterdir())
                if d.is_dir() and ".partial-" not in d.name and (d / RESULT).is_file()]

    @contextmanager
    def lock(self, kind: str, key: str, on_wait: Callable[[], None] = lambda: None) -> Iterator[None]:
        """Hold the key's lock (blocking; `on_wait` is called once if another process holds it)."""
        import fcntl

        path = self.root / LOCKS / f"{kind}.{key}.lock"  # apart, so a kind's folder holds only entries
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a") as f:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                on_wait()
                fcntl.flock(f, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)

    @contextmanager
    def building(self, kind: str, key: str) -> Iterator[Path]:
        """Yield a temporary directory; on success it becomes the phase's directory atomically."""
        final = self.path(kind, key)
        final.parent.mkdir(parents=True, exist_ok=True)
        for stale in final.parent.glob(f"{key}.partial-*"):
            if not _pid_alive(stale.name.rsplit("-", 1)[-1]):
                shutil.rmtree(stale, ignore_errors=True)
        tmp = final.parent / f"{key}.partial-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        try:
            yield tmp
            if not (tmp / RESULT).is_file():
                raise RuntimeError(f"phase {kind}/{key} finished without writing {RESULT}")
            try:
                os.replace(tmp, final)
            except OSError:
                if not (final / RESULT).is_file():
                    raise
                shutil.rmtree(tmp)  # another process finished the same phase first: keep theirs
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise


def jsonable(o: Any) -> Any:
    """`json.dumps(default=...)` for settings: frozen mappings and tuples as plain JSON."""
    if isinstance(o, Mapping):
        return dict(o)
    if isinstance(o, tuple):
        return list(o)
    raise TypeError(f"{type(o).__name__} is not JSON-serialisable (phase keys, store metadata)")


def write_json(path: Path, data: Any) -> None:
    """Write JSON atomically (temp file + rename)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True, default=jsonable))
    os.replace(tmp, path)


def _pid_alive(pid: str) -> bool:
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True
