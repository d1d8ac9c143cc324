"""Seed-level tests, reported beside the default test: one corpus score per seed and arm.

Inputs are per-seed corpus metrics, ``a: (S_A,)`` and ``b: (S_B,)`` (e.g. from
`per_seed_scores`). With few seeds these tests are coarse by construction: the exact sign-flip
test on 5 paired seeds cannot go below p = 2/2^5 = 0.0625, so the minimum attainable p is always
returned next to p. Callers should warn when S < 5.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

from ablate.errors import AblateError

MAX_EXACT = 100_000  # enumerate all 2^S sign flips / C(N, S_A) splits up to this many
_RTOL = 1e-12  # |T*| ≥ |T| up to float rounding of re-ordered sums


@dataclass(frozen=True)
class SeedSummary:
    """Mean ± SD (ddof=1; NaN when n < 2) of an arm's per-seed scores."""

    mean: float
    sd: float
    n: int


@dataclass(frozen=True)
class PermutationResult:
    """Two-sided permutation test of the mean difference over seeds.

    ``min_p`` is the smallest p this design can produce (2/2^S paired, 2/C(2S, S) or 1/C(N, S_A)
    unpaired, 1/(R+1) Monte-Carlo); ``n_permutations`` is 2^S / C(N, S_A) when exact, else R.
    """

    statistic: float
    p: float
    min_p: float
    exact: bool
    n_permutations: int


@dataclass(frozen=True)
class ProbabilityOfImprovement:
    """P(A > B) = U / (S_A·S_B) (ties ½) with a percentile bootstrap CI over seeds."""

    p: float
    low: float
    high: float


@dataclass(frozen=True)
class WelchResult:
    """Welch's unequal-variance t test (scipy), a parametric reference."""

    t: float
    p: float
    df: float


def _scores(x: np.ndarray, name: str, minimum: int = 1) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1 or x.size < minimum or not np.all(np.isfinite(x)):
        raise AblateError(
            f"{name} must be a 1-D array of at least {minimum} finite per-seed scores, got "
            f"shape {x.shape}."
        )
    return x


def seed_summary(scores: np.ndarray) -> SeedSummary:
    """Mean and SD (ddof=1) of per-seed scores ``(S,)``."""
    x = _scores(scores, "scores")
    sd = float(np.std(x, ddof=1)) if x.size > 1 else float("nan")
    return SeedSummary(float(x.mean()), sd, int(x.size))


def _count_extreme(t_star: np.ndarray, t_obs: float) -> int:
    return int(np.count_nonzero(np.abs(t_star) >= abs(t_obs) * (1.0 - _RTOL)))


def _sign_flip(d: np.ndarray, rng, max_exact: int, n_resamples: int) -> PermutationResult:
    s = d.size
    t_obs = float(d.mean())
    if 2**s <= max_exact:
        bits = (np.arange(2**s)[:, None] >> np.arange(s)) & 1
        t_star = (1 - 2 * bits) @ d / s
        count = _count_extreme(t_star, t_obs)
        return PermutationResult(t_obs, count / 2**s, 2 / 2**s, True, 2**s)
    signs = 1 - 2 * _generator(rng).integers(0, 2, size=(n_resamples, s))
    count = _count_extreme(signs @ d / s, t_obs)
    return PermutationResult(
        t_obs, (1 + count) / (n_resamples + 1), 1 / (n_resamples + 1), False, n_resamples
    )


def _relabel(a: np.ndarray, b: np.ndarray, rng, max_exact: int, n_resamples: int):
    x = np.concatenate([a, b])
    n, k = x.size, a.size
    t_obs = float(a.mean() - b.mean())
    total = x.sum()
    n_splits = math.comb(n, k)
    if n_splits <= max_exact:
        picks = np.array(list(itertools.combinations(range(n), k)))
        exact, n_perm = True, n_splits
    else:
        gen = _generator(rng)
        picks = np.argsort(gen.random((n_resamples, n)), axis=1)[:, :k]
        exact, n_perm = False, n_resamples
    in_a = x[picks].sum(axis=1)
    t_star = in_a / k - (total - in_a) / (n - k)
    count = _count_extreme(t_star, t_obs)
    if exact:
        # Swapping equal-sized arms gives −T, so two splits always reach the observed |T|.
        min_p = (2 if 2 * k == n else 1) / n_perm
        return PermutationResult(t_obs, count / n_perm, min_p, True, n_perm)
    return PermutationResult(t_obs, (1 + count) / (n_perm + 1), 1 / (n_perm + 1), False, n_perm)


def _generator(rng) -> np.random.Generator:
    if rng is None:
        raise AblateError(
            "Too many permutations to enumerate: pass rng (a numpy Generator or int seed) for "
            "the Monte-Carlo test, or raise max_exact."
        )
    return np.random.default_rng(rng)


def permutation_test(
    a: np.ndarray,
    b: np.ndarray,
    *,
    paired: bool,
    rng: np.random.Generator | int | None = None,
    max_exact: int = MAX_EXACT,
    n_resamples: int = 9_999,
) -> PermutationResult:
    """Two-sided permutation test of mean(a) − mean(b) over seeds.

    a ``(S_A,)``, b ``(S_B,)`` per-seed scores. paired=True: a[j], b[j] share seed j; the null
    flips the sign of each difference (needs S_A == S_B). paired=False: labels are permuted
    over the pooled S_A + S_B scores. Exact enumeration when it has ≤ ``max_exact`` members,
    else ``n_resamples`` Monte-Carlo draws from ``rng`` (p = (1 + count)/(R + 1)).
    """
    a, b = _scores(a, "a"), _scores(b, "b")
    if paired:
        if a.size != b.size:
            raise AblateError(
                f"Paired seeds need equal numbers of seeds, got {a.size} and {b.size}; "
                "use paired=False."
            )
        return _sign_flip(a - b, rng, max_exact, n_resamples)
    return _relabel(a, b, rng, max_exact, n_resamples)


def probability_of_improvement(
    a: np.ndarray,
    b: np.ndarray,
    rng: np.random.Generator | int,
    n_resamples: int = 2_000,
    level: float = 0.95,
    paired: bool = False,
) -> ProbabilityOfImprovement:
    """P(A > B) over seeds, ties counted ½, with a percentile bootstrap CI.

    a ``(S_A,)``, b ``(S_B,)``. paired=False: Mann–Whitney U / (S_A·S_B), every seed of A against
    every seed of B; the CI resamples seeds within each arm (stratified, as rliable does).
    paired=True (seed j of both arms shares its randomness, as Δ pairs them): the share of seeds
    with a[j] > b[j]; the CI resamples seed pairs — identical arms give 0.5 [0.5, 0.5].
    """
    a, b = _scores(a, "a"), _scores(b, "b")
    gen = np.random.default_rng(rng)
    tail = (1.0 - level) / 2.0
    if paired:
        if a.size != b.size:
            raise AblateError(f"Paired seeds need equal numbers of seeds, got {a.size} and {b.size}.")
        wins = (a > b) + 0.5 * (a == b)
        boot = wins[gen.integers(0, a.size, size=(n_resamples, a.size))].mean(axis=1)
        low, high = np.quantile(boot, [tail, 1.0 - tail])
        return ProbabilityOfImprovement(float(wins.mean()), float(low), float(high))

    def prob(x: np.ndarray, y: np.ndarray) -> np.ndarray:  # (..., S_A), (..., S_B) -> (...)
        diff = x[..., :, None] - y[..., None, :]
        return ((diff > 0) + 0.5 * (diff == 0)).mean(axis=(-2, -1))

    ra = a[gen.integers(0, a.size, size=(n_resamples, a.size))]
    rb = b[gen.integers(0, b.size, size=(n_resamples, b.size))]
    low, high = np.quantile(prob(ra, rb), [tail, 1.0 - tail])
    return ProbabilityOfImprovement(float(prob(a, b)), float(low), float(high))


def welch_t(a: np.ndarray, b: np.ndarray) -> WelchResult:
    """Welch's t test of a ``(S_A,)`` vs b ``(S_B,)`` (scipy.stats.ttest_ind, equal_var=False)."""
    a, b = _scores(a, "a", 2), _scores(b, "b", 2)
    res = sps.ttest_ind(a, b, equal_var=False)
    return WelchResult(float(res.statistic), float(res.pvalue), float(res.df))
