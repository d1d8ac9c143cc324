"""XTREME-R's dual encoder for ranked retrieval (Mewsli-X, LAReQA), as a module the Trainer trains.

google-research/xtreme third_party/bert.py `BertForRetrieval` (XLM-R: xlm_roberta.py
`XLMRobertaForRetrieval`): one shared encoder for both sides; a text's vector is the pooler
output (dense + tanh over the first token, `outputs[1]`), L2-normalised; the logits are the cosine
similarities of every query with every candidate of the batch times a learnable scale initialised
at 100 (`logit_scale`); the loss is the cross-entropy of each query against its own candidate
(the batch's other candidates are the negatives), queries → candidates only (not symmetric).
Duplicate candidates in a batch (two SQuAD questions on one sentence) count as negatives, as
XTREME-R's `labels = arange(batch)` makes them.

Imported only by training and retrieval phases (torch at import time).
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from torch import nn

LOGIT_SCALE = 100.0  # XTREME-R: torch.nn.init.constant_(self.logit_scale, 100.0), trained with the encoder
SCALE_FILE = "logit_scale.json"


def pooled(outputs) -> torch.Tensor:
    """(batch, hidden) L2-normalised pooler outputs: XTREME-R's `normalized_cls_token(outputs[1])`."""
    return nn.functional.normalize(outputs.pooler_output, p=2, dim=1)


def in_batch_loss(queries: torch.Tensor, candidates: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy of `scale · queries @ candidatesᵀ` against the diagonal.

    queries, candidates: (batch, hidden), already L2-normalised; row i of each is a pair."""
    logits = scale * queries @ candidates.T
    return nn.functional.cross_entropy(logits, torch.arange(len(queries), device=logits.device))


class DualEncoder(nn.Module):
    """The shared encoder (with its pooler) and the logit scale.

    Inputs: the query as `input_ids` / `attention_mask`, its candidate as `c_input_ids` /
    `c_attention_mask`. Both sides given: {'loss', 'query', 'candidate'} (the loss of the batch's
    pairs); one side only: the vectors of that side."""

    def __init__(self, encoder):
        super().__init__()
        self.encoder = encoder
        self.logit_scale = nn.Parameter(torch.full((1,), LOGIT_SCALE))

    @property
    def config(self):  # what the Trainer and ablate.compute read
        return self.encoder.config

    @classmethod
    def from_pretrained(cls, path: str, **kw) -> "DualEncoder":
        from transformers import AutoModel

        from ablate.errors import AblateError

        try:
            encoder = AutoModel.from_pretrained(path, add_pooling_layer=True, **kw)
        except TypeError as e:
            if "add_pooling_layer" not in str(e):
                raise
            encoder = None  # the architecture takes no add_pooling_layer: it has no pooler
        if getattr(encoder, "pooler", None) is None:
            raise AblateError(
                f"Model '{path}' has no pooler (a BERT/XLM-R-style dense + tanh over the first token), which "
                "XTREME-R's dual encoder pools with. Use such a model, or score Mewsli-X and LAReQA untuned "
                "with --set retrieval_finetune=false.")
        model = cls(encoder)
        scale = Path(path) / SCALE_FILE
        if scale.is_file():  # a saved dual encoder continues with its trained scale
            model.logit_scale.data.fill_(json.loads(scale.read_text())["logit_scale"])
        return model

    def encode(self, input_ids, attention_mask) -> torch.Tensor:
        return pooled(self.encoder(input_ids=input_ids, attention_mask=attention_mask))

    def forward(self, input_ids=None, attention_mask=None, c_input_ids=None, c_attention_mask=None):
        out = {}
        if input_ids is not None:
            out["query"] = self.encode(input_ids, attention_mask)
        if c_input_ids is not None:
            out["candidate"] = self.encode(c_input_ids, c_attention_mask)
        if len(out) == 2:
            out["loss"] = in_batch_loss(out["query"], out["candidate"], self.logit_scale)
        return out

    def save_pretrained(self, out_dir, **kw) -> None:
        """The encoder (pooler included) as a plain transformers model, plus the scale."""
        out_dir = Path(out_dir)
        self.encoder.save_pretrained(out_dir, **kw)
        (out_dir / SCALE_FILE).write_text(json.dumps({"logit_scale": float(self.logit_scale.item())}))
