"""Model-input datasets for formats with one feature per example (classification, multiple
choice): the encodings as columns, plus `labels` for training."""

from __future__ import annotations


def with_labels(encodings: dict, ds):
    """Encodings (column -> per-example values) and the canonical labels, as a Dataset."""
    from datasets import Dataset

    return Dataset.from_dict({**encodings, "labels": list(ds["label"])})


def without_labels(encodings: dict):
    from datasets import Dataset

    return Dataset.from_dict(encodings)
