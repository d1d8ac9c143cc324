"""Length-grouped batching: batches of examples of similar length, so dynamic padding pads little.

    order = grouped_order(lengths, batch_size=4, seed=1, epoch=0)

The order of one epoch: shuffle all examples (seeded by seed and epoch), cut the shuffled list
into buckets of `BUCKET_BATCHES` batches, sort each bucket by length (longest first), cut it into
batches, then shuffle the batches. Every example appears exactly once per epoch; the same
(seed, epoch) gives the same order; which examples share a bucket, and the order of batches, are
random, so training still sees a fresh mix each epoch (HF `group_by_length` / fairseq-style
"mega-batches"). The batch holding the longest example goes first: on a GPU an out-of-memory
shows at step 1, not hours in. Only the last batch may be short, and it stays last.

Evaluation needs no randomness: `ablate.phases.scoring.forward` sorts all features longest-first.
"""

from __future__ import annotations

import numpy as np

BUCKET_BATCHES = 50  # batches per sorted bucket: large enough to group well, small enough to stay random


def feature_lengths(features) -> np.ndarray:
    """Tokens per feature (int array, shape (n,)): `input_ids` length, or for multiple choice
    (a list of choices per feature) the longest choice, which is what the collator pads to."""
    ids = features["input_ids"] if hasattr(features, "column_names") else [f["input_ids"] for f in features]
    return np.array([max(map(len, x)) if x and isinstance(x[0], list) else len(x) for x in ids], dtype=np.int64)


def grouped_order(lengths, batch_size: int, seed: int, epoch: int = 0, bucket_batches: int = BUCKET_BATCHES) -> np.ndarray:
    """A permutation of range(len(lengths)) whose consecutive `batch_size` slices are the batches."""
    lengths = np.asarray(lengths)
    n = len(lengths)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    rng = np.random.default_rng([seed, epoch])
    shuffled = rng.permutation(n)
    bucket = batch_size * bucket_batches
    ordered = np.concatenate([
        chunk[np.argsort(-lengths[chunk], kind="stable")]
        for chunk in np.array_split(shuffled, range(bucket, n, bucket))
    ])
    batches = [ordered[i:i + batch_size] for i in range(0, n, batch_size)]
    last = batches.pop() if len(batches[-1]) < batch_size else None
    batches = [batches[i] for i in rng.permutation(len(batches))]
    if batches:
        longest = max(range(len(batches)), key=lambda i: lengths[batches[i]].max())
        batches.insert(0, batches.pop(longest))
    if last is not None:
        batches.append(last)
    return np.concatenate(batches)


def padded_tokens(lengths, order, batch_size: int, pad_to: int | None = None) -> int:
    """Tokens the model processes (padding included) over batches of `order`: each batch padded to
    its longest member (dynamic padding), or every row to `pad_to` (fixed max-length padding)."""
    lengths = np.asarray(lengths)
    total = 0
    for i in range(0, len(order), batch_size):
        batch = lengths[order[i:i + batch_size]]
        total += len(batch) * (pad_to if pad_to is not None else int(batch.max()))
    return total


def sampler(lengths, batch_size: int, seed: int):
    """A torch Sampler yielding `grouped_order` for each epoch (the Trainer calls `set_epoch`)."""
    from torch.utils.data import Sampler

    class LengthGroupedSampler(Sampler):
        def __init__(self):
            self.epoch = 0

        def set_epoch(self, epoch: int) -> None:
            self.epoch = epoch

        def __len__(self) -> int:
            return len(lengths)

        def __iter__(self):
            return iter(grouped_order(lengths, batch_size, seed, self.epoch).tolist())

    return LengthGroupedSampler()
