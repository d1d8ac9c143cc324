"""Content-addressed phase outputs under `<output_dir>/phases/<kind>/<key>/` (keys: ablate.keys).

A phase is complete iff its directory exists: it is built in a sibling temporary directory and
renamed into place in one `os.replace`, after `result.json` and `entry.json` (the key's parts
and the code version that built it) are written. An interrupted phase therefore never looks
complete; its leftover `*.partial-*` directory is removed on the next run.

At commit, entry.json also records every file's size and sha256 (`ablate.entry_checksums`); the
executor checks them before reusing an entry and rebuilds an entry that fails (a truncated or
altered file is never trusted). A phase that can resume keeps its checkpoints in `resume_dir`,
outside the temporary directory, so they survive a crash; they are deleted at commit. A write
that fails because the disk is full ends the phase with one clear error and removes its partial
output: nothing that looks complete is left behind.

Each key has a lock file `.locks/<kind>.<key>.lock` (`fcntl.flock`, which the kernel releases when
the holder dies, even by kill -9): the executor holds it while it checks and builds, so a second
identical run waits and then reuses the output instead of training again.
"""

from __future__ import annotations

import errno
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
RESUME = ".resume"


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

    def verify(self, kind: str, key: str) -> str | None:
        """Why a complete entry must not be reused (a file missing or changed), or None."""
        from ablate.entry_checksums import problem

        return problem(self.path(kind, key), self.entry(kind, key).get("files"))

    def discard(self, kind: str, key: str) -> None:
        """Remove an entry (renamed first, so a crash part-way never leaves a complete-looking one)."""
        final = self.path(kind, key)
        doomed = final.with_name(f"{key}.partial-{os.getpid()}-discarded")
        os.replace(final, doomed)
        shutil.rmtree(doomed, ignore_errors=True)

    def resume_dir(self, kind: str, key: str) -> Path:
        """Where an attempt at this phase keeps what a later attempt resumes from (checkpoints)."""
        return self.root / RESUME / f"{kind}.{key}"

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
            _record_checksums(tmp)
            try:
                os.replace(tmp, final)
            except OSError:
                if not (final / RESULT).is_file():
                    raise
                shutil.rmtree(tmp)  # another process finished the same phase first: keep theirs
        except BaseException as e:
            full = _disk_full(e, tmp)
            shutil.rmtree(tmp, ignore_errors=True)
            if full:
                from ablate.errors import AblateError

                raise AblateError(
                    f"No space left on the device of {final.parent} while building phase {kind}/{key}: nothing "
                    f"was stored and its partial output was removed. Free space (or choose another --output-dir) "
                    f"and rerun; completed phases are reused.") from e
            raise
        shutil.rmtree(self.resume_dir(kind, key), ignore_errors=True)


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


def _record_checksums(tmp: Path) -> None:
    from ablate.entry_checksums import record

    path = tmp / ENTRY
    entry = json.loads(path.read_text()) if path.is_file() else {}
    entry["files"] = record(tmp, skip=ENTRY)
    write_json(path, entry)


_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
_FULL_TEXT = ("no space left", "disk quota exceeded", "file too large", "os error 28", "storagefull")


def _disk_full(error: BaseException, where: Path) -> bool:
    """Whether `error` (or one it was raised from) is a full disk: the errno when it is an OSError,
    the message when a library wrapped it (safetensors, torch.save), or no free bytes left."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno in _FULL:
            return True
        if any(text in str(seen).lower() for text in _FULL_TEXT):
            return True
        seen = seen.__cause__ or seen.__context__
    if isinstance(error, (KeyboardInterrupt, SystemExit)):
        return False
    try:
        return shutil.disk_usage(where if where.exists() else where.parent).free == 0
    except OSError:
        return False


def _pid_alive(pid: str) -> bool:
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True
