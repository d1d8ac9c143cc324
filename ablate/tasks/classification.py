"""Sentence and sentence-pair classification (NLI, paraphrase): one label per example.

Per-example sufficient statistics (docs/statistics.md): `correct`, `n`, and per class id c
`tp:c`, `pred:c`, `gold:c` (ablate.metrics.classification), so accuracy and macro-F1
re-derive exactly from column sums.

Format interface (every module in ablate.tasks.formats.FORMATS has these names):
HEAD, SELECTION_METRIC, METRICS, SEQUENCE_OUTPUTS, head_kwargs, train_features,
eval_features, collator, predict, prediction_columns, stat_names, example_stats, aggregate.
Optional (ablate.tasks.dual_encoder): `max_length(settings)` when a format's lengths are not one
`max_seq_length`, `IN_BATCH_NEGATIVES` when its batches must stay random.
"""

from __future__ import annotations

import numpy as np

from ablate.metrics import classification as accuracy
from ablate.metrics.classification import MacroF1
from ablate.tasks.features import with_labels, without_labels
from ablate.tasks.spec import TaskSpec

HEAD = "sequence_classification"
SELECTION_METRIC = "accuracy"  # English-dev metric for checkpoint selection
METRICS = ("accuracy", "macro_f1")  # logged per language; the first is the task's XTREME metric
SEQUENCE_OUTPUTS: tuple[str, ...] = ()  # model outputs with a per-token axis (none here)


def head_kwargs(spec: TaskSpec) -> dict:
    names = list(spec.label_names)
    return {"num_labels": len(names), "id2label": dict(enumerate(names)),
            "label2id": {n: i for i, n in enumerate(names)}}


def _encode(ds, tokenizer, max_length: int) -> dict:
    # The tokenizer is called on whole columns (not `Dataset.map`, whose per-call
    # fingerprinting pickles the tokenizer and dominated small runs).
    return dict(tokenizer(list(ds["text_a"]), list(ds["text_b"]), truncation=True, max_length=max_length))


def train_features(ds, tokenizer, max_length: int):
    """Canonical rows -> model inputs with `labels`; unpadded (the collator pads per batch)."""
    return with_labels(_encode(ds, tokenizer, max_length), ds)


def eval_features(ds, tokenizer, max_length: int):
    """(features, meta): one feature per example here, so no bookkeeping is needed."""
    return without_labels(_encode(ds, tokenizer, max_length)), None


def collator(tokenizer):
    from transformers import DataCollatorWithPadding

    return DataCollatorWithPadding(tokenizer)


def predict(ds, outputs: list[dict[str, np.ndarray]], meta, spec: TaskSpec) -> list[int]:
    """Per-feature outputs ({'logits': (num_labels,)}) -> predicted label id per example."""
    return [int(o["logits"].argmax()) for o in outputs]


def prediction_columns(ds, predictions: list[int], spec: TaskSpec) -> dict[str, list]:
    return {"gold": list(ds["label"]), "prediction": list(predictions)}


def _macro(spec: TaskSpec) -> MacroF1:
    return MacroF1(range(len(spec.label_names)))


def stat_names(spec: TaskSpec) -> tuple[str, ...]:
    return accuracy.stat_names + _macro(spec).stat_names


def example_stats(ds, predictions: list[int], spec: TaskSpec, lang: str) -> np.ndarray:
    """(n, k) statistics in `stat_names(spec)` order."""
    gold = list(ds["label"])
    return np.concatenate([accuracy.stats(predictions, gold), _macro(spec).stats(predictions, gold)], axis=1)


def aggregate(totals: np.ndarray, spec: TaskSpec, lang: str | None = None) -> dict:
    """Summed statistics (..., k) -> {'accuracy', 'macro_f1'} on the 0-100 scale, shape (...)."""
    totals = np.asarray(totals)
    k = len(accuracy.stat_names)
    return {**accuracy.aggregate(totals[..., :k]),
            "macro_f1": _macro(spec).aggregate(totals[..., k:])["macro_f1"]}
