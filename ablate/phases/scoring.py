"""Score a model on one language of a task: features -> forward passes -> predictions ->
per-example statistics. Shared by the evaluation phase and by checkpoint selection during
training, so the number that selects a checkpoint is computed exactly like the reported one.
"""

from __future__ import annotations

import numpy as np


def forward(model, features, collate, batch_size: int, device, sequence_outputs: tuple[str, ...]) -> list[dict]:
    """Batched forward passes, longest-first to keep padding small.

    Returns one dict per feature (input order) of numpy arrays with the batch axis removed;
    outputs named in `sequence_outputs` are cut back to the feature's own length.
    """
    import torch

    rows = list(features)
    lengths = [len(r["input_ids"]) if not isinstance(r["input_ids"][0], list) else max(map(len, r["input_ids"]))
               for r in rows]
    order = np.argsort([-n for n in lengths], kind="stable")
    out: list[dict] = [None] * len(rows)  # type: ignore[list-item]
    model.eval()
    with torch.inference_mode():
        for start in range(0, len(rows), batch_size):
            idx = order[start:start + batch_size]
            batch = {k: v.to(device) for k, v in collate([rows[i] for i in idx]).items() if k != "labels"}
            result = model(**batch)
            arrays = {k: v.float().cpu().numpy() for k, v in result.items() if k != "loss" and v is not None
                      and hasattr(v, "float")}
            for j, i in enumerate(idx):
                out[i] = {k: (a[j, :lengths[i]] if k in sequence_outputs else a[j]) for k, a in arrays.items()}
    return out


def score(model, tokenizer, fmt, spec, ds, lang: str, max_length: int, batch_size: int, device):
    """(predictions per example, stats (n, k)) for canonical rows `ds` of one language."""
    features, meta = fmt.eval_features(ds, tokenizer, max_length)
    outputs = forward(model, features, fmt.collator(tokenizer), batch_size, device, fmt.SEQUENCE_OUTPUTS)
    predictions = fmt.predict(ds, outputs, meta, spec)
    return predictions, fmt.example_stats(ds, predictions, spec, lang)
