"""Masked LM as an Objective of ablate.mixing's loop: the pretrained LM head on the shared encoder.

Each batch draws the language of every sequence from the smoothed shares q (LanguageSampler),
takes that language's next packed sequence (each language's sequences reshuffled per pass) and
masks it afresh (15 %, 80/10/10). The realised languages are counted for the phase's metrics.
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Iterator, Mapping

import numpy as np

from ablate.mlm import masking as M
from ablate.mlm.sampling import LanguageSampler


class MlmObjective:
    name = "mlm"
    metric = "loss"

    def __init__(self, model, tokenizer, sequences: Mapping[str, list[list[int]]], shares: Mapping[str, float],
                 batch_size: int, grad_accum: int):
        """model: a masked-LM model already sharing the encoder (ablate.mlm.lm_head.share_encoder);
        sequences: lang -> packed training sequences; shares: lang -> q (sums to 1)."""
        self.head = model
        self.sequences = {lang: seqs for lang, seqs in sequences.items()}
        self.shares = dict(shares)
        self.size = sum(len(s) for s in self.sequences.values())
        self.batch_size, self.grad_accum = batch_size, grad_accum
        self.specials = tokenizer.all_special_ids
        self.mask_id, self.pad_id = tokenizer.mask_token_id, tokenizer.pad_token_id
        self.candidates = M.replacement_candidates(len(tokenizer), self.specials)
        self.drawn: Counter = Counter()  # sequences drawn per language (the realised shares)

    def batches(self, seed: int) -> Iterator[dict]:
        import torch

        rng = np.random.default_rng([seed, zlib.crc32(b"mlm")])
        langs = LanguageSampler(self.shares, seed)
        cursors = {lang: _cycle(seqs, rng) for lang, seqs in self.sequences.items()}
        while True:
            chosen = langs.draw(self.batch_size)
            self.drawn.update(chosen)
            ids, attention = M.pad([next(cursors[lang]) for lang in chosen], self.pad_id)
            inputs, labels = M.mask_tokens(ids, M.special_mask(ids, self.specials), self.mask_id, self.candidates, rng)
            yield {"input_ids": torch.as_tensor(inputs), "attention_mask": torch.as_tensor(attention),
                   "labels": torch.as_tensor(labels)}

    def loss(self, encoder, batch: dict):
        # The LM model's base runs on the shared encoder's modules, so this is encoder + LM head.
        return self.head(**batch).loss

    def dev_score(self) -> float | None:
        return None  # MLM takes no part in checkpoint selection (English task dev only, as in stilts)

    def realised_shares(self) -> dict[str, float]:
        total = sum(self.drawn.values())
        return {lang: self.drawn[lang] / total for lang in self.shares} if total else {}


def _cycle(sequences: list[list[int]], rng: np.random.Generator) -> Iterator[list[int]]:
    while True:
        for i in rng.permutation(len(sequences)):
            yield sequences[int(i)]
