"""The default test: variance components of a crossed (seed × example) design, t reference.

Model of one arm's score on example i with fine-tuning seed s (after linearising the corpus
metric, see `linearise`): ``y_si = μ + e_i + b_s + ε_si`` — an example effect e (what the test
set samples), a seed effect b (shared by every language of a task: one fine-tuned model per seed)
and a seed × example residual ε (the model's own test noise). Δ̂ = mean_s ȳ_A,s − mean_s ȳ_B,s
has variance

    Var(Δ̂) = Var(e_A − e_B)/n  +  [σ_b,A² + σ_ε,A²/n]/S_A + [σ_b,B² + σ_ε,B²/n]/S_B

The bracketed terms are exactly the variance of one seed's corpus score, so the *seed part* is
estimated by the between-seed spread of per-seed scores (paired seeds: of per-seed differences),
with S − 1 degrees of freedom. The *example part* is estimated from the seed-averaged per-example
difference d_i, whose spread also contains the residual noise σ_ε²/S already counted in the seed
part; that share is estimated from the seed × example residuals and subtracted (method of
moments, truncated at 0). Δ̂ / √(V_seed + V_ex) is referred to a t distribution with
Welch–Satterthwaite degrees of freedom.

Why not the crossed bootstrap: resampling S seeds shrinks the seed variance by (S − 1)/S, has
light tails with 3–5 seeds and, combined with example weights, counts σ_ε²/n twice — it is
anti-conservative when seed noise dominates and conservative when it is absent (docs/statistics.md
has the simulation tables). This estimator is unbiased in every regime and its t reference
carries the uncertainty of a (S − 1)-df variance estimate.

Levels: a task's Δ is the mean of its language cells, the overall Δ the mean of the tasks. The
seed part is recomputed from the per-seed scores *of that level* (so a seed effect shared by all
languages is not averaged away), the example part adds up over independent test sets and, for a
parallel test set, is computed over parallel ids (the same example translated into every language
is one sampling unit). Every array may carry leading batch dimensions ``(...)`` — simulations
test thousands of data sets in one call.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

from ablate.errors import AblateError

FLOOR_BELOW_SEEDS = 4  # the seed part is floored at the residual noise only with fewer seeds
METHOD = "variance components (seed spread + corrected example variance), Welch–Satterthwaite t"


@dataclass(frozen=True)
class Moments:
    """What a level's test needs. seeds_a ``(..., S_A)``, seeds_b ``(..., S_B)``: per-seed scores
    at this level (paired: seed j of both arms share randomness). example_raw ``(...)``: the
    variance estimate of the seed-averaged example difference's mean; noise ``(...)``: the part of
    it that is seed × example residual (already in the seed part). units: sampling units behind
    example_raw (its degrees of freedom + 1)."""

    seeds_a: np.ndarray
    seeds_b: np.ndarray
    paired: bool
    example_raw: np.ndarray
    noise: np.ndarray
    units: int

    @property
    def delta(self) -> np.ndarray:
        return self.seeds_a.mean(axis=-1) - self.seeds_b.mean(axis=-1)


@dataclass(frozen=True)
class ComponentsResult:
    """Δ̂, its (1 − α) t interval, two-sided p, the variance parts and the t degrees of freedom.

    p, low, high are NaN where the test is refused (fewer than 2 seeds in an arm)."""

    delta: np.ndarray
    low: np.ndarray
    high: np.ndarray
    p: np.ndarray
    df: np.ndarray
    var_seeds: np.ndarray
    var_examples: np.ndarray
    level: float

    @property
    def seed_share(self) -> np.ndarray:
        total = self.var_seeds + self.var_examples
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(total > 0, self.var_seeds / np.where(total > 0, total, 1.0), np.nan)


def linearise(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """Per-example scores whose mean is the ratio metric Σa/Σb, to first order around it.

    numerator, denominator ``(..., n)`` per-example a_i, b_i → ``(..., n)``
    ``y_i = g + n (a_i − g b_i) / Σb`` with g = Σa/Σb (0 where Σb = 0). For accuracy (b ≡ 1)
    y_i is the correctness itself; for F1 from counts it is the usual influence-function term.
    """
    a = np.asarray(numerator, dtype=np.float64)
    b = np.asarray(denominator, dtype=np.float64)
    n = a.shape[-1]
    sa, sb = a.sum(axis=-1, keepdims=True), b.sum(axis=-1, keepdims=True)
    safe = np.where(sb != 0, sb, 1.0)
    g = np.where(sb != 0, sa / safe, 0.0)
    return g + n * (a - g * b) / safe


def _residual_variance(y: np.ndarray) -> np.ndarray:
    """σ̂_ε² from the two-way residuals of ``y (..., S, n)``: ``(...)``; 0 when S < 2 or n < 2."""
    s, n = y.shape[-2], y.shape[-1]
    if s < 2 or n < 2:
        return np.zeros(y.shape[:-2])
    col = y.mean(axis=-2, keepdims=True)
    row = y.mean(axis=-1, keepdims=True)
    grand = row.mean(axis=-2, keepdims=True)
    within = ((y - col) ** 2).sum(axis=(-2, -1)) - n * ((row - grand) ** 2).sum(axis=(-2, -1))
    return np.maximum(within, 0.0) / ((s - 1) * (n - 1))


def _profile(y_a: np.ndarray, y_b: np.ndarray, paired: bool) -> tuple[np.ndarray, np.ndarray]:
    """Seed-averaged per-example difference ``(..., n)`` and its residual-noise variance per
    example ``(...)`` (σ_ε²/S summed over arms, or of the paired differences)."""
    if paired:
        z = y_a - y_b
        return z.mean(axis=-2), _residual_variance(z) / z.shape[-2]
    return (y_a.mean(axis=-2) - y_b.mean(axis=-2),
            _residual_variance(y_a) / y_a.shape[-2] + _residual_variance(y_b) / y_b.shape[-2])


def _check_pair(y_a: np.ndarray, y_b: np.ndarray, paired: bool) -> tuple[np.ndarray, np.ndarray]:
    y_a, y_b = np.asarray(y_a, dtype=np.float64), np.asarray(y_b, dtype=np.float64)
    if y_a.ndim < 2 or y_a.shape[-1] != y_b.shape[-1] or y_a.shape[:-2] != y_b.shape[:-2] or 0 in y_a.shape:
        raise AblateError(f"Per-example scores must be (..., seeds, examples) arrays aligned by example; "
                          f"got {y_a.shape} and {y_b.shape}.")
    if paired and y_a.shape != y_b.shape:
        raise AblateError(f"Paired seeds need the same seeds in both arms; got {y_a.shape} and {y_b.shape}.")
    return y_a, y_b


def cell_moments(y_a: np.ndarray, y_b: np.ndarray, paired: bool) -> Moments:
    """Moments of one cell from linearised per-example scores ``(..., S_a, n)`` per arm."""
    y_a, y_b = _check_pair(y_a, y_b, paired)
    d, noise = _profile(y_a, y_b, paired)
    n = d.shape[-1]
    raw = d.var(axis=-1, ddof=1) / n if n > 1 else np.zeros(d.shape[:-1])
    return Moments(y_a.mean(axis=-1), y_b.mean(axis=-1), paired, raw, noise / n, n)


def parallel_moments(cells: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]], n_units: int,
                     paired: bool) -> Moments:
    """Moments of a task whose languages translate the same examples (sampling unit = parallel id).

    cells: per language ``(y_a (..., S_A, n_l), y_b (..., S_B, n_l), units (n_l,) ints in
    [0, n_units))``. The task Δ is the mean over languages of the cell Δs; its example part is
    the spread over units of each unit's summed contribution Σ_l Σ_{i∈u} d_li / (n_l L).
    """
    if not cells:
        raise AblateError("parallel_moments needs at least one language cell; got none.")
    big_l = len(cells)
    contrib, noise, seeds_a, seeds_b = None, 0.0, [], []
    for y_a, y_b, units in cells:
        y_a, y_b = _check_pair(y_a, y_b, paired)
        d, cell_noise = _profile(y_a, y_b, paired)
        n = d.shape[-1]
        units = np.asarray(units)
        if units.shape != (n,) or units.min() < 0 or units.max() >= n_units:
            raise AblateError(f"units must be ({n},) ints in [0, {n_units}); got {units.shape}.")
        per_unit = np.zeros((n_units, *d.shape[:-1]))  # units first: np.add.at indexes axis 0
        np.add.at(per_unit, units, np.moveaxis(d, -1, 0) / (n * big_l))
        per_unit = np.moveaxis(per_unit, 0, -1)
        contrib = per_unit if contrib is None else contrib + per_unit
        noise = noise + cell_noise / n / big_l**2
        seeds_a.append(y_a.mean(axis=-1))
        seeds_b.append(y_b.mean(axis=-1))
    raw = n_units * contrib.var(axis=-1, ddof=1) if n_units > 1 else np.zeros(contrib.shape[:-1])
    return Moments(np.mean(seeds_a, axis=0), np.mean(seeds_b, axis=0), paired, raw,
                   np.broadcast_to(noise, raw.shape).copy(), n_units)


def mean_moments(parts: Sequence[Moments]) -> Moments:
    """Moments of the unweighted mean of levels with independent test sets (cells → task of a
    non-parallel test set, tasks → overall): seed scores average, example parts add up / L²."""
    if not parts:
        raise AblateError("mean_moments needs at least one level; got none.")
    if len({m.paired for m in parts}) != 1:
        raise AblateError("Cannot average paired and unpaired levels.")
    k = len(parts)
    return Moments(np.mean([m.seeds_a for m in parts], axis=0), np.mean([m.seeds_b for m in parts], axis=0),
                   parts[0].paired, sum(m.example_raw for m in parts) / k**2, sum(m.noise for m in parts) / k**2,
                   min(m.units for m in parts))


def _seed_part(m: Moments) -> tuple[np.ndarray, np.ndarray]:
    """Seed variance of Δ̂ and its squared-variance/df term for Satterthwaite (``(...)`` each)."""
    if m.paired:
        s = m.seeds_a.shape[-1]
        v = (m.seeds_a - m.seeds_b).var(axis=-1, ddof=1) / s
        return v, v**2 / (s - 1)
    sa, sb = m.seeds_a.shape[-1], m.seeds_b.shape[-1]
    va = m.seeds_a.var(axis=-1, ddof=1) / sa
    vb = m.seeds_b.var(axis=-1, ddof=1) / sb
    return va + vb, va**2 / (sa - 1) + vb**2 / (sb - 1)


def components_test(m: Moments, alpha: float = 0.05) -> ComponentsResult:
    """Two-sided t test and (1 − α) interval of Δ at one level (see the module docstring)."""
    if not 0 < alpha < 1:
        raise AblateError(f"alpha must be in (0, 1), got {alpha}.")
    delta = m.delta
    if min(m.seeds_a.shape[-1], m.seeds_b.shape[-1]) < 2:
        nan = np.full(np.shape(delta), np.nan)
        return ComponentsResult(delta, nan, nan, nan, nan, nan, nan, 1 - alpha)
    v_seed, seed_term = _seed_part(m)
    # With 3 seeds the seed part has 2 df, and one that happens to be small made the test liberal
    # (7–8 % A/A): floor it at the residual noise it contains (σ_b² ≥ 0). From 4 seeds on the t
    # reference carries that uncertainty and the floor only adds bias — E[max(v, noise)] > noise
    # when σ_b = 0 made the test conservative (2.4–3.6 % where test-set noise dominates).
    floor = (v_seed < m.noise) & (min(m.seeds_a.shape[-1], m.seeds_b.shape[-1]) < FLOOR_BELOW_SEEDS)
    v_seed = np.where(floor, m.noise, v_seed)
    seed_term = np.where(floor, v_seed**2 / max(m.units - 1, 1), seed_term)  # residuals: ≥ n − 1 df
    v_ex = np.maximum(m.example_raw - m.noise, 0.0)
    total = v_seed + v_ex
    ex_term = v_ex**2 / max(m.units - 1, 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        df = np.where(total > 0, total**2 / np.maximum(seed_term + ex_term, 1e-300), np.inf)
        se = np.sqrt(total)
        t = np.where(total > 0, np.abs(delta) / np.where(total > 0, se, 1.0), np.where(delta == 0, 0.0, np.inf))
    df = np.maximum(df, 1.0)
    p = 2 * sps.t.sf(t, df)
    half = sps.t.ppf(1 - alpha / 2, df) * se
    return ComponentsResult(delta, delta - half, delta + half, p, df, v_seed, v_ex, 1 - alpha)


def joint_replicates(parts: Sequence[Moments], rng: np.random.Generator, n_replicates: int,
                     alpha: float = 0.05) -> np.ndarray:
    """Replicates Δ^b ``(A, B)`` of several arms against the same baseline at one level, drawn
    jointly from the default test's sampling distribution (for post-hoc selections such as "the
    best arm per task", which need the arms' joint behaviour; one level, no batch axes).

    Per replicate: the arms' seed parts share one draw from the observed between-seed covariance
    (paired: of per-seed differences), each arm's test-set part is an independent normal, and a
    common χ² divisor gives the t tails of the test's degrees of freedom (the smallest over arms).
    Each arm's replicate variance matches its own V_seed + V_test.
    """
    tests = [components_test(m, alpha) for m in parts]
    if any(not np.isfinite(float(t.p)) for t in tests):  # one seed: nothing to resample
        return np.repeat(np.array([[float(t.delta)] for t in tests]), n_replicates, axis=1)
    df = min(float(t.df) for t in tests)

    def mean_draw(seeds: np.ndarray, g: np.ndarray) -> np.ndarray:  # (K, S) -> (B, K): N(0, Σ̂/S)
        s = seeds.shape[-1]
        centred = seeds - seeds.mean(axis=-1, keepdims=True)
        return g @ centred.T / np.sqrt((s - 1) * s)

    if parts[0].paired:
        diffs = np.stack([m.seeds_a - m.seeds_b for m in parts])
        seed = mean_draw(diffs, rng.standard_normal((n_replicates, diffs.shape[-1])))
    else:
        base = mean_draw(parts[0].seeds_b[None, :], rng.standard_normal((n_replicates, parts[0].seeds_b.size)))
        seed = np.concatenate([mean_draw(m.seeds_a[None, :], rng.standard_normal((n_replicates, m.seeds_a.size)))
                               for m in parts], axis=1) - base
    with np.errstate(invalid="ignore", divide="ignore"):  # match each arm's floored seed variance
        scale = np.sqrt(np.array([float(t.var_seeds) for t in tests]) / seed.var(axis=0))
    seed = seed * np.where(np.isfinite(scale), scale, 0.0)
    test = rng.standard_normal(seed.shape) * np.sqrt([float(t.var_examples) for t in tests])
    tails = np.sqrt(rng.chisquare(df, n_replicates) / df)[:, None] if np.isfinite(df) else 1.0
    return (np.array([float(t.delta) for t in tests]) + (seed + test) / tails).T
