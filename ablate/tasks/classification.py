"""Sentence and sentence-pair classification (NLI, paraphrase): one label per example.

Per-example sufficient statistics (STATISTICS.md): `correct`, `n`, and per class id c
`tp:c`, `pred:c`, `gold:c` (ablate.metrics.classification), so accuracy and macro-F1
re-derive exactly from column sums.
"""

from __future__ import annotations

import numpy as np

from ablate.metrics import classification as accuracy
from ablate.metrics.classification import MacroF1

from ablate.tasks.spec import TaskSpec

HEAD = "sequence_classification"
SELECTION_METRIC = "accuracy"  # English-dev metric for checkpoint selection
METRICS = ("accuracy", "macro_f1")


def head_kwargs(spec: TaskSpec) -> dict:
    names = list(spec.label_names)
    return {"num_labels": len(names), "id2label": dict(enumerate(names)),
            "label2id": {n: i for i, n in enumerate(names)}}


def encode(ds, tokenizer, max_length: int):
    """Canonical rows -> model inputs (`input_ids`, `attention_mask`, `labels`); no padding here:
    the collator pads each batch to its own longest sequence. The tokenizer is called on whole
    columns (not `Dataset.map`, whose per-call fingerprinting pickles the tokenizer)."""
    from datasets import Dataset

    enc = dict(tokenizer(list(ds["text_a"]), list(ds["text_b"]), truncation=True, max_length=max_length))
    enc["labels"] = list(ds["label"])
    return Dataset.from_dict(enc)


def predict(logits: np.ndarray) -> np.ndarray:
    """(n, num_labels) logits -> (n,) predicted label ids."""
    return np.asarray(logits).argmax(-1)


def _macro(spec: TaskSpec) -> MacroF1:
    return MacroF1(range(len(spec.label_names)))


def stat_names(spec: TaskSpec) -> tuple[str, ...]:
    return accuracy.stat_names + _macro(spec).stat_names


def example_stats(gold: np.ndarray, pred: np.ndarray, spec: TaskSpec) -> np.ndarray:
    """(n,) gold and predicted ids -> (n, k) statistics in `stat_names(spec)` order."""
    gold, pred = np.asarray(gold).tolist(), np.asarray(pred).tolist()
    return np.concatenate([accuracy.stats(pred, gold), _macro(spec).stats(pred, gold)], axis=1)


def aggregate(totals: np.ndarray, spec: TaskSpec) -> dict[str, np.ndarray]:
    """Summed statistics (..., k) -> {'accuracy', 'macro_f1'} on the 0-100 scale, shape (...)."""
    totals = np.asarray(totals)
    k = len(accuracy.stat_names)
    return {**accuracy.aggregate(totals[..., :k]),
            "macro_f1": _macro(spec).aggregate(totals[..., k:])["macro_f1"]}


def compute_metrics(eval_pred, spec: TaskSpec) -> dict[str, float]:
    """For the Trainer's English-dev evaluations (checkpoint selection)."""
    logits, labels = eval_pred
    stats = example_stats(labels, predict(logits), spec)
    return {k: float(v) for k, v in aggregate(stats.sum(0), spec).items()}
