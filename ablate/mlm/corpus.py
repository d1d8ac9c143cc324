"""Where each MLM language's text comes from, how large it is, and reading it within a budget.

Sources, first match wins: a local directory given as `--mlm-corpus` (`<dir>/<lang>.txt`, UTF-8,
one example per line); the shipped fixtures (`--preset smoke`); a `--data-dir` copy
(`<org>__<name>/<config>/train.jsonl|parquet`); the Hub, streamed (parquet, no loading script).
Every non-empty line is one example; a Hub row's `text` is split into its lines.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ablate.errors import AblateError
from ablate.mlm.settings import is_local

TEXT_COLUMN = "text"


@dataclass(frozen=True)
class LangSource:
    lang: str
    kind: str  # "text" (a local .txt), "dataset" (a local jsonl/parquet copy) or "hub"
    path: Path | None = None
    hub_id: str | None = None
    config: str | None = None
    revision: str | None = None

    def describe(self) -> str:
        if self.kind == "hub":
            return f"{self.hub_id}/{self.config}@{self.revision or 'main'}"
        return str(self.path)


def local_alternative(langs) -> str:
    files = ", ".join(f"{lang}.txt" for lang in langs)
    return (f"Use local text instead: --mlm-corpus /path/to/dir holding one UTF-8 file per language ({files}), "
            "one example per line; or a copy of the Hub dataset under --data-dir (<org>__<name>/<config>/train.parquet).")


def sources(cfg, langs: list[str]) -> dict[str, LangSource]:
    """Each language's source (no data read; a local file is only stat'ed)."""
    from ablate.data.load import FIXTURES, local_dir

    mlm = cfg.mlm
    corpus = str(mlm["corpus"])
    out: dict[str, LangSource] = {}
    if is_local(corpus):
        root = Path(corpus).expanduser()
        if not root.is_dir():
            raise AblateError(f"--mlm-corpus '{corpus}' is neither a directory nor a Hub id (org/name). "
                              + local_alternative(langs))
        for lang in langs:
            path = root / f"{lang}.txt"
            if not path.is_file() or path.stat().st_size == 0 or not path.read_text(encoding="utf-8").strip():
                present = sorted(p.stem for p in root.glob("*.txt"))
                raise AblateError(f"MLM language '{lang}' has no text: {path} is missing or empty (text files in "
                                  f"{root}: {', '.join(present) or 'none'}). Add it, or drop '{lang}' from --mlm-langs.")
            out[lang] = LangSource(lang, "text", path=path)
        return out
    roots = [FIXTURES] if cfg.data == "fixtures" else []
    if cfg.data_dir:
        roots.append(Path(cfg.data_dir))
    for lang in langs:
        config = str(mlm["config"]).format(lang=lang)
        found = next((base / f"train.{ext}" for root in roots for base in [local_dir(root, corpus, config)]
                      for ext in ("jsonl", "parquet") if (base / f"train.{ext}").is_file()), None)
        if found is not None:
            out[lang] = LangSource(lang, "dataset", path=found, hub_id=corpus, config=config)
        else:
            out[lang] = LangSource(lang, "hub", hub_id=corpus, config=config, revision=mlm["revision"])
    return out


def sizes(srcs: Mapping[str, LangSource]) -> dict[str, int]:
    """Bytes of text behind each language: a local file's size; on the Hub, the bytes of the
    config's parquet files (the unit p_i is measured in; see docs/mlm.md)."""
    out = {}
    for lang, src in srcs.items():
        out[lang] = src.path.stat().st_size if src.path is not None else _hub_bytes(src)
        if out[lang] <= 0:
            raise AblateError(f"MLM language '{lang}' has no text in {src.describe()}.")
    return out


def _hub_bytes(src: LangSource) -> int:
    from huggingface_hub import HfApi

    try:
        files = HfApi().list_repo_tree(src.hub_id, path_in_repo=src.config, repo_type="dataset",
                                       revision=src.revision, recursive=True)
        return sum(getattr(f, "size", 0) or 0 for f in files if str(f.path).endswith(".parquet"))
    except Exception as e:  # offline, unknown repo or config, no access: all mean "not reachable"
        raise unreachable(src, e) from e


def unreachable(src: LangSource, err: BaseException | str, langs=None) -> AblateError:
    text = str(err).splitlines()[0] if str(err) else type(err).__name__  # the first line is the cause
    return AblateError(f"MLM corpus '{src.hub_id}' (config {src.config}) cannot be reached on the Hugging Face Hub "
                       f"({text}). " + local_alternative(langs or [src.lang]))


def lines(src: LangSource) -> Iterator[str]:
    """The language's examples: non-empty lines, in file/stream order."""
    for document in _documents(src):
        for line in document.splitlines():
            if line.strip():
                yield line.strip()


def _documents(src: LangSource) -> Iterator[str]:
    if src.kind == "text":
        with open(src.path, encoding="utf-8") as f:
            yield from f
        return
    if src.kind == "dataset":
        from ablate.data.load import _read_file

        yield from _read_file(str(src.path))[TEXT_COLUMN]
        return
    import datasets

    try:
        stream = datasets.load_dataset(src.hub_id, src.config, split="train", revision=src.revision, streaming=True)
        rows = iter(stream)
        first = next(rows, None)
    except Exception as e:  # offline, unknown id/config, a script-only repo: not reachable as parquet
        raise unreachable(src, e) from e
    if first is not None:
        if TEXT_COLUMN not in first:
            raise AblateError(f"MLM corpus {src.describe()} has no '{TEXT_COLUMN}' column (it has {list(first)}).")
        yield first[TEXT_COLUMN]
    for row in rows:
        yield row[TEXT_COLUMN]


def read(src: LangSource, encode, heldout_tokens: int, train_tokens: int) -> tuple[list[list[int]], list[list[int]]]:
    """(held-out examples, training examples) as token-id lists: the first lines until
    `heldout_tokens` are reached, then the following lines until `train_tokens` are (`encode`:
    text -> ids)."""
    heldout: list[list[int]] = []
    train: list[list[int]] = []
    held, used = 0, 0
    for line in lines(src):
        ids = encode(line)
        if not ids:
            continue
        if held < heldout_tokens:
            heldout.append(ids)
            held += len(ids)
        elif used < train_tokens:  # whole examples: the last one may pass the budget
            train.append(ids)
            used += len(ids)
        else:
            break
    if not heldout or not train:
        what = "held-out" if not heldout else "training"
        raise AblateError(f"MLM language '{src.lang}' has no {what} text in {src.describe()} (it has "
                          f"{held + used} tokens; held-out text comes first). Add text, or drop '{src.lang}' "
                          "from --mlm-langs.")
    return heldout, train


def key_part(srcs: Mapping[str, LangSource], tree) -> list[Any]:
    """What the phase key records of the corpus: local files by content (`tree`: FileDigests.tree),
    Hub configs by id, config and revision."""
    out: list[Any] = []
    for lang, src in srcs.items():
        if src.path is not None:
            out.append([lang, "local", tree([src.path], src.path.parent)])
        else:
            out.append([lang, "hub", src.hub_id, src.config, src.revision or "unpinned"])
    return out


def digest(examples: list[list[int]]) -> str:
    """A fingerprint of the token ids read (the dataset record's digest)."""
    import hashlib
    import json

    return hashlib.sha256(json.dumps(examples).encode()).hexdigest()[:16]
