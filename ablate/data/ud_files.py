"""UD-POS for XTREME-R's added languages (lt pl uk wo ro), read from Universal Dependencies files.

google/xtreme has no `udpos.*` config for these; XTREME-R takes them from UD v2.7 (XTREME's
download_data.sh `download_treebank xtreme-r`), pooling every treebank of a language. ablate reads
`<data_dir>/ud-treebanks-v2.7/UD_<Name>-*/*-ud-<split>.conllu` (train, dev, test; `validation`
reads `dev`) and returns google/xtreme's `udpos.*` schema: `tokens` list[str], `pos_tags`
list[ClassLabel(17 UPOS)], so the UD-POS task maps it like every other language.

CoNLL-U rules: comment lines are skipped; multiword-token ranges (`3-4`) and empty nodes (`5.1`)
are skipped, so tokens are the syntactic words with their UPOS (XTREME's converter writes the fused
surface form instead — languages with contractions differ slightly, see data_cards/udpos_r.md);
sentences whose every form is `_` are dropped, as XTREME's preprocessing does.
"""

from __future__ import annotations

import glob
from pathlib import Path

from ablate.errors import AblateError, MissingFiles
from ablate.fixtures import FIXTURES_DIR

VERSION = "2.7"
FOLDER = f"ud-treebanks-v{VERSION}"
FILE_SPLIT = {"train": "train", "validation": "dev", "test": "test"}
GUIDANCE = (
    f"UD-POS for XTREME-R's added languages reads Universal Dependencies v{VERSION}: download "
    "https://lindat.mff.cuni.cz/repository/xmlui/bitstream/handle/11234/1-3424/ud-treebanks-v2.7.tgz, "
    f"extract it into DIR (giving DIR/{FOLDER}/UD_<Language>-<Treebank>/*.conllu) and pass --data-dir DIR."
)


def directory(cfg) -> Path:
    if cfg.data == "fixtures":
        return FIXTURES_DIR / FOLDER
    if not cfg.data_dir:
        raise AblateError("UD-POS languages lt/pl/uk/wo/ro need local UD files and no --data-dir was given. "
                          + GUIDANCE)
    return Path(cfg.data_dir) / FOLDER


def files(base: Path, name: str, split: str) -> list[Path]:
    """Every treebank file of language `name` (English name, e.g. 'Polish') for `split`."""
    pattern = str(base / f"UD_{name}-*" / f"*-ud-{FILE_SPLIT[split]}.conllu")
    return sorted(Path(p) for p in glob.glob(pattern))


def check_source(src, cfg) -> list[Path]:
    """The files of `src` (also the preflight hook of `ablate.data.load.LOCAL_FILES`); raises the
    guidance, naming the expected path, when there are none."""
    paths = files(directory(cfg), src.config, src.split)
    if not paths:
        expected = directory(cfg) / f"UD_{src.config}-*" / f"*-ud-{FILE_SPLIT[src.split]}.conllu"
        raise MissingFiles("UD", [expected], GUIDANCE)
    return paths


def read_split(src, cfg) -> "datasets.Dataset":  # noqa: F821 (datasets is imported lazily)
    """`LOCAL_READERS` hook: `src.config` is the language's English name, `src.split` the split."""
    import datasets

    from ablate.tasks.tagging_tasks import UPOS

    paths = check_source(src, cfg)
    tokens, tags = [], []
    index = {tag: i for i, tag in enumerate(UPOS)}
    for path in paths:
        for sentence in _sentences(path):
            try:
                tags.append([index[t] for _, t in sentence])
            except KeyError as e:
                raise AblateError(f"{path}: UPOS tag {e} is not one of {', '.join(UPOS)}.") from e
            tokens.append([w for w, _ in sentence])
    return datasets.Dataset.from_dict(
        {"tokens": tokens, "pos_tags": tags},
        features=datasets.Features({"tokens": datasets.List(datasets.Value("string")),
                                    "pos_tags": datasets.List(datasets.ClassLabel(names=list(UPOS)))}),
    )


def _sentences(path: Path) -> list[list[tuple[str, str]]]:
    out, current = [], []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            line = line.rstrip("\n")
            if not line.strip():
                if current and not all(w == "_" for w, _ in current):
                    out.append(current)
                current = []
                continue
            if line.startswith("#"):
                continue
            cols = line.split("\t")
            if len(cols) != 10:
                raise AblateError(f"{path} line {n}: a CoNLL-U word line has 10 tab-separated columns, "
                                  f"this one has {len(cols)}.")
            if "-" in cols[0] or "." in cols[0]:
                continue
            current.append((cols[1], cols[3]))
    if current and not all(w == "_" for w, _ in current):
        out.append(current)
    return out
