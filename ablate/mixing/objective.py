"""The Objective protocol: one thing `train_mixture` can take an optimizer step on.

An objective owns a head on top of the ONE shared encoder (a `transformers` base model such as
XLMRobertaModel) and knows how to feed it:

    name: str                     unique; the sampler's key, used in metric names
    size: int                     training examples (what proportional sampling weighs)
    grad_accum: int               batches accumulated into one optimizer step of this objective
    head: torch.nn.Module         its own parameters; it MAY also contain the shared encoder's
                                  modules (a head model tied with `share_encoder`, an LM head tied to
                                  the word embeddings): the loop counts every parameter once
    metric: str                   the name of what `dev_score` returns (e.g. "accuracy")
    batches(seed) -> Iterator[dict[str, Tensor]]
                                  endless; reshuffled every epoch from `seed`; the loop moves
                                  every tensor to the encoder's device
    loss(encoder, batch) -> Tensor
                                  scalar training loss of one batch (mean over its examples)
    dev_score() -> float | None   English dev score, higher is better (called in eval mode, no
                                  grad); None = the objective takes no part in checkpoint
                                  selection (e.g. masked LM)

`ablate.mixing.task_objective.TaskObjective` implements it for a registered intermediate task;
an MLM objective implements it with the pretrained LM head. No torch import at module level.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    import torch


@runtime_checkable
class Objective(Protocol):
    name: str
    size: int
    grad_accum: int
    head: "torch.nn.Module"
    metric: str

    def batches(self, seed: int) -> Iterator[dict[str, Any]]: ...

    def loss(self, encoder: "torch.nn.Module", batch: dict[str, Any]) -> "torch.Tensor": ...

    def dev_score(self) -> float | None: ...


SHARED_EXCEPT = ("pooler",)  # a base model's pooler feeds one head only (multiple choice): not shared


def share_encoder(model, encoder) -> None:
    """Make the `transformers` head model `model` run on `encoder`'s modules: each child of its
    base model (embeddings, encoder layers) is replaced by `encoder`'s child of the same name.
    A pooler stays the head's own (jiant gives each head its own pooling), so `model`'s remaining
    parameters are exactly its head."""
    base = model.base_model
    if base is model:
        raise ValueError(f"{type(model).__name__} has no separate base model to share.")
    shared = dict(encoder.named_children())
    for name, _ in list(base.named_children()):
        if name in shared and name not in SHARED_EXCEPT:
            setattr(base, name, shared[name])


def unique_parameters(modules: Iterable) -> list:
    """Every parameter of `modules` once, in first-seen order (tied weights appear once)."""
    seen: dict[int, Any] = {}
    for module in modules:
        for p in module.parameters():
            seen.setdefault(id(p), p)
    return list(seen.values())


def head_parameters(objective: Objective, encoder) -> list:
    """The parameters only `objective`'s head has (not the shared encoder's)."""
    shared = {id(p) for p in encoder.parameters()}
    return [p for p in unique_parameters([objective.head]) if id(p) not in shared]
