"""The pretrained LM head, kept: loaded with the checkpoint's weights and put on the task model's
encoder, so the task head and the LM head share one encoder (and tied embeddings stay tied)."""

from __future__ import annotations

from ablate.errors import AblateError


def load_mlm(path: str, revision: str | None = None):
    """The checkpoint under AutoModelForMaskedLM; refuses one whose LM head is not in the
    checkpoint (transformers would silently initialise it at random)."""
    from transformers import AutoModelForMaskedLM

    from ablate.models import _hub_call

    model, info = _hub_call(AutoModelForMaskedLM.from_pretrained, path, revision=revision, output_loading_info=True)
    encoder = model.base_model_prefix + "."
    missing = [k for k in info.get("missing_keys", ()) if not k.startswith(encoder)]
    if missing:
        raise AblateError(f"Model '{path}' has no pretrained LM head (missing {', '.join(sorted(missing)[:4])}): "
                          "stilts-mlm continues the model's own MLM objective, so it needs a checkpoint saved with "
                          "its masked-LM head (e.g. xlm-roberta-large, or tiny-xlmr).")
    return model


def share_encoder(mlm_model, encoder) -> None:
    """Make `mlm_model` run on the shared `encoder` (a base model) as every head of the mixing
    loop does; with tied word embeddings the LM head's decoder is re-pointed at the shared input
    embeddings, so it stays tied (and trains them, as in pretraining)."""
    from ablate.mixing.objective import share_encoder as share

    share(mlm_model, encoder)
    if getattr(mlm_model.config, "tie_word_embeddings", True):
        mlm_model.get_output_embeddings().weight = encoder.get_input_embeddings().weight


def head_state(mlm_model) -> dict:
    """The LM head's tensors by name (everything outside the encoder), for checks."""
    prefix = mlm_model.base_model_prefix + "."
    return {k: v.detach().clone() for k, v in mlm_model.state_dict().items() if not k.startswith(prefix)}
