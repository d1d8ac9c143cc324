"""Chunk F1 exactly as `seqeval.metrics.f1_score(y_true, y_pred)` computes it (default mode),
under either seqeval 1.x or seqeval 0.0.12 (the version XTREME's 2020 leaderboard used).

XTREME scores PAN-X *and* UD-POS this way, on the raw tag strings. Both versions read the first
character of a tag as its chunk prefix; they differ in the chunk *type*:

- seqeval 1.x (`version="1"`): the rest after the first character and one optional '-':
'B-PER' → ('B', 'PER'), 'O' → ('O', '_'), and for prefix-less POS tags 'NOUN' → ('N', 'OUN'),
'PUNCT' → ('P', 'UNCT'), 'INTJ' → ('I', 'NTJ'), 'SCONJ' → ('S', 'CONJ'), 'X' → ('X', '_').
  Only the prefixes O B I E S (and '.') mean anything to it, so for POS tags a run of equal
  tags is one chunk ('NOUN NOUN' is a single chunk), INTJ/SCONJ/SYM behave like I-/S- tags, tags
  sharing a type merge ('CCONJ SCONJ' → ('C', 'CONJ'), ('S', 'CONJ'): one chunk), and an 'X'
  run is never closed by 'O' (both have type '_').
- seqeval 0.0.12 (`version="0.0.12"`): the text after the LAST '-', i.e. the whole tag when it
  has none: 'NOUN' → ('N', 'NOUN'), 'O' → ('O', 'O'), 'X' → ('X', 'X'). POS tags of different
  names never merge ('CCONJ SCONJ' is two chunks) and 'O' closes an 'X' run.

For BIO tags such as PAN-X's ('O', 'B-PER', 'I-LOC', ...) both readings give the same chunks.
The chunking rules themselves (conlleval's start/end rules below) are identical in both.

seqeval flattens the sentences into one sequence with an 'O' after each sentence and extracts
chunks from that. For BIO tags no chunk crosses the separator, but a chunk of type '_' (e.g. UPOS
'X' ending a sentence) can run on into the next sentence, and such a chunk is dropped when the
corpus ends before it closes. To reproduce the corpus score exactly, chunks are extracted from
the same flattened sequence and each chunk is credited to the sentence it starts in. Per
sentence: `(tp, n_pred, n_gold)`; F1 = 2Σtp / (Σn_pred + Σn_gold).

Macro-F1 (`type_stats`): the same chunks, counted per chunk type — per sentence and type t
`(tp_t, n_pred_t, n_gold_t)`; F1_t from the sums, macro-F1 = the unweighted mean of F1_t over the
types present in gold or predictions. A chunk is a true positive only with the same type and
span, so for BIO tags this is `seqeval.metrics.f1_score(average='macro')`; the type is read as
`version` reads it (PAN-X under either: PER/ORG/LOC; UD-POS under 0.0.12: the whole UPOS tag).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ablate.errors import AblateError
from ablate.metrics.counts import check_totals, precision_recall_f1

stat_names = ("tp", "n_pred", "n_gold")
primary = "f1"
VERSIONS = ("1", "0.0.12")  # seqeval ≥ 1.0 (installed) and 0.0.12 (XTREME's 2020 leaderboard)

Chunk = tuple[str, int, int]  # (type, first position, last position), inclusive


def split_tag(tag: str, version: str = "1") -> tuple[str, str]:
    """(prefix, type) as seqeval `version` reads a tag without `suffix=True` (module docstring)."""
    if not tag:
        raise AblateError("Empty tag string; every token needs a tag such as 'O' or 'B-PER'.")
    if version == "0.0.12":
        return tag[0], tag.split("-")[-1]
    return tag[0], tag[1:].split("-", 1)[-1] or "_"


def check_version(version: str) -> None:
    if version not in VERSIONS:
        raise AblateError(f"Unknown seqeval version '{version}'; ablate reproduces {', '.join(VERSIONS)}.")


def _chunk_ends(prev_prefix: str, prefix: str, prev_type: str, type_: str) -> bool:
    """Whether a chunk closes between the previous token and this one (conlleval's rule)."""
    if prev_prefix in ("E", "S"):
        return True
    if prev_prefix in ("B", "I") and prefix in ("B", "S", "O"):
        return True
    return prev_prefix not in ("O", ".") and prev_type != type_


def _chunk_starts(prev_prefix: str, prefix: str, prev_type: str, type_: str) -> bool:
    """Whether a chunk opens at this token (conlleval's rule)."""
    if prefix in ("B", "S"):
        return True
    if prev_prefix in ("E", "S", "O") and prefix in ("E", "I"):
        return True
    return prefix not in ("O", ".") and prev_type != type_


def chunks(tags: Sequence[str], version: str = "1") -> list[Chunk]:
    """Chunks of one flat tag sequence, as seqeval `version`'s `get_entities` finds them.

    A virtual 'O' is appended to close the last chunk (which it cannot close when the chunk
    has the same type as 'O' — '_' under 1.x — seqeval then drops it, and so does this).
    """
    check_version(version)
    found: list[Chunk] = []
    prev_prefix, prev_type, begin = "O", "", 0
    for position, tag in enumerate([*tags, "O"]):
        prefix, type_ = split_tag(tag, version)
        if _chunk_ends(prev_prefix, prefix, prev_type, type_):
            found.append((prev_type, begin, position - 1))
        if _chunk_starts(prev_prefix, prefix, prev_type, type_):
            begin = position
        prev_prefix, prev_type = prefix, type_
    return found


def flatten(sentences: Sequence[Sequence[str]]) -> tuple[list[str], np.ndarray]:
    """seqeval's flattening (an 'O' after every sentence), and each position's sentence index."""
    flat: list[str] = []
    owner: list[int] = []
    for i, sentence in enumerate(sentences):
        flat.extend(sentence)
        flat.append("O")
        owner.extend([i] * (len(sentence) + 1))
    return flat, np.asarray(owner, dtype=np.int64)


def stats(y_true: Sequence[Sequence[str]], y_pred: Sequence[Sequence[str]], *,
          version: str = "1") -> np.ndarray:
    """Per-sentence `(tp, n_pred, n_gold)`, shape (n_sentences, 3), int64.

    Sums over all rows reproduce seqeval `version`'s micro counts on the whole corpus.
    """
    _check_input(y_true, y_pred, version)
    gold_chunks, pred_chunks, owner = _corpus_chunks(y_true, y_pred, version)
    rows = np.zeros((len(y_true), 3), dtype=np.int64)
    for column, found in ((0, gold_chunks & pred_chunks), (1, pred_chunks), (2, gold_chunks)):
        _credit(rows[:, column], found, owner)
    return rows


def chunk_types(tags: Sequence[str], version: str = "1") -> tuple[str, ...]:
    """The chunk types a tag set can produce under seqeval `version`, in first-seen order:
    PAN-X's tags -> ('PER', 'ORG', 'LOC'); UPOS tags under 0.0.12 -> the 17 tag names themselves.
    Tags whose prefix is 'O' never open a chunk, so they contribute no type."""
    found = [split_tag(t, version) for t in tags]
    return tuple(dict.fromkeys(type_ for prefix, type_ in found if prefix != "O"))


def type_stats(y_true: Sequence[Sequence[str]], y_pred: Sequence[Sequence[str]], types: Sequence[str], *,
               version: str = "1") -> np.ndarray:
    """Per-sentence, per-chunk-type `(tp_t, n_pred_t, n_gold_t)`: shape (n_sentences, 3·len(types)),
    int64, grouped by type in `types` order — the column layout of
    `ablate.metrics.classification.MacroF1(types)`, whose `aggregate` turns the sums into per-type
    F1 and their unweighted mean (macro-F1; the types present in gold or predictions, as
    `seqeval.metrics.f1_score(average='macro')` and `classification_report` average them).

    The chunks are exactly those of `stats` (same flattening, same version), so summing the
    columns of one kind over the types gives `stats`' micro counts.
    """
    _check_input(y_true, y_pred, version)
    gold_chunks, pred_chunks, owner = _corpus_chunks(y_true, y_pred, version)
    index = {t: i for i, t in enumerate(types)}
    strays = sorted({t for t, _, _ in gold_chunks | pred_chunks} - set(index))
    if strays:
        raise AblateError(f"Chunk type(s) {strays} are not among the macro-F1 types {list(types)}.")
    rows = np.zeros((len(y_true), len(types), 3), dtype=np.int64)
    for column, found in ((0, gold_chunks & pred_chunks), (1, pred_chunks), (2, gold_chunks)):
        for type_, i in index.items():
            _credit(rows[:, i, column], {c for c in found if c[0] == type_}, owner)
    return rows.reshape(len(y_true), 3 * len(types))


def _check_input(y_true, y_pred, version: str) -> None:
    check_version(version)
    if len(y_true) != len(y_pred):
        raise AblateError(f"{len(y_true)} gold sentences but {len(y_pred)} predicted sentences.")
    for i, (gold, pred) in enumerate(zip(y_true, y_pred)):
        if isinstance(gold, str) or isinstance(pred, str):
            raise AblateError("Tags must be given as one list of tag strings per sentence.")
        if len(gold) != len(pred):
            raise AblateError(
                f"Sentence {i} has {len(gold)} gold tags but {len(pred)} predicted tags; "
                "every token needs exactly one prediction."
            )


def _corpus_chunks(y_true, y_pred, version: str) -> tuple[set[Chunk], set[Chunk], np.ndarray]:
    """Gold and predicted chunks of the flattened corpus, and each position's sentence index."""
    flat_true, owner = flatten(y_true)
    flat_pred, _ = flatten(y_pred)
    return set(chunks(flat_true, version)), set(chunks(flat_pred, version)), owner


def _credit(column: np.ndarray, found: set[Chunk], owner: np.ndarray) -> None:
    """Add one to `column` (n_sentences,) for each chunk, at the sentence the chunk starts in."""
    starts = np.fromiter((begin for _, begin, _ in found), dtype=np.int64, count=len(found))
    np.add.at(column, owner[starts], 1)


def aggregate(totals) -> dict:
    """Micro precision, recall, F1 (×100) from summed `(tp, n_pred, n_gold)`, shape (..., 3)."""
    totals = check_totals(totals, stat_names)
    return precision_recall_f1(totals[..., 0], totals[..., 1], totals[..., 2])
