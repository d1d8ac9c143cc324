"""Content-addressed, sharded, resumable translation cache.

    python -c "from ablate.mt.cache import TranslationCache as C; print(C('/tmp/c').entries())"

One entry = the translations of one list of unique source segments into one language by one model
with one set of settings. Its directory name hashes (segments, model key, settings, language), so
changing any of them starts a new entry and an unchanged rerun finds every shard. The segments are
translated in shards of `shard_size`; each shard is written to a temp file and renamed into place,
then a small manifest (row count + sha256) is renamed beside it. On a rerun a shard whose file or
manifest is missing, whose checksum or row count is wrong, or whose rows do not belong to the
expected segments is translated again; valid shards are read back. So an interrupted translation
resumes at the first missing shard and a warm rerun translates nothing.

Layout: root/<lang>/<key>/{entry.json, shard-00000.jsonl, shard-00000.json, ..., DONE}
Shard rows: {"i": segment index, "h": sha1(source)[:12], "t": translation}.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

CACHE_VERSION = 1  # bump when the shard format or the meaning of a key changes


def fingerprint(segments: Sequence[str]) -> str:
    """sha256 of an ordered list of strings (the source data fingerprint of an entry)."""
    h = hashlib.sha256()
    for s in segments:
        h.update(s.encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()


def _row_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass
class CacheReport:
    """What one `get_or_translate` call did: shard counts and segment counts."""

    key: str
    shards: int = 0
    shards_reused: int = 0
    shards_redone: int = 0  # present but corrupt/partial, translated again
    segments_translated: int = 0
    segments_reused: int = 0
    problems: list[str] = field(default_factory=list)


class TranslationCache:
    """Sharded translation store under `root`; see the module docstring."""

    def __init__(self, root: str | os.PathLike, shard_size: int = 2000):
        self.root = Path(root)
        self.shard_size = shard_size  # segments per shard: the unit of resume (a few seconds of MT)

    def key(self, segments: Sequence[str], lang: str, model_key: str, settings_key: str) -> str:
        """Entry key: hash of the source fingerprint, model, settings, language and shard size."""
        ident = json.dumps([CACHE_VERSION, fingerprint(segments), model_key, settings_key, lang,
                            self.shard_size])
        return hashlib.sha256(ident.encode()).hexdigest()[:24]

    def entries(self) -> list[Path]:
        """Directories of all entries (complete or not)."""
        return sorted(p.parent for p in self.root.glob("*/*/entry.json"))

    def _read_shard(self, entry: Path, n: int, segments: Sequence[str],
                    lo: int) -> list[str] | None:
        """Translations of shard `n` (covering segments[lo:...]), or None if it must be redone."""
        data_file, manifest_file = entry / f"shard-{n:05d}.jsonl", entry / f"shard-{n:05d}.json"
        if not data_file.is_file() or not manifest_file.is_file():
            return None
        try:
            manifest = json.loads(manifest_file.read_text())
            data = data_file.read_bytes()
            if hashlib.sha256(data).hexdigest() != manifest["sha256"]:
                return None
            rows = [json.loads(line) for line in data.decode("utf-8").splitlines()]
        except (ValueError, KeyError, OSError):
            return None
        expected = segments[lo:lo + self.shard_size]
        if len(rows) != len(expected) or manifest.get("rows") != len(expected):
            return None
        for k, (row, src) in enumerate(zip(rows, expected)):
            if row.get("i") != lo + k or row.get("h") != _row_hash(src):
                return None
        return [row["t"] for row in rows]

    def _write_shard(self, entry: Path, n: int, lo: int, sources: Sequence[str],
                     translations: Sequence[str]) -> None:
        lines = [json.dumps({"i": lo + k, "h": _row_hash(s), "t": t}, ensure_ascii=False)
                 for k, (s, t) in enumerate(zip(sources, translations))]
        data = ("\n".join(lines) + "\n").encode("utf-8") if lines else b""
        # Data first, manifest second: a crash between the two leaves a shard without manifest,
        # which is redone; a manifest never describes a file that is not fully there.
        _atomic_write(entry / f"shard-{n:05d}.jsonl", data)
        manifest = {"rows": len(lines), "sha256": hashlib.sha256(data).hexdigest()}
        _atomic_write(entry / f"shard-{n:05d}.json", json.dumps(manifest).encode())

    def get_or_translate(
        self,
        segments: Sequence[str],
        lang: str,
        model_key: str,
        settings_key: str,
        translate: Callable[[list[str]], list[str]],
        on_shard: Callable[[int, int], None] | None = None,
        meta: dict | None = None,
        on_reused: Callable[[int], None] | None = None,
    ) -> tuple[list[str], CacheReport]:
        """Translations of unique `segments` (same order), translating only missing shards.

        `translate(list[str]) -> list[str]` is called once per missing shard; `on_shard(n, rows)`
        after each shard is safely on disk (tests use it to kill the process mid-way);
        `on_reused(rows)` after each shard read back (progress bars); `meta` is stored in
        entry.json for humans (model, settings, date).
        """
        key = self.key(segments, lang, model_key, settings_key)
        entry = self.root / lang / key
        entry.mkdir(parents=True, exist_ok=True)
        report = CacheReport(key=key)
        if not (entry / "entry.json").is_file():
            info = {"lang": lang, "model": model_key, "settings": settings_key,
                    "segments": len(segments), "source_sha256": fingerprint(segments),
                    "shard_size": self.shard_size, "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
                    **(meta or {})}
            _atomic_write(entry / "entry.json", json.dumps(info, indent=1).encode())
        out: list[str] = []
        n_shards = (len(segments) + self.shard_size - 1) // self.shard_size
        report.shards = n_shards
        for n in range(n_shards):
            lo = n * self.shard_size
            chunk = list(segments[lo:lo + self.shard_size])
            cached = self._read_shard(entry, n, segments, lo)
            if cached is not None:
                out.extend(cached)
                report.shards_reused += 1
                report.segments_reused += len(chunk)
                if on_reused is not None:
                    on_reused(len(chunk))
                continue
            if (entry / f"shard-{n:05d}.jsonl").exists():
                report.shards_redone += 1
                report.problems.append(f"shard {n} corrupt or partial: redone")
            translations = translate(chunk)
            if len(translations) != len(chunk):
                raise RuntimeError(f"translator returned {len(translations)} outputs for "
                                   f"{len(chunk)} inputs")
            self._write_shard(entry, n, lo, chunk, translations)
            out.extend(translations)
            report.segments_translated += len(chunk)
            if on_shard is not None:
                on_shard(n, len(chunk))
        (entry / "DONE").touch()
        return out, report
