"""Where a cell's uncertainty comes from: fine-tuning seeds, test examples, or both.

Three bootstrap variances of Δ from the same draws: seeds only (w ≡ 1), examples only (every
seed kept), both (the crossed bootstrap). The shares tell the user whether more seeds or a larger
test set would narrow the interval.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ablate.errors import AblateError
from ablate.stats.bootstrap import arm_replicates


@dataclass(frozen=True)
class VarianceDecomposition:
    """Bootstrap variances (ddof=1) of Δ^b, in squared metric units, and the two shares.

    ``seed_share = seeds / (seeds + examples)``, ``example_share = 1 − seed_share``; ``both``
    is the crossed variance (≈ seeds + examples; the shares are NaN when both are 0).
    """

    seeds: float
    examples: float
    both: float
    seed_share: float
    example_share: float


def variance_decomposition(
    weighted: tuple[np.ndarray, np.ndarray],
    unweighted: tuple[np.ndarray, np.ndarray],
    seed_draws: tuple[np.ndarray, np.ndarray],
) -> VarianceDecomposition:
    """Decompose the bootstrap variance of Δ = M_A − M_B for one cell.

    weighted: ``((B, S_A), (B, S_B))`` per-seed replicate scores g(w_bᵀU[s]) from
    `seed_score_replicates` with the cell's example weights. unweighted: ``((1, S_A), (1, S_B))``
    from `seed_score_replicates` without weights (g of the full sums). seed_draws:
    ``((B, S_A), (B, S_B))`` from `draw_seed_indices`.
    """
    if weighted[0].shape[0] != seed_draws[0].shape[0]:
        raise AblateError(
            f"Weights give {weighted[0].shape[0]} replicates but the seed draws have "
            f"{seed_draws[0].shape[0]}; draw both with the same B."
        )

    def var(a: np.ndarray, b: np.ndarray) -> float:
        return float(np.var(a - b, ddof=1))

    seeds = var(*(arm_replicates(u, i) for u, i in zip(unweighted, seed_draws)))
    examples = var(*(arm_replicates(w, None) for w in weighted))
    both = var(*(arm_replicates(w, i) for w, i in zip(weighted, seed_draws)))
    total = seeds + examples
    share = seeds / total if total > 0 else float("nan")
    return VarianceDecomposition(seeds, examples, both, share, 1.0 - share)
