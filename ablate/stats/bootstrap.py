"""Crossed (seed × example) paired bootstrap for one (arm pair, task, language) cell.

Array contract: ``stats`` for one arm and cell is a float array ``(S, n, k)`` — S seeds, n
examples (rows aligned by example id across arms; the caller aligns), k sufficient statistics. A
cell score is ``M = mean_s g(Σ_i stats[s, i])``; Δ̂ = M_A − M_B. Replicate b:

    Δ^b = mean_j g(w_bᵀ U_A[σA_bj]) − mean_j g(w_bᵀ U_B[σB_bj])

with seed indices σ (see `draw_seed_indices`) and multinomial example weights w shared by both
arms and all seeds (see `draw_example_weights`). The expensive part, ``g(w_bᵀ U[s])`` for every
replicate and seed, is one ``(b × n) @ (n × Σ_a S_a·k)`` product per weight block for all arms at
once (`seed_score_replicates`; `shared_weight_replicates` for all languages of a parallel test
set in one pass); seed resampling is then indexing (`arm_replicates`).

Calibration (tests/stats/test_calibration.py): with one seed this is the usual paired bootstrap
(nominal size). With S seeds the bootstrap variance is about
``(S−1)/S + (2S−1)/S · v/(σ_seed² + v)`` times the true one (v: one seed's test-set noise) — the
known bias of bootstraps of crossed designs: conservative when test noise dominates,
anti-conservative when seed variance dominates with few seeds.

Typical use for one task (seed draws shared across languages, weights per language or per task)::

    idx = draw_seed_indices(rng, B, [S_A, S_B], paired=True)
    w = draw_example_weights(rng, B, n)                 # or once per task over parallel ids
    cell = paired_bootstrap(U_A, U_B, ACCURACY, seed_draws=idx, weights=w)
    task = aggregate([cell_1, cell_2, ...])             # same idx (and w, if parallel) in each
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from ablate.errors import AblateError
from ablate.stats.draws import ExampleWeights
from ablate.stats.metrics import Metric


@dataclass(frozen=True)
class BootstrapResult:
    """Δ̂ with its percentile CI and two-sided p; ``replicates`` (B,) are the Δ^b it came from."""

    delta: float
    low: float
    high: float
    p: float
    level: float
    replicates: np.ndarray

    @property
    def n_replicates(self) -> int:
        return int(self.replicates.shape[0])


def _check_stats(stats: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Validate a list of per-arm ``(S_a, n, k)`` arrays with common n and k."""
    arrays = [np.asarray(u, dtype=np.float64) for u in stats]
    if not arrays:
        raise AblateError("Need the statistics of at least one arm; got none.")
    for a, u in enumerate(arrays):
        if u.ndim != 3 or 0 in u.shape:
            raise AblateError(
                f"Arm {a}: statistics must be a non-empty (seeds, examples, stats) array, "
                f"got shape {u.shape}."
            )
    shapes = {u.shape[1:] for u in arrays}
    if len(shapes) != 1:
        raise AblateError(
            f"Arms must share (examples, stats) after alignment by example id; got "
            f"{[u.shape for u in arrays]}."
        )
    return arrays


def _unit_sums(x: np.ndarray, clusters: np.ndarray | None, n_units: int) -> np.ndarray:
    """Sum example rows ``x (n, C)`` into resampling units: ``(n_units, C)``."""
    if clusters is None:
        if x.shape[0] != n_units:
            raise AblateError(
                f"The weights are over {n_units} units but the cell has {x.shape[0]} examples; "
                "draw weights with n_units=n, or pass clusters mapping examples to parallel ids."
            )
        return x
    clusters = np.asarray(clusters)
    if clusters.shape != (x.shape[0],) or not np.issubdtype(clusters.dtype, np.integer):
        raise AblateError(
            f"clusters must be an int array of shape ({x.shape[0]},) (one parallel-id index per "
            f"example), got {clusters.dtype} {clusters.shape}."
        )
    if clusters.min() < 0 or clusters.max() >= n_units:
        raise AblateError(
            f"clusters must index units 0..{n_units - 1} of the weights; got values "
            f"{clusters.min()}..{clusters.max()}."
        )
    out = np.zeros((n_units, x.shape[1]))
    np.add.at(out, clusters, x)
    return out


def _exact_dtype(xu: np.ndarray) -> type:
    """float32 when every weighted sum of ``xu`` is an integer below 2**24 (exact), else float64.

    Weights are integer counts summing to n_units, so |wᵀx| ≤ n_units · max|x|.
    """
    if xu.size and np.all(xu == np.round(xu)) and xu.shape[0] * np.abs(xu).max() < 2**24:
        return np.float32
    return np.float64


def _weighted_totals(xu: np.ndarray, weights: ExampleWeights, workers: int) -> np.ndarray:
    """``W @ xu`` for the whole ``(B, n_units)`` weight draw, block by block: ``(B, C)``.

    Identical columns (the constant 1, gold counts shared by all arms) are multiplied once.
    """
    first: dict[bytes, int] = {}  # column contents -> position among the kept columns
    keep, inverse = [], []
    for j, col in enumerate(xu.T):
        position = first.setdefault(col.tobytes(), len(keep))
        if position == len(keep):
            keep.append(j)
        inverse.append(position)
    unique = xu[:, keep]
    dtype = _exact_dtype(unique)
    unique = np.ascontiguousarray(unique, dtype=dtype)
    totals = np.empty((weights.n_replicates, unique.shape[1]))

    def run(i: int) -> None:
        w = weights.block(i, dtype)
        start = i * weights.block_size
        totals[start : start + w.shape[0]] = w @ unique

    if workers > 1 and weights.n_blocks > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(run, range(weights.n_blocks)))
    else:
        for i in range(weights.n_blocks):
            run(i)
    return totals[:, inverse]


def _columns(arrays: list[np.ndarray]) -> np.ndarray:
    """Per-arm ``(S_a, n, k)`` -> ``(n, ΣS_a·k)``: each arm's seeds × stats flattened, in order."""
    n = arrays[0].shape[1]
    return np.concatenate([u.transpose(1, 0, 2).reshape(n, -1) for u in arrays], axis=1)


def _split_scores(totals: np.ndarray, arrays: list[np.ndarray], metric: Metric) -> list[np.ndarray]:
    """Totals ``(R, ΣS_a·k)`` -> per arm ``g`` of each seed's totals, ``(R, S_a)``."""
    out, col = [], 0
    for u in arrays:
        s, k = u.shape[0], u.shape[2]
        block = totals[:, col : col + s * k].reshape(totals.shape[0], s, k)
        out.append(np.asarray(metric(block), dtype=np.float64))
        col += s * k
    return out


def seed_score_replicates(
    stats: Sequence[np.ndarray],
    metric: Metric,
    weights: ExampleWeights | None = None,
    clusters: np.ndarray | None = None,
    workers: int = 1,
) -> list[np.ndarray]:
    """``g(w_bᵀ U_a[s])`` for every replicate b and seed s, per arm: a list of ``(B, S_a)``.

    stats: per arm ``(S_a, n, k)``, rows aligned across arms. weights: ``(B, n_units)`` draw
    shared by all arms and seeds, or None for w ≡ 1 (then each array is ``(1, S_a)``).
    clusters: ``(n,)`` int unit (parallel-id index) of each example, or None when every
    example is its own unit (``n_units == n``). workers: threads over weight blocks (numpy
    releases the GIL while generating and multiplying; results do not depend on it).
    Memory: ``workers`` weight blocks plus ``(B, ΣS_a·k)`` totals.
    """
    if weights is None:
        arrays = _check_stats(stats)
        return _split_scores(_columns(arrays).sum(axis=0, keepdims=True), arrays, metric)
    return shared_weight_replicates([(stats, clusters)], metric, weights, workers)[0]


def shared_weight_replicates(
    cells: Sequence[tuple[Sequence[np.ndarray], np.ndarray | None]],
    metric: Metric,
    weights: ExampleWeights,
    workers: int = 1,
) -> list[list[np.ndarray]]:
    """`seed_score_replicates` for several cells resampled by the SAME weights, in one pass.

    cells: ``[(stats per arm (S_a, n_c, k), clusters (n_c,) or None), ...]`` — typically the
    languages of a parallel test set, each mapping its examples to the task's parallel ids.
    Each weight block is generated once and multiplied with every cell's unit sums. Returns,
    per cell, the per-arm ``(B, S_a)`` list.
    """
    checked = [_check_stats(stats) for stats, _ in cells]
    if not checked:
        raise AblateError("shared_weight_replicates needs at least one cell; got none.")
    blocks = [_unit_sums(_columns(a), c, weights.n_units) for a, (_, c) in zip(checked, cells)]
    totals = _weighted_totals(np.concatenate(blocks, axis=1), weights, workers)
    out, col = [], 0
    for arrays, block in zip(checked, blocks):
        out.append(_split_scores(totals[:, col : col + block.shape[1]], arrays, metric))
        col += block.shape[1]
    return out


def arm_replicates(scores: np.ndarray, seed_indices: np.ndarray | None) -> np.ndarray:
    """Arm score per replicate, ``mean_j scores[b, σ_bj]``: ``(R, S), (B, S') -> (B,)``.

    ``scores`` is one arm's output of `seed_score_replicates` (R = B, or R = 1 for w ≡ 1, then
    broadcast over replicates). ``seed_indices=None`` keeps every seed: ``(R, S) -> (R,)``.
    """
    scores = np.asarray(scores, dtype=np.float64)
    if seed_indices is None:
        return scores.mean(axis=1)
    seed_indices = np.asarray(seed_indices)
    if scores.shape[0] == 1:
        return scores[0][seed_indices].mean(axis=1)
    if scores.shape[0] != seed_indices.shape[0]:
        raise AblateError(
            f"Seed draws have {seed_indices.shape[0]} replicates but the example weights have "
            f"{scores.shape[0]}; draw both with the same B."
        )
    return np.take_along_axis(scores, seed_indices, axis=1).mean(axis=1)


def summarize(delta: float, replicates: np.ndarray, level: float = 0.95) -> BootstrapResult:
    """Percentile CI and two-sided p from replicates ``(B,)`` of an estimate ``delta``.

    p = (1 + #{|Δ^b − Δ̂| ≥ |Δ̂|}) / (B + 1): the bootstrap distribution shifted to the null
    (Δ = 0); p = 1 whenever Δ̂ = 0. The smallest attainable p is 1/(B + 1).
    """
    replicates = np.asarray(replicates, dtype=np.float64)
    if replicates.ndim != 1 or replicates.size == 0:
        raise AblateError(f"replicates must be a non-empty (B,) array, got {replicates.shape}.")
    if not np.all(np.isfinite(replicates)) or not np.isfinite(delta):
        raise AblateError(
            "Bootstrap replicates are not finite: a resample has an empty denominator "
            "(e.g. accuracy over zero examples); check the statistics and clusters."
        )
    if not 0 < level < 1:
        raise AblateError(f"level must be in (0, 1), got {level}.")
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(replicates, [tail, 1.0 - tail])
    extreme = np.count_nonzero(np.abs(replicates - delta) >= abs(delta))
    p = (1.0 + extreme) / (replicates.size + 1.0)
    return BootstrapResult(float(delta), float(low), float(high), float(p), level, replicates)


def aggregate(results: Sequence[BootstrapResult], level: float | None = None) -> BootstrapResult:
    """Mean of several results from the SAME replicates (cells → task, tasks → XTREME).

    Δ̂ and every Δ^b are averaged over ``results``; valid only when the draws were shared as
    the module docstring describes (replicate b of every input from the same seed draw).
    """
    if not results:
        raise AblateError("aggregate needs at least one result; got none.")
    sizes = {r.n_replicates for r in results}
    if len(sizes) != 1:
        raise AblateError(f"Results to aggregate must have the same B, got {sorted(sizes)}.")
    reps = np.mean([r.replicates for r in results], axis=0)
    delta = float(np.mean([r.delta for r in results]))
    return summarize(delta, reps, results[0].level if level is None else level)


def paired_bootstrap(
    stats_a: np.ndarray,
    stats_b: np.ndarray,
    metric: Metric,
    *,
    seed_draws: tuple[np.ndarray, np.ndarray],
    weights: ExampleWeights,
    clusters: np.ndarray | None = None,
    level: float = 0.95,
) -> BootstrapResult:
    """Crossed paired bootstrap of Δ = M_A − M_B for one cell.

    stats_a ``(S_A, n, k)``, stats_b ``(S_B, n, k)``: rows aligned by example id. seed_draws:
    ``((B, S_A), (B, S_B))`` from `draw_seed_indices` (shared across a task's languages).
    weights: ``(B, n_units)`` from `draw_example_weights`; clusters ``(n,)`` maps examples to
    units when the weights are over parallel ids. Returns Δ̂, CI, p and the ``(B,)`` replicates.
    """
    scores = seed_score_replicates([stats_a, stats_b], metric, weights, clusters)
    full = seed_score_replicates([stats_a, stats_b], metric)
    delta = float(full[0].mean() - full[1].mean())
    reps = arm_replicates(scores[0], seed_draws[0]) - arm_replicates(scores[1], seed_draws[1])
    return summarize(delta, reps, level)
