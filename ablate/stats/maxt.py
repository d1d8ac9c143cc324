"""k̂ of L: which members of a family (a task's languages, the average's tasks) are significantly
ahead, with a step-down max-T adjustment that knows the members share fine-tuning seeds.

One fine-tuned model per seed serves every language of a task, so a lucky seed moves all of the
languages' Δ̂ together: their t statistics are positively correlated. Holm controls the
family-wise error under any dependence by assuming the worst case, and with a dominant seed
effect it reached only 2–3 % "k̂ ≥ 1" under no effect (α = 5 %), while with few seeds and
independent languages it exceeded 9 % (its per-member p values inherit the t reference's tails).
The max-T adjustment refers each |t| to the distribution of the family's maximum instead
(Westfall & Young 1993, step-down; Hothorn, Bretz & Westfall 2008 for the parametric form):

    T_l = Z_l / q_l,   Z ~ N(0, R),   R_lm = a_l a_m,   a_l = √(c / V_l),

a one-factor correlation: c is the covariance every pair of members shares through the seeds
(pooled over all pairs from the per-seed scores, so it has many more degrees of freedom than an
unstructured S × S estimate), V_l the member's variance from the default test. The denominators
q_l² ~ χ²_ν/ν are the other half: each V̂_l is a seed part estimated from the same S seeds and a
test-set part from the member's own test set. Where the shared seed covariance makes up V_l the
q_l move together (one q for the family, ν the smallest member's Welch–Satterthwaite degrees of
freedom); where test noise does they are independent (each with its own ν_l). The adjustment
mixes the two limits with weight ρ̄ = mean(a_l²), the share of the members' variance that is
shared. Calibrated on simulations (docs/statistics.md), "k̂ ≥ 1" under no effect stayed within
4–6 % for 4–10 seeds in all three regimes; one shared q alone ran at 2.7–3.6 % where test noise
dominates, independent q alone at 3.1–3.4 % where seed noise does. The test-set covariance of
translated (parallel) test sets is not modelled, which can only make the adjustment conservative
(it treats the languages as less dependent than they are).

P(max_l |T_l| ≥ t) is computed by quadrature, not simulation: Gauss–Hermite nodes over the
factor and over q's quantiles, so a report is deterministic. Every array may carry
leading batch dimensions ``(...)`` — simulations adjust thousands of families in one call.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import stats as sps
from scipy.special import ndtr

from ablate.stats.components import Moments

# The factor w: an even grid, not Gauss–Hermite nodes. Given w a member's |T| < t is a step of
# width √(1 − a²) in w; with a near 1 that step falls between 32 Hermite nodes (the one-member
# p, which cannot depend on a, came out 14 % low at a = 0.999), while 128 even nodes over ±8.5
# keep it within 1e-6 up to a = 0.995.
_FACTOR_NODES = np.linspace(-8.5, 8.5, 128)
_FACTOR_WEIGHTS = sps.norm.pdf(_FACTOR_NODES) / sps.norm.pdf(_FACTOR_NODES).sum()
# q's quadrature: Gauss–Hermite nodes mapped through the normal CDF onto χ²_ν quantiles, so the
# lower tail of q (which decides large |t|) is sampled as finely as the centre.
_SCALE_NODES, _SCALE_WEIGHTS = np.polynomial.hermite_e.hermegauss(32)  # p to 2e-5 relative at t = 8, ν = 3
_SCALE_WEIGHTS = _SCALE_WEIGHTS / _SCALE_WEIGHTS.sum()
_SCALE_LOWER = sps.norm.cdf(np.minimum(_SCALE_NODES, 0.0))  # P(χ² ≤ x) for nodes below 0
_SCALE_UPPER = sps.norm.sf(np.maximum(_SCALE_NODES, 0.0))  # P(χ² > x) above: Φ(8.9) rounds to 1
_MAX_LOADING = 0.995  # a_l = 1 would divide by zero; 0.995 is a correlation of 0.99 (grid above)


def shared_covariance(parts: Sequence[Moments]) -> np.ndarray:
    """c ``(...)``: the covariance of two members' Δ̂ through the seeds they share, pooled over
    all pairs (mean of the off-diagonal of the members' between-seed covariance / S), ≥ 0."""
    k = len(parts)
    if k < 2:
        return np.zeros(np.shape(parts[0].delta)) if parts else np.zeros(())

    def pooled(scores: np.ndarray) -> np.ndarray:  # (..., S, K) -> (...)
        s = scores.shape[-2]
        centred = scores - scores.mean(axis=-2, keepdims=True)
        cov = np.einsum("...sl,...sm->...lm", centred, centred) / (s - 1) / s
        return (cov.sum(axis=(-2, -1)) - np.trace(cov, axis1=-2, axis2=-1)) / (k * (k - 1))

    if parts[0].paired:
        c = pooled(np.stack([m.seeds_a - m.seeds_b for m in parts], axis=-1))
    else:
        c = (pooled(np.stack([m.seeds_a for m in parts], axis=-1))
             + pooled(np.stack([m.seeds_b for m in parts], axis=-1)))
    return np.maximum(c, 0.0)


def _chi_scale(df: np.ndarray) -> np.ndarray:
    """q = √(χ²_ν/ν) at the scale nodes ``(..., Q)`` for df ``(...)``."""
    nu = np.minimum(df, 1e6)[..., None]
    chi2 = np.where(_SCALE_NODES < 0, sps.chi2.ppf(_SCALE_LOWER, nu), sps.chi2.isf(_SCALE_UPPER, nu))
    return np.sqrt(chi2 / nu)


def _inside(bound: np.ndarray, a: np.ndarray) -> np.ndarray:
    """P(|a·w + √(1 − a²)·z| < bound | w) at the factor nodes w; broadcasts ``(..., G, L)``."""
    w = _FACTOR_NODES[:, None]
    spread = np.sqrt(1.0 - a**2)
    return ndtr((bound - a * w) / spread) - ndtr((-bound - a * w) / spread)


def _below_shared(threshold: np.ndarray, loading: np.ndarray, mask: np.ndarray, df: np.ndarray) -> np.ndarray:
    """P(max over masked members |T_l| < threshold) with one q for the family (df ``(...)``)."""
    bound = (threshold[..., None] * _chi_scale(df))[..., :, None, None]  # (..., Q, 1, 1)
    inside = np.where(mask[..., None, None, :], _inside(bound, loading[..., None, None, :]), 1.0)
    return (np.prod(inside, axis=-1) @ _FACTOR_WEIGHTS) @ _SCALE_WEIGHTS


def _below_independent(threshold: np.ndarray, loading: np.ndarray, mask: np.ndarray, df: np.ndarray) -> np.ndarray:
    """The same with each member's own q (df ``(..., L)``): given the factor, members are independent."""
    bound = (threshold[..., None, None] * _chi_scale(df))[..., None, :, :]  # (..., 1, L, Q)
    a = loading[..., None, :, None]  # (..., 1, L, 1)
    w = _FACTOR_NODES[:, None, None]  # (G, 1, 1)
    spread = np.sqrt(1.0 - a**2)
    inside = (ndtr((bound - a * w) / spread) - ndtr((-bound - a * w) / spread)) @ _SCALE_WEIGHTS  # (..., G, L)
    inside = np.where(mask[..., None, :], inside, 1.0)
    return np.prod(inside, axis=-1) @ _FACTOR_WEIGHTS


def stepdown(t: np.ndarray, df: np.ndarray, variance: np.ndarray, shared: np.ndarray) -> np.ndarray:
    """Step-down max-T adjusted two-sided p ``(..., L)`` in input order.

    t, df, variance ``(..., L)``: each member's t statistic (Δ̂/SE), degrees of freedom and
    variance V_l; shared ``(...)``: the pooled seed covariance c (`shared_covariance`).
    """
    t, df, variance = np.broadcast_arrays(*(np.asarray(x, dtype=np.float64) for x in (t, df, variance)))
    t = np.where(np.isnan(t), 0.0, t)  # 0/0: no difference and no spread
    shared = np.asarray(shared, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        loading = np.sqrt(np.clip(shared[..., None] / variance, 0.0, _MAX_LOADING**2))
    loading = np.where(np.isfinite(loading), loading, 0.0)
    nu = df.min(axis=-1)
    shared_share = np.mean(loading**2, axis=-1)  # ρ̄: the weight of the shared-q limit
    size = t.shape[-1]
    order = np.argsort(-np.abs(t), axis=-1, kind="stable")
    ranked = np.take_along_axis(np.abs(t), order, axis=-1)
    rank_of = np.argsort(order, axis=-1)  # each member's position in the ranking
    adjusted = np.empty(t.shape)
    for j in range(size):  # the j-th largest |t| against the maximum over the members ranked ≥ j
        remaining = rank_of >= j
        below = (shared_share * _below_shared(ranked[..., j], loading, remaining, nu)
                 + (1.0 - shared_share) * _below_independent(ranked[..., j], loading, remaining, df))
        adjusted[..., j] = 1.0 - below
    adjusted = np.minimum(np.maximum.accumulate(np.clip(adjusted, 0.0, 1.0), axis=-1), 1.0)
    return np.take_along_axis(adjusted, rank_of, axis=-1)
