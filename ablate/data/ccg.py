"""CCGbank supertagging read from local files (LDC2005T13 has no public copy; data_cards/ccg.md).

Layout: `<data_dir>/ccg/{train,dev,test}.tsv` (the shipped fixtures: `ablate/fixtures/data/
ccgbank/`), one `token<TAB>supertag` per line, a blank line between sentences.

The label space is the paper's: the `TAG_CAP` (425) most frequent supertags of the *training*
file, ranked by count (ties broken by the tag string, so the ranking does not depend on line
order), plus `UNK` for every other tag. `read_split` therefore always reads `train.tsv` as well,
and gives each row, next to its `tokens` and original `tags`, the `tag_ids` in that space
(0..TAG_CAP-1 by rank, TAG_CAP = UNK) — the same ids in every split.

    python -c "from ablate.data.ccg import read_dir; print(read_dir('ablate/fixtures/data/ccgbank', 'dev')[0])"
"""

from __future__ import annotations

import os
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from ablate.errors import AblateError

if TYPE_CHECKING:
    import datasets

TAG_CAP = 425  # supertags kept (the paper's convention); the rest become UNK
UNK = "UNK"
SPLITS = ("train", "dev", "test")
FIXTURE_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "data" / "ccgbank"
GUIDANCE = (
    "CCGbank (LDC2005T13) is licensed by the LDC and cannot be downloaded by ablate. Convert your "
    "licensed copy to {where}/train.tsv, dev.tsv and test.tsv (WSJ 02-21, 00 and 23): one "
    "`token<TAB>supertag` per line, a blank line between sentences, UTF-8 (data_cards/ccg.md). "
    "Pass the parent directory with `--data-dir DIR` (ablate reads DIR/ccg/), or use "
    "`--preset smoke` for the shipped fixtures."
)

Sentence = tuple[tuple[str, ...], tuple[str, ...]]  # (tokens, supertags)


def directory(cfg) -> Path:
    """Where the .tsv files of this run live: the fixtures, or `<data_dir>/ccg`."""
    if cfg.data == "fixtures":
        return FIXTURE_DIR
    if not cfg.data_dir:
        raise AblateError("Task 'ccg' needs local files and no --data-dir was given. "
                          + GUIDANCE.format(where="DIR/ccg"))
    return Path(cfg.data_dir) / "ccg"


def check_files(cfg, splits: tuple[str, ...] = ("train", "dev")) -> None:
    """Raise the guidance above unless the files of `splits` exist (for a preflight check)."""
    root = directory(cfg)
    for split in splits:
        _file(root, split)


def check_source(src, cfg) -> None:
    """Preflight hook (`ablate.data.load.LOCAL_FILES`): the file of `src.split` must exist."""
    _file(directory(cfg), src.split)


def read_split(src, cfg) -> "datasets.Dataset":
    """`LOCAL_READERS` hook: the rows of split `src.split` (train, dev or test) with columns
    `tokens` list[str], `tags` list[str] and `tag_ids` list[int] (TAG_CAP = UNK)."""
    import datasets

    rows = read_dir(directory(cfg), src.split)
    return datasets.Dataset.from_dict(
        {name: [row[name] for row in rows] for name in ("tokens", "tags", "tag_ids")},
        features=datasets.Features({
            "tokens": datasets.Sequence(datasets.Value("string")),
            "tags": datasets.Sequence(datasets.Value("string")),
            "tag_ids": datasets.Sequence(datasets.Value("int64")),
        }),
    )


def read_dir(root: str | Path, split: str) -> list[dict]:
    """Rows of one split of a CCG directory: {'tokens', 'tags', 'tag_ids'} per sentence."""
    if split not in SPLITS:
        raise AblateError(f"CCG has splits {', '.join(SPLITS)}; got '{split}'.")
    index = {tag: i for i, tag in enumerate(inventory(_sentences(_file(root, "train"))))}
    return [{"tokens": list(tokens), "tags": list(tags), "tag_ids": [index.get(t, TAG_CAP) for t in tags]}
            for tokens, tags in _sentences(_file(root, split))]


def inventory(sentences: list[Sentence], cap: int = TAG_CAP) -> tuple[str, ...]:
    """The `cap` most frequent supertags, most frequent first (ties: by tag string)."""
    counts = Counter(tag for _, tags in sentences for tag in tags)
    return tuple(sorted(counts, key=lambda t: (-counts[t], t))[:cap])


def _file(root: str | Path, split: str) -> Path:
    path = Path(root) / f"{split}.tsv"
    if not path.is_file():
        raise AblateError(f"CCG file {path} not found. " + GUIDANCE.format(where=Path(root)))
    return path


def _sentences(path: Path) -> list[Sentence]:
    return _parse(str(path), os.stat(path).st_mtime_ns)


@lru_cache(maxsize=8)
def _parse(path: str, mtime_ns: int) -> list[Sentence]:
    """Sentences of one .tsv file (mtime in the key: an edited file is read again)."""
    sentences: list[Sentence] = []
    tokens: list[str] = []
    tags: list[str] = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.rstrip("\r\n")
            if not line.strip():
                if tokens:
                    sentences.append((tuple(tokens), tuple(tags)))
                    tokens, tags = [], []
                continue
            token, tab, tag = line.partition("\t")
            if not tab or not tag.strip() or not token:
                raise AblateError(
                    f"{path}:{number}: expected `token<TAB>supertag`, got {line!r}. "
                    "See data_cards/ccg.md for the format."
                )
            tokens.append(token)
            tags.append(tag.strip())
    if tokens:
        sentences.append((tuple(tokens), tuple(tags)))
    if not sentences:
        raise AblateError(f"{path} holds no sentences. See data_cards/ccg.md for the format.")
    return sentences
