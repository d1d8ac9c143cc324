"""Per-language sampling for MLM, exponentially smoothed by corpus size (Conneau et al. 2020).

With p_i = n_i / Σ n the share of language i in the corpus, text is drawn with probability
q_i = p_i^α / Σ_j p_j^α: α = 1 keeps the corpus proportions, α = 0 is uniform, XLM-R's α = 0.3
raises small languages. The token budget is split by q_i.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np


def smoothed_shares(sizes: Mapping[str, float], alpha: float) -> dict[str, float]:
    """q_i ∝ (n_i / Σ n)^α over the languages of `sizes` (n_i > 0, any unit: bytes, tokens)."""
    langs = list(sizes)
    n = np.array([float(sizes[lang]) for lang in langs])
    if not len(n) or np.any(n <= 0):
        raise ValueError(f"every language needs a positive size, got {dict(sizes)}")
    q = (n / n.sum()) ** alpha
    q /= q.sum()
    return dict(zip(langs, q.tolist()))


def split_budget(shares: Mapping[str, float], budget: int) -> dict[str, int]:
    """Whole tokens per language, summing to `budget` (largest remainders get the rest)."""
    langs = list(shares)
    exact = np.array([shares[lang] for lang in langs]) * budget
    whole = np.floor(exact).astype(int)
    for i in np.argsort(-(exact - whole), kind="stable")[: budget - int(whole.sum())]:
        whole[i] += 1
    return dict(zip(langs, whole.tolist()))


class LanguageSampler:
    """Draws the language of each MLM sequence with probabilities `shares` (seeded)."""

    def __init__(self, shares: Mapping[str, float], seed: int):
        self.langs: Sequence[str] = list(shares)
        self.p = np.array([shares[lang] for lang in self.langs])
        self.rng = np.random.default_rng(seed)

    def draw(self, n: int) -> list[str]:
        idx = self.rng.choice(len(self.langs), size=n, p=self.p)
        return [self.langs[i] for i in idx]
