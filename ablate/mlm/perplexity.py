"""Held-out MLM loss and per-language perplexity of a masked-LM model.

The held-out sequences are masked once with a fixed seed, so the measurement before and after
intermediate training scores the very same masked positions. Loss = mean cross-entropy (nats)
over masked positions; perplexity = exp(loss); `all` pools every language's masked positions.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Mapping

import numpy as np

from ablate.mlm import masking as M

HELDOUT_SEED = 20200513  # one masking of the held-out text, shared by every run and seed


def masked_heldout(sequences: Mapping[str, list[list[int]]], tokenizer) -> dict[str, tuple[np.ndarray, ...]]:
    """lang -> (input_ids, attention_mask, labels), masked once from HELDOUT_SEED and the language
    (so a language's masks do not depend on which other languages are measured)."""
    specials = tokenizer.all_special_ids
    candidates = M.replacement_candidates(len(tokenizer), specials)
    out = {}
    for lang in sorted(sequences):
        rng = np.random.default_rng([HELDOUT_SEED, zlib.crc32(lang.encode())])
        ids, attention = M.pad(sequences[lang], tokenizer.pad_token_id)
        inputs, labels = M.mask_tokens(ids, M.special_mask(ids, specials), tokenizer.mask_token_id, candidates, rng)
        out[lang] = (inputs, attention, labels)
    return out


def heldout_metrics(model, masked: Mapping[str, tuple[np.ndarray, ...]], batch_size: int, device, when: str) -> dict[str, float]:
    """`mlm.heldout.loss.<when>`, `mlm.heldout.ppl.<when>` and per language `mlm.ppl.<lang>.<when>`."""
    import torch

    was_training = model.training
    model.eval()
    metrics: dict[str, float] = {}
    total_loss, total_n = 0.0, 0
    with torch.no_grad():
        for lang, (inputs, attention, labels) in masked.items():
            lang_loss, lang_n = 0.0, 0
            for start in range(0, len(inputs), batch_size):
                batch = slice(start, start + batch_size)
                logits = model(input_ids=torch.as_tensor(inputs[batch], device=device),
                               attention_mask=torch.as_tensor(attention[batch], device=device)).logits
                gold = torch.as_tensor(labels[batch], device=device)
                loss = torch.nn.functional.cross_entropy(logits.flatten(0, 1).float(), gold.flatten(),
                                                         ignore_index=M.IGNORE, reduction="sum")
                lang_loss += float(loss)
                lang_n += int((gold != M.IGNORE).sum())
            if lang_n:
                metrics[f"mlm.ppl.{lang}.{when}"] = math.exp(lang_loss / lang_n)
            total_loss, total_n = total_loss + lang_loss, total_n + lang_n
    model.train(was_training)
    metrics[f"mlm.heldout.loss.{when}"] = total_loss / max(total_n, 1)
    metrics[f"mlm.heldout.ppl.{when}"] = math.exp(metrics[f"mlm.heldout.loss.{when}"])
    return metrics
