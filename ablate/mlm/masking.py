"""MLM inputs: whole examples packed to the max length, and BERT's 15 % masking with 80/10/10.

Arrays, not tensors: `input_ids` is (n, L) int64 padded with the pad id, `special` (n, L) bool
marks positions that are never masked (<s>, </s>, <pad>, and any other special id).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

MASK_PROB = 0.15  # share of (non-special) tokens that are predicted
MASK_SHARE, RANDOM_SHARE = 0.8, 0.1  # of those: replaced by <mask> / a random token; the rest unchanged
IGNORE = -100  # label of positions that are not predicted (PyTorch's cross-entropy ignore_index)


def pack(documents: Iterable[Sequence[int]], max_length: int, bos: int, eos: int) -> list[list[int]]:
    """Greedily pack whole documents (token ids without specials) into `<s> d1 </s> d2 … </s>`
    sequences of at most `max_length` ids; a document never straddles two sequences unless it
    is longer than one sequence on its own (then it is cut into full-length pieces)."""
    room = max_length - 2  # <s> and the final </s>
    if room < 1:
        raise ValueError(f"max_length {max_length} leaves no room for text")
    out: list[list[int]] = []
    current: list[int] = []
    for doc in documents:
        pieces = [list(doc[i:i + room]) for i in range(0, len(doc), room)] or []
        for piece in pieces:
            needed = len(piece) + (1 if current else 0)  # a </s> between documents
            if current and len(current) + needed > room:
                out.append([bos, *current, eos])
                current = []
            current = [*current, eos, *piece] if current else piece
    if current:
        out.append([bos, *current, eos])
    return out


def pad(sequences: Sequence[Sequence[int]], pad_id: int) -> tuple[np.ndarray, np.ndarray]:
    """(input_ids (n, L), attention_mask (n, L)) right-padded to the longest sequence."""
    length = max(len(s) for s in sequences)
    ids = np.full((len(sequences), length), pad_id, dtype=np.int64)
    attention = np.zeros((len(sequences), length), dtype=np.int64)
    for i, s in enumerate(sequences):
        ids[i, :len(s)] = s
        attention[i, :len(s)] = 1
    return ids, attention


def mask_tokens(input_ids: np.ndarray, special: np.ndarray, mask_id: int, candidates: np.ndarray,
                rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(masked inputs, labels): each non-special position is selected with probability 0.15;
    a selected one becomes <mask> (80 %), a random id from `candidates` (10 %) or stays (10 %).
    Labels hold the original id at selected positions and IGNORE elsewhere."""
    selected = (rng.random(input_ids.shape) < MASK_PROB) & ~special
    labels = np.where(selected, input_ids, IGNORE)
    action = rng.random(input_ids.shape)
    inputs = input_ids.copy()
    to_mask = selected & (action < MASK_SHARE)
    to_random = selected & (action >= MASK_SHARE) & (action < MASK_SHARE + RANDOM_SHARE)
    inputs[to_mask] = mask_id
    inputs[to_random] = rng.choice(candidates, size=int(to_random.sum()))
    return inputs, labels


def special_mask(input_ids: np.ndarray, special_ids: Iterable[int]) -> np.ndarray:
    """True where the id is a special token (never masked, never a random replacement)."""
    return np.isin(input_ids, np.fromiter(special_ids, dtype=np.int64))


def replacement_candidates(vocab_size: int, special_ids: Iterable[int]) -> np.ndarray:
    """Ids a random replacement may take: the whole vocabulary except special tokens."""
    return np.setdiff1d(np.arange(vocab_size), np.fromiter(special_ids, dtype=np.int64))
