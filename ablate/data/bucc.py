"""BUCC 2018 as sides + gold: the local full corpora, or the Hub's gold-pairs-only copy.

The real task (Zweigenbaum et al. 2018) hides the parallel pairs among ~100-400k non-parallel
sentences per side. Its files, as distributed and as XTREME lays them out:

    <data_dir>/bucc2018/<lang>-en/<lang>-en.<part>.<lang>   "<id>\\t<sentence>" per line
    <data_dir>/bucc2018/<lang>-en/<lang>-en.<part>.en       "<id>\\t<sentence>" per line
    <data_dir>/bucc2018/<lang>-en/<lang>-en.<part>.gold     "<lang id>\\t<en id>" per line

`<part>` is `sample` for ablate's "validation" split and `test` for "test" — or `training`, the
name in the original archives (XTREME evaluates on the training gold because the official test
gold is not public, and renames it). google/xtreme's `bucc18.<lang>` holds only the gold pairs
(`from_pairs`): every sentence has a partner and there are no distractors, so mining over it is
much easier than the real task and its F1 is not comparable to published numbers.

    python -c "from ablate.data.bucc import read_split; print(read_split('data', 'de', 'validation'))"
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ablate.errors import AblateError

PARTS = {"validation": ("sample",), "test": ("test", "training")}  # file part names, by preference
GOLD_ONLY = "bucc18-goldonly"  # corpus labels recorded with every result
FULL = "bucc18-full"


@dataclass(frozen=True)
class BuccSplit:
    """One split of one language pair: both sides (ids aligned with texts) and the gold pairs."""

    src_ids: tuple[str, ...]
    src_texts: tuple[str, ...]
    trg_ids: tuple[str, ...]
    trg_texts: tuple[str, ...]
    gold: frozenset[tuple[str, str]]  # (source id, English id)
    corpus: str  # GOLD_ONLY or FULL
    origin: str  # where it was read from, for records

    def __repr__(self) -> str:
        return (f"BuccSplit({self.corpus}, {len(self.src_ids)} source / {len(self.trg_ids)} English "
                f"sentences, {len(self.gold)} gold pairs, from {self.origin})")

    def capped(self, n: int) -> "BuccSplit":
        """At most the first `n` gold pairs (file order), with their sentences plus the first
        `n` sentences of each side (distractors, in a full corpus). 0 = no cap."""
        if not n:
            return self
        pairs = self.gold_order[:n]
        keep_src = {s for s, _ in pairs} | set(self.src_ids[:n])
        keep_trg = {t for _, t in pairs} | set(self.trg_ids[:n])
        src = [(i, t) for i, t in zip(self.src_ids, self.src_texts) if i in keep_src]
        trg = [(i, t) for i, t in zip(self.trg_ids, self.trg_texts) if i in keep_trg]
        return replace(self, src_ids=tuple(i for i, _ in src), src_texts=tuple(t for _, t in src),
                       trg_ids=tuple(i for i, _ in trg), trg_texts=tuple(t for _, t in trg),
                       gold=frozenset(pairs))

    @property
    def gold_order(self) -> tuple[tuple[str, str], ...]:
        """Gold pairs in a stable order: by position of their source, then their target."""
        src_pos = {i: k for k, i in enumerate(self.src_ids)}
        trg_pos = {i: k for k, i in enumerate(self.trg_ids)}
        return tuple(sorted(self.gold, key=lambda p: (src_pos[p[0]], trg_pos[p[1]])))

    def digest(self) -> str:
        """sha256 (16 hex) over ids, texts and gold: equal content, equal digest."""
        payload = [self.src_ids, self.src_texts, self.trg_ids, self.trg_texts, sorted(self.gold)]
        return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode()).hexdigest()[:16]


def corpus_dir(data_dir: str | Path, lang: str) -> Path:
    return Path(data_dir) / "bucc2018" / f"{lang}-en"


def has_local(data_dir: str | Path | None) -> bool:
    """Whether `data_dir` holds a local BUCC 2018 corpus (then every language must be there)."""
    return bool(data_dir) and (Path(data_dir) / "bucc2018").is_dir()


def read_split(data_dir: str | Path, lang: str, split: str) -> BuccSplit:
    """The full-corpus split `split` ('validation' | 'test') of `<lang>-en` from `data_dir`."""
    if split not in PARTS:
        raise AblateError(f"BUCC 2018 has splits {list(PARTS)}, not '{split}'.")
    base = corpus_dir(data_dir, lang)
    tried = []
    for part in PARTS[split]:
        prefix = base / f"{lang}-en.{part}"
        files = [Path(f"{prefix}.{lang}"), Path(f"{prefix}.en"), Path(f"{prefix}.gold")]
        tried.append(f"{prefix}.{{{lang},en,gold}}")
        if all(f.is_file() for f in files):
            src_ids, src_texts = read_sentences(files[0])
            trg_ids, trg_texts = read_sentences(files[1])
            gold = read_gold(files[2])
            _check_gold(gold, set(src_ids), set(trg_ids), files[2])
            return BuccSplit(src_ids, src_texts, trg_ids, trg_texts, gold, FULL, str(prefix))
    raise AblateError(
        f"No local BUCC 2018 {split} files for {lang}-en: tried {' and '.join(tried)} "
        f"(each 'id<TAB>sentence' per line; gold 'source id<TAB>English id'). "
        f"Remove {Path(data_dir) / 'bucc2018'} to use the Hub's gold-pairs-only copy instead."
    )


def read_sentences(path: Path) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(ids, sentences) of an `id<TAB>sentence` file; sentences are stripped of outer spaces."""
    ids, texts = [], []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            sentence_id, tab, text = line.partition("\t")
            if not tab or not sentence_id.strip():
                raise AblateError(f"{path}, line {n}: expected 'id<TAB>sentence', got {line[:80]!r}.")
            ids.append(sentence_id.strip())
            texts.append(text.strip())
    if len(set(ids)) != len(ids):
        duplicate = next(i for i in ids if ids.count(i) > 1)
        raise AblateError(f"{path}: sentence id {duplicate!r} occurs more than once.")
    return tuple(ids), tuple(texts)


def read_gold(path: Path) -> frozenset[tuple[str, str]]:
    """The gold pairs of a `source id<TAB>English id` file."""
    pairs = set()
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            fields = line.split()
            if not fields:
                continue
            if len(fields) != 2:
                raise AblateError(f"{path}, line {n}: expected 'source id<TAB>English id', got {line.strip()[:80]!r}.")
            pairs.add((fields[0], fields[1]))
    return frozenset(pairs)


def from_pairs(src_ids: Sequence[str], src_texts: Sequence[str], trg_ids: Sequence[str],
               trg_texts: Sequence[str], origin: str) -> BuccSplit:
    """Sides and gold from gold-pair rows (google/xtreme): row i pairs src_ids[i] with trg_ids[i].

    A sentence in several pairs appears once on its side; texts are stripped.
    """
    def side(ids: Sequence[str], texts: Sequence[str], name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        seen: dict[str, str] = {}
        for i, t in zip(ids, texts):
            t = t.strip()
            if seen.setdefault(i, t) != t:
                raise AblateError(f"{origin}: {name} sentence id {i!r} has two different texts.")
        return tuple(seen), tuple(seen.values())

    s_ids, s_texts = side([str(i) for i in src_ids], src_texts, "source")
    t_ids, t_texts = side([str(i) for i in trg_ids], trg_texts, "English")
    gold = frozenset((str(s), str(t)) for s, t in zip(src_ids, trg_ids))
    return BuccSplit(s_ids, s_texts, t_ids, t_texts, gold, GOLD_ONLY, origin)


def _check_gold(gold, src_ids: set, trg_ids: set, path: Path) -> None:
    for s, t in gold:
        if s not in src_ids or t not in trg_ids:
            side = "source" if s not in src_ids else "English"
            raise AblateError(
                f"{path}: gold pair ({s}, {t}) names a {side} sentence id missing from the "
                f"{side} file (the first column must be the non-English id)."
            )
