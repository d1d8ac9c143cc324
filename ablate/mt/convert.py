"""Convert a Hugging Face MT model to CTranslate2 once, cached by (model, revision, quantisation).

    python -c "from ablate.mt.convert import convert; print(convert('path/or/hub-id', '/tmp/ct2'))"

The converted directory holds CTranslate2's `model.bin` + vocabulary, the Hugging Face tokenizer
(`hf_tokenizer/`, so translation never needs the Hub again) and `ablate_mt.json` (what was
converted, how, when). Conversion runs in a temp directory renamed into place, so an interrupted
conversion never leaves a half model behind.

Trap handled here (found with the pinned versions): ctranslate2 4.8 + transformers 5 drop M2M100's `__xx__`
language tokens from the converted vocabulary (`M2M100Tokenizer.get_vocab()` no longer lists
them), which fails with a size mismatch or silently maps `__de__` to `<unk>`.
`_Converter.load_tokenizer` re-adds them.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
import types
from pathlib import Path

from ablate.errors import AblateError
from ablate.mt.models import MTModel, resolve

QUANTIZATIONS = ("int8", "int8_float16", "int8_float32", "int8_bfloat16", "float16", "bfloat16",
                 "float32")
META_FILE = "ablate_mt.json"
TOKENIZER_DIR = "hf_tokenizer"


def _local_fingerprint(path: Path) -> str:
    """Cheap identity of a local model directory: names, sizes and mtimes of its files."""
    h = hashlib.sha256()
    for f in sorted(p for p in path.rglob("*") if p.is_file()):
        st = f.stat()
        h.update(f"{f.relative_to(path)}:{st.st_size}:{int(st.st_mtime)}\n".encode())
    return h.hexdigest()[:16]


def cache_key(model: MTModel, quantization: str) -> str:
    """Directory name of a converted model: readable prefix + hash of everything that matters."""
    import ctranslate2

    ident = {"model": model.model_id, "revision": model.revision, "quantization": quantization,
             "ctranslate2": ctranslate2.__version__}
    if model.is_local:
        ident["files"] = _local_fingerprint(Path(model.model_id))
    digest = hashlib.sha256(json.dumps(ident, sort_keys=True).encode()).hexdigest()[:12]
    return f"{model.name}-{quantization}-{digest}"


def _add_m2m100_language_tokens(tokenizer) -> None:
    """Make `tokenizer.get_vocab()` list the `__xx__` tokens again (transformers 5 dropped them)."""
    base = tokenizer.get_vocab

    def get_vocab(self):
        vocab = base()
        vocab.update(self.lang_token_to_id)
        return vocab

    tokenizer.get_vocab = types.MethodType(get_vocab, tokenizer)


def _converter_class():
    from ctranslate2.converters import TransformersConverter

    class _Converter(TransformersConverter):
        """TransformersConverter that keeps its tokenizer (saved beside the model), fixes M2M100."""

        tokenizer = None

        def load_tokenizer(self, tokenizer_class, model_name_or_path, **kwargs):
            if self._revision:  # the stock converter pins the weights' revision only
                kwargs.setdefault("revision", self._revision)
            tokenizer = super().load_tokenizer(tokenizer_class, model_name_or_path, **kwargs)
            if hasattr(tokenizer, "lang_token_to_id") and type(tokenizer).__name__ == \
                    "M2M100Tokenizer":
                _add_m2m100_language_tokens(tokenizer)
            self.tokenizer = tokenizer
            return tokenizer

    return _Converter


def _hub_unreachable(exc: BaseException) -> bool:
    text = f"{type(exc).__name__}: {exc}"
    return any(s in text for s in ("OfflineModeIsEnabled", "ConnectionError", "Couldn't reach",
                                   "couldn't connect", "Max retries", "LocalEntryNotFound",
                                   "Temporary failure in name resolution", "is not a local folder"))


def convert(model: MTModel | str | os.PathLike, cache_dir: str | os.PathLike,
            quantization: str = "int8", revision: str | None = None, force: bool = False) -> Path:
    """Return the CTranslate2 directory for `model`, converting it first if it is not cached.

    `model` is an MTModel or a Hub id / local directory; `quantization` is stored in the converted
    weights (CTranslate2 can still compute in another type at load time). Raises AblateError naming
    the model and the reason when conversion fails or the Hub cannot be reached.
    """
    if not isinstance(model, MTModel):
        model = resolve(str(model), revision)
    if quantization not in QUANTIZATIONS:
        from ablate.errors import unknown

        raise unknown("quantization", quantization, QUANTIZATIONS)
    root = Path(cache_dir)
    out = root / cache_key(model, quantization)
    if (out / META_FILE).is_file() and not force:
        return out
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".convert-", dir=root))
    started = time.time()
    try:
        converter = _converter_class()(model.model_id, revision=model.revision)
        try:
            converter.convert(str(tmp / "ct2"), quantization=quantization, force=True)
        except Exception as exc:  # the converter raises bare ValueError/OSError/ImportError
            if not model.is_local and _hub_unreachable(exc):
                raise AblateError(
                    f"Cannot download MT model '{model.model_id}': the Hugging Face Hub is not "
                    "reachable. Pass a local model directory instead (--mt-model /path/to/model or "
                    "lang=/path/to/model), or use --preset smoke, which builds tiny local models."
                ) from exc
            raise AblateError(f"Converting MT model '{model.model_id}' to CTranslate2 failed: "
                              f"{type(exc).__name__}: {exc}") from exc
        converter.tokenizer.save_pretrained(str(tmp / "ct2" / TOKENIZER_DIR))
        src_meta = Path(model.model_id) / META_FILE if model.is_local else None
        meta = {
            "model_id": model.model_id, "revision": model.revision, "family": model.family,
            "languages": list(model.languages), "quantization": quantization,
            "ctranslate2": __import__("ctranslate2").__version__,
            "transformers": __import__("transformers").__version__,
            "converted_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "seconds": round(time.time() - started, 2),
            "source_meta": json.loads(src_meta.read_text()) if src_meta and src_meta.is_file()
            else None,
        }
        (tmp / "ct2" / META_FILE).write_text(json.dumps(meta, indent=2) + "\n")
        if out.exists():  # force=True, or a stale half-directory from an older layout
            shutil.rmtree(out)
        try:
            os.replace(tmp / "ct2", out)
        except OSError:  # a concurrent conversion finished first; its result is equivalent
            if not (out / META_FILE).is_file():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out
