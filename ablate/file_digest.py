"""Content digests of local files, remembered so nothing is re-hashed needlessly.

A file's sha256 is stored in `$ABLATE_CACHE/file-digests.json` under its absolute path with the
(size, mtime_ns) it had when hashed; while both are unchanged the stored digest is used, and any
change (even a touch) re-hashes. Keys therefore follow content: touching a file costs one
re-hash and changes no key; changing its bytes changes the key.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path

CACHE_NAME = "file-digests.json"


def _cache_path() -> Path:
    from ablate.models import cache_root

    return cache_root() / CACHE_NAME


class FileDigests:
    """sha256 of files by content, with the stat-keyed memory above (one instance per plan)."""

    def __init__(self) -> None:
        self.path = _cache_path()
        try:
            self.known: dict[str, list] = json.loads(self.path.read_text())
        except (OSError, ValueError):
            self.known = {}
        self.hashed = 0  # files actually read in this instance (tests and `ablate plan` report it)
        self._dirty = False

    def file(self, path: Path) -> str:
        path = path.resolve()
        st = path.stat()
        entry = self.known.get(str(path))
        if entry and entry[0] == st.st_size and entry[1] == st.st_mtime_ns:
            return entry[2]
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        self.hashed += 1
        self.known[str(path)] = [st.st_size, st.st_mtime_ns, h.hexdigest()]
        self._dirty = True
        return h.hexdigest()

    def tree(self, paths: Iterable[Path], root: Path | None = None) -> str:
        """One digest over files (directories expanded recursively), each named relative to
        `root` (so moving the whole tree changes nothing)."""
        files: list[Path] = []
        for p in paths:
            files.extend(sorted(q for q in p.rglob("*") if q.is_file()) if p.is_dir() else [p])
        h = hashlib.sha256()
        for f in sorted(set(files)):
            name = str(f.relative_to(root)) if root and f.is_relative_to(root) else f.name
            h.update(name.encode() + b"\0" + self.file(f).encode() + b"\n")
        return h.hexdigest()[:16]

    def save(self) -> None:
        """Persist new digests (atomic rename; a concurrent writer may win, which only costs a
        re-hash later)."""
        if not self._dirty:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(f"{CACHE_NAME}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps(self.known))
            os.replace(tmp, self.path)
            self._dirty = False
        except OSError:
            pass  # a read-only cache only makes the next run hash again
