"""Retrieval's sentence encoder: which model it loads, which layer it reads, how it pools.

- Untuned (BUCC, Tatoeba; Mewsli-X and LAReQA with `retrieval_finetune = false`): the pretrained
  model or phase 2's encoder; the mean over non-pad tokens of hidden layer L (`retrieval.layer`,
  "auto" = the paper's block 14 of 24 scaled to the model's depth), L2-normalised.
- After a dual-encoder fine-tune (Mewsli-X, LAReQA): that model's pooler output, L2-normalised,
  as it was trained (`ablate.dual_encoder_model`), queries and candidates cut at its lengths.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ablate.errors import AblateError
from ablate.metrics import retrieval
from ablate.phases import PhaseContext

PAPER_LAYER, PAPER_DEPTH = 14, 24  # XLM-R Large: output of block 14 of 24
POOLING = "mean over non-pad tokens (special tokens included)"
# Architectures whose block L output does not depend on later blocks (post-LN, no final norm):
# the blocks above L are dropped before encoding, saving their compute (10 of 24 for XLM-R Large).
_TRUNCATABLE = ("xlm-roberta", "roberta", "bert")


def auto_layer(num_hidden_layers: int) -> int:
    """The paper's layer scaled to a model's depth: block 14 of 24 → round(14/24 · depth).

    Rounds half up (18 layers → 11) and never returns the embeddings (at least 1):
    24 → 14, 12 → 7, 6 → 4, 2 → 1, 1 → 1. Exact integer arithmetic.
    """
    if num_hidden_layers < 1:
        raise AblateError(f"A model with {num_hidden_layers} hidden layers has no layer to pool.")
    return max(1, (2 * PAPER_LAYER * num_hidden_layers + PAPER_DEPTH) // (2 * PAPER_DEPTH))


def resolve_layer(setting, num_hidden_layers: int) -> int:
    """`retrieval.layer` → the index into `hidden_states`: 'auto' (`auto_layer`) or an int
    0..num_hidden_layers used as is (0 = the embedding layer's output)."""
    if setting == "auto":
        return auto_layer(num_hidden_layers)
    if isinstance(setting, str) and setting.strip().lstrip("-").isdigit():
        setting = int(setting)
    if isinstance(setting, bool) or not isinstance(setting, int) or not 0 <= setting <= num_hidden_layers:
        raise AblateError(
            f"retrieval.layer={setting!r} is not valid for a model with {num_hidden_layers} hidden "
            f"layers: use 'auto' (= {auto_layer(num_hidden_layers)}, the paper's 14 of 24 scaled) "
            f"or an integer from 0 (embeddings) to {num_hidden_layers} (last block)."
        )
    return setting


@dataclass
class Encoder:
    """Texts → (n, hidden) float32 L2-normalised sentence vectors, batched by length.

    `pooling`: "mean" of hidden layer `layer` (the untuned encoder), or "pooler" (a fine-tuned
    dual encoder: its pooler output, as it was trained). Queries may have their own length limit
    (`query_length`, a dual encoder's `max_query_length`)."""

    model: object
    tokenizer: object
    layer: int
    max_length: int
    batch_size: int
    device: object
    pooling: str = "mean"
    query_length: int = 0  # 0 = max_length

    def __call__(self, texts: Sequence[str], query: bool = False) -> np.ndarray:
        import torch

        hidden = self.model.config.hidden_size
        if not texts:
            return np.zeros((0, hidden), dtype=np.float32)
        limit = self.query_length if query and self.query_length else self.max_length
        ids = self.tokenizer(list(texts), truncation=True, max_length=limit)["input_ids"]
        order = sorted(range(len(ids)), key=lambda i: -len(ids[i]))  # longest first: little padding
        pad = self.tokenizer.pad_token_id
        out = np.empty((len(ids), hidden), dtype=np.float32)
        with torch.inference_mode():
            for start in range(0, len(order), self.batch_size):
                rows = order[start : start + self.batch_size]
                width = len(ids[rows[0]])
                input_ids = torch.full((len(rows), width), pad, dtype=torch.long)
                mask = torch.zeros((len(rows), width), dtype=torch.long)
                for r, i in enumerate(rows):
                    input_ids[r, : len(ids[i])] = torch.tensor(ids[i])
                    mask[r, : len(ids[i])] = 1
                input_ids, mask = input_ids.to(self.device), mask.to(self.device)
                if self.pooling == "pooler":
                    pooled = self.model(input_ids=input_ids, attention_mask=mask).pooler_output
                else:
                    states = self.model(input_ids=input_ids, attention_mask=mask, output_hidden_states=True)
                    layer = states.hidden_states[self.layer]  # (batch, width, hidden)
                    weights = mask.unsqueeze(-1).to(layer.dtype)
                    pooled = (layer * weights).sum(1) / weights.sum(1).clamp(min=1)
                out[rows] = pooled.float().cpu().numpy()
        return retrieval.l2_normalize(out)


def load_encoder(ctx: PhaseContext, settings) -> tuple[Encoder, dict]:
    """The phase's encoder (its input phase's `encoder/`, else the configured pretrained model);
    after a dual-encoder fine-tune, that phase's `model/` (`load_dual_encoder`)."""
    import torch

    from ablate.models import load_tokenizer, load_with_head, resolve_model

    cfg = ctx.cfg
    if "dual_encoder" in ctx.phase.settings:
        return load_dual_encoder(ctx, settings)
    if ctx.phase.inputs:
        path, revision = str(ctx.inputs[ctx.phase.inputs[0]] / "encoder"), None
    else:
        path = resolve_model(cfg.model, cfg.model_revision)
        revision = cfg.model_revision if path == cfg.model else None
    tokenizer = load_tokenizer(path, revision, cfg.trust_remote_code)
    model = load_with_head(path, "encoder", revision=revision, seed=ctx.seed, trust_remote_code=cfg.trust_remote_code,
                           output_hidden_states=True)
    depth = model.config.num_hidden_layers
    layer = resolve_layer(settings.get("layer", "auto"), depth)
    truncated = _truncate(model, layer)
    use_cuda = cfg.device == "cuda" or (cfg.device == "auto" and torch.cuda.is_available())
    device = torch.device("cuda" if use_cuda else "cpu")
    model.to(device).eval()
    max_length = int(settings.get("max_seq_length", 512))
    if 0 < getattr(tokenizer, "model_max_length", 0) < max_length:
        max_length = int(tokenizer.model_max_length)  # the value actually used is recorded
    encoder = Encoder(model, tokenizer, layer, max_length, int(settings.get("batch_size", 32)), device)
    info = {
        "layer": layer, "layer_setting": settings.get("layer", "auto"), "num_hidden_layers": depth,
        "layer_rule": f"auto = round({PAPER_LAYER}/{PAPER_DEPTH} * num_hidden_layers), at least 1; "
                      "hidden_states[layer], 0 = embeddings",
        "pooling": POOLING, "normalisation": "L2, cosine similarity", "max_seq_length": max_length,
        "batch_size": encoder.batch_size, "blocks_run": layer if truncated else depth,
        "device": device.type, "search_backend": _search_backend(device.type),
        "started_from": ctx.phase.inputs[0] if ctx.phase.inputs else cfg.model, "model_path": path,
    }
    return encoder, info


def load_dual_encoder(ctx: PhaseContext, settings) -> tuple[Encoder, dict]:
    """The fine-tuned dual encoder (`ablate.dual_encoder_model`), encoding as it was trained: its
    pooler output, L2-normalised, queries and candidates cut at the fine-tune's lengths."""
    import torch

    from ablate.models import load_tokenizer, load_with_head

    cfg, lengths = ctx.cfg, ctx.phase.settings["dual_encoder"]
    path = str(ctx.inputs[ctx.phase.inputs[0]] / "model")
    tokenizer = load_tokenizer(path, None, cfg.trust_remote_code)
    model = load_with_head(path, "encoder", seed=ctx.seed, trust_remote_code=cfg.trust_remote_code)
    use_cuda = cfg.device == "cuda" or (cfg.device == "auto" and torch.cuda.is_available())
    device = torch.device("cuda" if use_cuda else "cpu")
    model.to(device).eval()
    depth = model.config.num_hidden_layers
    encoder = Encoder(model, tokenizer, depth, int(lengths["max_seq_length"]), int(settings.get("batch_size", 32)),
                      device, pooling="pooler", query_length=int(lengths["max_query_length"]))
    info = {
        "layer": depth, "num_hidden_layers": depth, "pooling": "pooler output (dense + tanh over the first "
        "token; XTREME-R's BertForRetrieval)", "normalisation": "L2, cosine similarity",
        "max_seq_length": encoder.max_length, "max_query_length": encoder.query_length,
        "batch_size": encoder.batch_size, "blocks_run": depth, "device": device.type,
        "search_backend": _search_backend(device.type), "started_from": ctx.phase.inputs[0], "model_path": path,
    }
    return encoder, info


def _truncate(model, layer: int) -> bool:
    """Drop the transformer blocks above `layer` when that leaves `hidden_states[layer]` exact."""
    blocks = getattr(getattr(model, "encoder", None), "layer", None)
    if model.config.model_type not in _TRUNCATABLE or blocks is None or layer >= len(blocks):
        return False
    model.encoder.layer = blocks[:layer]
    return True


def _search_backend(device: str) -> str:
    """torch on a GPU; faiss when installed; otherwise the chunked numpy path (always works)."""
    if device == "cuda":
        return "torch"
    try:
        import faiss  # noqa: F401
    except ImportError:
        return "numpy"
    return "faiss"
