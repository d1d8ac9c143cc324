"""What a crossed bootstrap resamples: seed indices per arm and multinomial example weights.

Draws are made once and *passed in*, so the caller decides what is shared:

- seed indices are drawn once per task (one fine-tuned model per seed covers every language of
  the task) and reused for every language cell of that task;
- example weights are drawn per language, or, for parallel test sets (XNLI, XQuAD, ...: the same
  example translated into every language), once per task over the *parallel ids* and reused for
  every language (each cell maps its examples to parallel ids with a ``clusters`` array).

`ExampleWeights` is a lazy, re-iterable description of a ``(B, n_units)`` weight matrix: block
``i`` is generated from its own child seed, so iterating twice (or once per language) yields the
same weights while never holding more than one block (``block_size × n_units`` numbers) in memory.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from ablate.errors import AblateError

BLOCK_ENTRIES = 2**16  # weights per block: 0.5 MB arrays stay in cache (bincount is the hot loop)


def _check_count(name: str, value: int, minimum: int = 1) -> int:
    if isinstance(value, bool) or int(value) != value or value < minimum:
        raise AblateError(f"{name} must be an integer >= {minimum}, got {value!r}.")
    return int(value)


@dataclass(frozen=True)
class ExampleWeights:
    """Multinomial weights ``w_b ~ Mult(n_units, 1/n_units)`` for ``n_replicates`` replicates.

    Shape of the (never materialised) matrix: ``(n_replicates, n_units)``; every row sums to
    ``n_units``. Replicates are generated in blocks of ``block_size`` rows, block ``i`` from
    ``SeedSequence(entropy, spawn_key=(i,))`` — deterministic and independent of iteration order.
    """

    n_units: int
    n_replicates: int
    entropy: tuple[int, ...]
    block_size: int

    def block(self, i: int, dtype: np.dtype | type = np.float64) -> np.ndarray:
        """Rows ``i·block_size ...`` of the weight matrix: ``(b, n_units)`` counts as ``dtype``."""
        start = i * self.block_size
        if not 0 <= start < self.n_replicates:
            raise AblateError(f"Block {i} is out of range: this draw has {self.n_blocks} blocks.")
        rows = min(self.block_size, self.n_replicates - start)
        rng = np.random.default_rng(np.random.SeedSequence(self.entropy, spawn_key=(i,)))
        n = self.n_units
        # n uniform draws per row, counted per row: exactly Mult(n, 1/n) (the bootstrap's urn).
        idx = rng.integers(0, n, size=(rows, n), dtype=np.intp)
        idx += (np.arange(rows, dtype=np.intp) * n)[:, None]
        counts = np.bincount(idx.ravel(), minlength=rows * n)
        return counts.reshape(rows, n).astype(dtype)

    @property
    def n_blocks(self) -> int:
        return -(-self.n_replicates // self.block_size)

    def blocks(self) -> Iterator[tuple[int, np.ndarray]]:
        """Yield ``(first_row, W_block (b, n_units))`` covering all replicates in order."""
        for i in range(self.n_blocks):
            yield i * self.block_size, self.block(i)

    def matrix(self) -> np.ndarray:
        """The full ``(n_replicates, n_units)`` matrix — for tests and small draws only."""
        return np.concatenate([w for _, w in self.blocks()], axis=0)


def draw_example_weights(
    rng: np.random.Generator | int,
    n_replicates: int,
    n_units: int,
    block_entries: int = BLOCK_ENTRIES,
) -> ExampleWeights:
    """Draw (lazily) ``(n_replicates, n_units)`` multinomial example weights from ``rng``.

    ``n_units`` is the number of examples, or the number of parallel ids when the weights are
    shared across the languages of a parallel test set. Only 128 bits are taken from ``rng``
    (a Generator, or an int seed); ``block_entries`` bounds one block's ``b × n_units``.
    """
    n_replicates = _check_count("n_replicates", n_replicates)
    n_units = _check_count("n_units", n_units)
    block_size = max(1, min(n_replicates, block_entries // n_units))
    entropy = tuple(int(x) for x in np.random.default_rng(rng).integers(0, 2**63, size=2))
    return ExampleWeights(n_units, n_replicates, entropy, block_size)


def draw_seed_indices(
    rng: np.random.Generator | int, n_replicates: int, n_seeds: Sequence[int], paired: bool
) -> tuple[np.ndarray, ...]:
    """Seed indices resampled with replacement, one ``(n_replicates, S_a)`` int array per arm.

    ``n_seeds[a]`` is arm a's number of seeds S_a. ``paired=True`` (the arms were run with the
    same seed list, seed j of every arm sharing its randomness) returns the *same* array for every
    arm; it requires equal S_a.
    """
    rng = np.random.default_rng(rng)  # a Generator passes through unchanged
    n_replicates = _check_count("n_replicates", n_replicates)
    sizes = [_check_count("number of seeds", s) for s in n_seeds]
    if not sizes:
        raise AblateError("draw_seed_indices needs at least one arm; got n_seeds=[].")
    if paired:
        if len(set(sizes)) != 1:
            raise AblateError(
                f"Paired seeds need the same number of seeds in every arm, got {sizes}; "
                "pass paired=False for arms with different seed lists."
            )
        shared = rng.integers(0, sizes[0], size=(n_replicates, sizes[0]))
        return tuple(shared for _ in sizes)
    return tuple(rng.integers(0, s, size=(n_replicates, s)) for s in sizes)
