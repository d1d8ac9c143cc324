"""Models and tokenizers: resolve `--model`, build the tiny offline model, hand encoders over.

Phase 2 saves only the encoder (`save_encoder`); phase 3 loads it under a freshly initialised
task head (`load_with_head`), as the paper does. The built-in `tiny-xlmr` is a randomly
initialised 2-layer XLM-R whose Unigram tokenizer is trained on the shipped fixtures; it is
built once and cached, so the whole pipeline runs offline.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

from ablate.errors import AblateError

TINY_MODELS = {
    # 2 layers, hidden 64: every head runs a Trainer step in well under a second on a CPU.
    "tiny-xlmr": dict(hidden_size=64, num_hidden_layers=2, num_attention_heads=2,
                      intermediate_size=128, max_position_embeddings=514 + 2, vocab_size=4000),
    # Twice the width and depth on the same tokenizer: the second size of the smoke preset, so a
    # model-size axis (research question 3) runs offline.
    "tiny-xlmr-2x": dict(hidden_size=128, num_hidden_layers=4, num_attention_heads=4,
                         intermediate_size=256, max_position_embeddings=514 + 2, vocab_size=4000),
}
TINY_BUILD_VERSION = 1  # bump when the builder changes what it writes


def cache_root() -> Path:
    return Path(os.environ.get("ABLATE_CACHE", Path.home() / ".cache" / "ablate"))


def resolve_model(name: str, revision: str | None = None) -> str:
    """A local directory for built-in and local models; the Hub id otherwise."""
    if name in TINY_MODELS:
        return str(build_tiny(name))
    path = Path(name).expanduser()
    if path.exists():
        if not (path / "config.json").is_file():
            raise AblateError(f"Model directory '{path}' has no config.json: not a saved model.")
        return str(path)
    if name.startswith((".", "/", "~")) or name.count("/") > 1:
        raise AblateError(
            f"Model path '{name}' does not exist. Give an existing directory, a Hub id such as "
            f"xlm-roberta-large, or a built-in model: {', '.join(TINY_MODELS)}."
        )
    return name


def _hub_call(fn, ident: str, trust_remote_code: bool = False, **kw: Any):
    # Always an explicit True/False: left unset, transformers asks on stdin whether to run a
    # model's own code, so a stray "y" (or a script piping input) would decide instead of the user.
    try:
        return fn(ident, trust_remote_code=trust_remote_code, **kw)
    except ValueError as e:
        if "trust_remote_code" not in str(e):
            raise
        raise AblateError(
            f"Model '{ident}' needs its own Python code to load (auto_map in its config); ablate runs such "
            f"code only with --trust-remote-code (setting trust_remote_code = true): read the code first.") from e
    except OSError as e:
        if Path(ident).exists():
            raise
        from ablate.data.hub import hub_error

        raise hub_error("model", ident, e) from e


def load_tokenizer(path: str, revision: str | None = None, trust_remote_code: bool = False):
    from transformers import AutoTokenizer

    return _hub_call(AutoTokenizer.from_pretrained, path, trust_remote_code, revision=revision)


def load_with_head(path: str, head: str, *, revision: str | None = None, seed: int, trust_remote_code: bool = False,
                   **head_kw: Any):
    """The encoder at `path` under a new `head` (e.g. 'sequence_classification'); the head's
    initialisation is seeded so the same seed gives the same model. A model's own code runs only
    with `trust_remote_code` (RunConfig.trust_remote_code, `--trust-remote-code`)."""
    import importlib

    import transformers

    module, _, name = _HEADS[head].rpartition(":")  # ablate's own model classes: "module:Class"
    cls = getattr(importlib.import_module(module) if module else transformers, name)
    transformers.set_seed(seed)
    return _hub_call(cls.from_pretrained, path, trust_remote_code, revision=revision, **head_kw)


_HEADS = {
    "sequence_classification": "AutoModelForSequenceClassification",
    "token_classification": "AutoModelForTokenClassification",
    "question_answering": "AutoModelForQuestionAnswering",
    "multiple_choice": "AutoModelForMultipleChoice",
    "masked_lm": "AutoModelForMaskedLM",
    "encoder": "AutoModel",
    "dual_encoder": "ablate.dual_encoder_model:DualEncoder",  # XTREME-R's retrieval fine-tune
}


def save_encoder(model, tokenizer, out_dir: Path) -> Path:
    """Save only the encoder (no task head) and the tokenizer: what phase 3 starts from.

    The saved config is made head-neutral: the intermediate task's label set (e.g. CCG's 426
    supertags) would otherwise size the next head that loads without explicit labels (QA).
    """
    import copy

    out_dir.mkdir(parents=True, exist_ok=True)
    encoder = model.base_model
    task_config = encoder.config
    neutral = copy.deepcopy(task_config)
    neutral.num_labels = 2  # transformers' default; also resets id2label / label2id
    neutral.problem_type = None
    encoder.config = neutral
    try:
        encoder.save_pretrained(out_dir)
    finally:
        encoder.config = task_config
    tokenizer.save_pretrained(out_dir)
    return out_dir


def encoder_state(model) -> dict:
    """The encoder's tensors by name, for hand-over checks."""
    return {k: v.detach().clone() for k, v in model.base_model.state_dict().items()}


# --- the tiny offline model -------------------------------------------------------------------

def _fixture_texts() -> list[str]:
    """Every string in the shipped fixtures (all scripts of all XTREME languages)."""
    from ablate.data.load import FIXTURES

    texts: list[str] = []
    for path in sorted(FIXTURES.rglob("*.jsonl")) + sorted(FIXTURES.rglob("*.tsv")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if path.suffix == ".tsv":
                texts.append(line.split("\t")[0])
                continue
            _strings(json.loads(line), texts)
    return [t for t in texts if t.strip()]


def _strings(value: Any, out: list[str]) -> None:
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, dict):
        for v in value.values():
            _strings(v, out)
    elif isinstance(value, list):
        for v in value:
            _strings(v, out)


def build_tiny(name: str) -> Path:
    """Build (once) and cache the tiny model; the cache key covers fixtures and settings."""
    texts = _fixture_texts()
    params = TINY_MODELS[name]
    digest = hashlib.sha256(
        json.dumps([TINY_BUILD_VERSION, params, texts], ensure_ascii=False).encode()
    ).hexdigest()[:16]
    final = cache_root() / "models" / f"{name}-{digest}"
    if (final / "config.json").is_file():
        return final
    tmp = final.with_name(f"{final.name}.partial-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        _write_tiny(tmp, texts, params)
        final.parent.mkdir(parents=True, exist_ok=True)
        if not final.exists():
            os.replace(tmp, final)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return final


def _write_tiny(out: Path, texts: list[str], params: dict) -> None:
    import torch
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import XLMRobertaConfig, XLMRobertaForMaskedLM, XLMRobertaTokenizerFast

    specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]  # XLM-R's ids 0..3; mask moved up front
    tok = Tokenizer(models.Unigram())
    tok.normalizer = normalizers.NFKC()
    tok.pre_tokenizer = pre_tokenizers.Metaspace()
    tok.decoder = decoders.Metaspace()
    trainer = trainers.UnigramTrainer(
        vocab_size=params["vocab_size"], special_tokens=specials, unk_token="<unk>", shrinking_factor=0.75,
    )
    tok.train_from_iterator(texts, trainer=trainer)
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", 0), ("</s>", 2)],
    )
    fast = XLMRobertaTokenizerFast(
        tokenizer_object=tok, bos_token="<s>", eos_token="</s>", sep_token="</s>", cls_token="<s>",
        unk_token="<unk>", pad_token="<pad>", mask_token="<mask>", model_max_length=512,
    )
    out.mkdir(parents=True)
    fast.save_pretrained(out)
    config = XLMRobertaConfig(
        vocab_size=len(fast), hidden_size=params["hidden_size"],
        num_hidden_layers=params["num_hidden_layers"], num_attention_heads=params["num_attention_heads"],
        intermediate_size=params["intermediate_size"], max_position_embeddings=params["max_position_embeddings"],
        pad_token_id=fast.pad_token_id, bos_token_id=fast.bos_token_id, eos_token_id=fast.eos_token_id,
    )
    torch.manual_seed(0)
    XLMRobertaForMaskedLM(config).save_pretrained(out)
