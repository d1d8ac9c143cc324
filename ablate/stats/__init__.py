"""Pure-numpy statistics of the paired significance report (design: docs/statistics.md).

Per-example sufficient statistics ``(S seeds, n examples, k stats)`` per arm and cell go in;
dataclasses and arrays come out. Every random function takes an explicit Generator.
"""

from ablate.stats.metrics import ACCURACY, F1_COUNTS, MACRO_F1, SPAN_QA, Metric, per_seed_scores
from ablate.stats.multiplicity import (
    WinCount,
    benjamini_hochberg,
    count_wins,
    holm,
    resolve_replicates,
)
from ablate.stats.seeds import (
    PermutationResult,
    ProbabilityOfImprovement,
    SeedSummary,
    WelchResult,
    permutation_test,
    probability_of_improvement,
    seed_summary,
    welch_t,
)
from ablate.stats.replicates import ReplicateSummary, summarize

__all__ = [
    "ACCURACY", "F1_COUNTS", "MACRO_F1", "SPAN_QA", "Metric", "PermutationResult", "ProbabilityOfImprovement",
    "ReplicateSummary", "SeedSummary", "WelchResult", "WinCount", "benjamini_hochberg",
    "count_wins", "holm", "per_seed_scores", "permutation_test", "probability_of_improvement",
    "resolve_replicates", "seed_summary", "summarize", "welch_t",
]
