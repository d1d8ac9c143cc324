"""Content-addressed phase outputs under `<output_dir>/phases/<kind>/<key>/`.

A phase is complete iff its directory exists: it is built in a sibling temporary directory and
renamed into place in one `os.replace`, after `result.json` is written. An interrupted phase
therefore never looks complete; its leftover `*.partial-*` directory is removed on the next run.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ablate.plan import CODE_VERSIONS, Phase

RESULT = "result.json"


def phase_key(phase: Phase, seed: int | None, input_keys: Mapping[str, str]) -> str:
    """sha256 over everything that determines the phase's output (24 hex chars)."""
    from ablate import __version__

    payload = {
        "kind": phase.kind,
        "task": phase.task,
        "settings": phase.settings,
        "inputs": {name: input_keys[name] for name in phase.inputs},
        "seed": seed if phase.seeded else None,
        "code": [__version__, CODE_VERSIONS[phase.kind]],
    }
    blob = json.dumps(payload, sort_keys=True, default=_jsonable).encode()
    return hashlib.sha256(blob).hexdigest()[:24]


def _jsonable(o: Any) -> Any:
    if isinstance(o, Mapping):
        return dict(o)
    if isinstance(o, tuple):
        return list(o)
    raise TypeError(f"{type(o).__name__} is not JSON-serialisable in a phase key")


class PhaseStore:
    def __init__(self, root: str | Path):
        self.root = Path(root) / "phases"

    def path(self, kind: str, key: str) -> Path:
        return self.root / kind / key

    def is_complete(self, kind: str, key: str) -> bool:
        return (self.path(kind, key) / RESULT).is_file()

    def result(self, kind: str, key: str) -> dict[str, Any]:
        return json.loads((self.path(kind, key) / RESULT).read_text())

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


def write_json(path: Path, data: Any) -> None:
    """Write JSON atomically (temp file + rename)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True, default=_jsonable))
    os.replace(tmp, path)


def _pid_alive(pid: str) -> bool:
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True
