"""Held-out MLM loss and perplexity against a direct computation with the model's own loss."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch


def test_heldout_metrics_match_the_models_own_masked_lm_loss():
    from ablate.mlm.lm_head import load_mlm
    from ablate.mlm.masking import IGNORE
    from ablate.mlm.perplexity import heldout_metrics, masked_heldout
    from ablate.models import build_tiny, load_tokenizer

    path = str(build_tiny("tiny-xlmr"))
    tok, model = load_tokenizer(path), load_mlm(path)
    rng = np.random.default_rng(0)
    sequences = {lang: [[0, *rng.integers(10, 3000, n).tolist(), 2] for n in (30, 12, 50)] for lang in ("de", "sw")}
    masked = masked_heldout(sequences, tok)
    again = masked_heldout({"sw": sequences["sw"]}, tok)  # the same masks whatever else is measured
    assert all(np.array_equal(a, b) for a, b in zip(masked["sw"], again["sw"]))
    metrics = heldout_metrics(model, masked, batch_size=2, device="cpu", when="before")

    model.eval()
    total, count = 0.0, 0
    for lang, (inputs, attention, labels) in masked.items():
        with torch.no_grad():  # one batch, transformers' own mean loss over masked positions
            loss = model(input_ids=torch.as_tensor(inputs), attention_mask=torch.as_tensor(attention),
                         labels=torch.as_tensor(labels)).loss.item()
        n = int((labels != IGNORE).sum())
        assert n > 0
        assert metrics[f"mlm.ppl.{lang}.before"] == pytest.approx(math.exp(loss), rel=1e-4)
        total, count = total + loss * n, count + n
    assert metrics["mlm.heldout.loss.before"] == pytest.approx(total / count, rel=1e-4)
    assert metrics["mlm.heldout.ppl.before"] == pytest.approx(math.exp(total / count), rel=1e-4)
