"""Metrics as per-example sufficient statistics plus an aggregation (sacrebleu's split).

The contract every metric follows (a module, or an object such as `MacroF1(labels)`):

- `stat_names`: tuple of the k column names of the statistics.
- a stats function (module-specific inputs, usually `stats(predictions, golds, ...)`) returning
  an array of shape `(n_examples, k)` — one row per example (per question, sentence, or source
  sentence for BUCC), in input order.
- `aggregate(totals) -> dict[str, float | ndarray]`: corpus metrics (×100) from summed
  statistics. `totals` has shape `(..., k)` and results shape `(...)`: a float for one corpus
  (`stats.sum(axis=0)`), an array for bootstrap replicates (`weights @ stats`, shape (B, k)).
- `primary`: the key of `aggregate`'s result that XTREME uses for the task.

`aggregate(stats(...).sum(axis=0))` equals the official script's corpus score (up to
floating-point summation order). Modules:

| module | tasks | stat_names | primary |
|---|---|---|---|
| classification | XNLI, PAWS-X, multiple choice | (correct, n) | accuracy |
| classification.MacroF1 | classification (macro-F1) | (tp:c, pred:c, gold:c) per class | macro_f1 |
| squad | XQuAD, TyDiQA-GoldP, SQuAD v1.1/v2.0 | (em, f1, n) | em_f1 = (EM+F1)/2 |
| mlqa | MLQA (language-aware normalisation) | (em, f1, n) | em_f1 |
| seqeval_f1 | PAN-X, UD-POS, tagging | (tp, n_pred, n_gold) per sentence | f1 |
| seqeval_f1.type_stats + MacroF1 | PAN-X, UD-POS (macro-F1 over chunk types) | (tp:t, pred:t, gold:t) per type | macro_f1 |
| retrieval | Tatoeba (cosine top-1) | (correct, n) per English sentence | accuracy |
| bucc | BUCC 2018 (margin mining) | (tp, n_pred, n_gold) per source sentence | f1 |

`xtreme_score` averages per-language results into task, category and overall XTREME scores.
"""

from __future__ import annotations

from ablate.metrics import bucc, classification, mlqa, retrieval, seqeval_f1, squad

# XTREME target task → the module that scores it (MLQA also needs the language code).
TASK_METRICS = {
    "xnli": classification,
    "pawsx": classification,
    "udpos": seqeval_f1,
    "panx": seqeval_f1,
    "xquad": squad,
    "mlqa": mlqa,
    "tydiqa": squad,
    "bucc2018": bucc,
    "tatoeba": retrieval,
}

__all__ = ["TASK_METRICS", "bucc", "classification", "mlqa", "retrieval", "seqeval_f1", "squad"]
