"""Pure-numpy statistics of the paired significance report (design: docs/statistics.md).

Per-example sufficient statistics ``(S seeds, n examples, k stats)`` per arm and cell go in;
dataclasses and arrays come out. Every random function takes an explicit Generator.
"""

from ablate.stats.bootstrap import (
    BootstrapResult,
    aggregate,
    arm_replicates,
    paired_bootstrap,
    seed_score_replicates,
    shared_weight_replicates,
    summarize,
)
from ablate.stats.draws import ExampleWeights, draw_example_weights, draw_seed_indices
from ablate.stats.metrics import ACCURACY, F1_COUNTS, SPAN_QA, Metric, per_seed_scores
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
from ablate.stats.variance import VarianceDecomposition, variance_decomposition

__all__ = [
    "ACCURACY", "F1_COUNTS", "SPAN_QA", "BootstrapResult", "ExampleWeights", "Metric",
    "PermutationResult", "ProbabilityOfImprovement", "SeedSummary", "VarianceDecomposition",
    "WelchResult", "WinCount", "aggregate", "arm_replicates", "benjamini_hochberg", "count_wins",
    "draw_example_weights", "draw_seed_indices", "holm", "paired_bootstrap", "per_seed_scores",
    "permutation_test", "probability_of_improvement", "resolve_replicates",
    "seed_score_replicates", "seed_summary", "shared_weight_replicates", "summarize",
    "variance_decomposition", "welch_t",
]
