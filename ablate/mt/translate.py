"""The translation engine: dedup → cache → length-sorted token batches through CTranslate2.

    python -c "from ablate.mt.translate import open_engine; from ablate.mt.tiny import build; \
e = open_engine(str(build('nllb')), '/tmp/ct2'); print(e.translate_texts(['Hello world.'], 'de'))"

`MTEngine` turns English strings into `lang` strings. Identical strings are translated once and the
results scattered back; texts longer than `Settings.split_chars` are split into sentences and
re-joined; missing translations come from a `Backend` (CTranslate2, or a fake in tests) through
the resumable `TranslationCache`. The backend is loaded lazily, so a warm rerun never loads the
model.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from ablate.errors import AblateError
from ablate.mt import segment
from ablate.mt.cache import CacheReport, TranslationCache
from ablate.mt.models import MTModel, resolve

ENGINE_VERSION = 1  # part of every cache key: bump when tokenisation/decoding changes outputs


@dataclass(frozen=True)
class Settings:
    """Knobs of a translation run. Those that change the output are in `key()` (the cache key)."""

    beam_size: int = 2  # CTranslate2's default; 1 (greedy) is faster, 4 slightly better
    max_batch_tokens: int = 2048  # tokens per batch (batch_type="tokens"); bigger is faster, to RAM
    max_input_length: int = 512  # source tokens kept; NLLB was trained on 512 positions
    max_decoding_length: int = 256  # target tokens generated at most
    split_chars: int = 200  # texts longer than this are split into sentences (0: always split)
    quantization: str = "int8"  # weights stored in the converted model
    compute_type: str = "auto"  # auto: int8 on CPU, int8_float16 on CUDA
    device: str = "auto"  # auto: cuda when CTranslate2 sees a GPU, else cpu
    inter_threads: int = 1  # batches translated in parallel
    intra_threads: int = 0  # threads per batch; 0: cores // inter_threads
    shard_size: int = 2000  # segments per cache shard (the unit of resume)

    def resolved(self) -> Settings:
        """Copy with device/compute_type/threads resolved for this machine (validated)."""
        import ctranslate2

        device = self.device
        if device == "auto":
            device = "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
        if device not in ("cpu", "cuda"):
            raise AblateError(f"Unknown MT device '{device}'. Available: auto, cpu, cuda.")
        compute = self.compute_type
        if compute == "auto":
            compute = "int8_float16" if device == "cuda" else "int8"
        supported = ctranslate2.get_supported_compute_types(device)
        if compute not in supported and compute != "default":
            raise AblateError(f"Compute type '{compute}' is not supported on {device}. "
                              f"Available: {', '.join(sorted(supported))}.")
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else \
            (os.cpu_count() or 1)
        inter = max(1, self.inter_threads)
        intra = self.intra_threads or max(1, cores // inter)
        if device == "cpu" and inter * intra > cores:
            raise AblateError(f"inter_threads × intra_threads = {inter} × {intra} exceeds the "
                              f"{cores} available cores; lower one of them.")
        return dataclasses.replace(self, device=device, compute_type=compute,
                                   inter_threads=inter, intra_threads=intra)

    def key(self) -> str:
        """The output-determining settings as a stable string (device and speed knobs excluded)."""
        return json.dumps({"v": ENGINE_VERSION, "beam": self.beam_size,
                           "max_in": self.max_input_length, "max_out": self.max_decoding_length,
                           "split": self.split_chars, "quant": self.quantization,
                           "compute": self.compute_type}, sort_keys=True)

    def signature(self) -> dict[str, str]:
        """Fragment for ablate's signatures: the values actually used."""
        return {"mt_beam": str(self.beam_size), "mt_quant": self.quantization,
                "mt_compute": self.compute_type, "mt_max_out": str(self.max_decoding_length),
                "mt_split": str(self.split_chars)}


class Backend(Protocol):
    """Something that translates a list of English segments into `lang` (no dedup, no cache)."""

    model_key: str  # identity of the model for cache keys (id@revision + conversion)

    def translate(self, segments: list[str], lang: str,
                  advance: Callable[[int], None] | None = None) -> list[str]: ...


class CT2Backend:
    """CTranslate2 translation of one converted model; loads itself on first use."""

    def __init__(self, ct2_dir: str | os.PathLike, model: MTModel, settings: Settings):
        self.ct2_dir = Path(ct2_dir)
        self.model = model
        self.settings = settings
        meta = json.loads((self.ct2_dir / "ablate_mt.json").read_text())
        self.model_key = f"{model.model_id}@{model.revision or 'main'}|{self.ct2_dir.name}"
        self.meta = meta
        self._translator = None
        self._tokenizer = None

    def _load(self):
        if self._translator is None:
            import ctranslate2
            from transformers import AutoTokenizer

            s = self.settings
            self._translator = ctranslate2.Translator(
                str(self.ct2_dir), device=s.device, compute_type=s.compute_type,
                inter_threads=s.inter_threads, intra_threads=s.intra_threads)
            with warnings.catch_warnings():  # Marian: "Recommended: pip install sacremoses."
                warnings.filterwarnings("ignore", message=".*sacremoses")
                self._tokenizer = AutoTokenizer.from_pretrained(str(self.ct2_dir / "hf_tokenizer"), trust_remote_code=False)
            if self.model.family == "nllb":
                self._tokenizer.src_lang = "eng_Latn"
            elif self.model.family == "m2m100":
                self._tokenizer.src_lang = "en"
        return self._translator, self._tokenizer

    def tokenize(self, text: str, lang: str) -> list[str]:
        """Source token strings as the model expects them (language tag/token, </s> included)."""
        _, tok = self._load()
        tag = self.model.source_tag(lang)
        if tag:
            text = f"{tag} {text}"
        return tok.convert_ids_to_tokens(tok.encode(text))

    def detokenize(self, tokens: list[str]) -> str:
        _, tok = self._load()
        if self.model.family == "m2m100":  # `__xx__` tokens are not "special" to transformers 5
            tokens = [t for t in tokens if t not in tok.lang_token_to_id]
        return tok.decode(tok.convert_tokens_to_ids(tokens), skip_special_tokens=True).strip()

    def translate(self, segments: list[str], lang: str,
                  advance: Callable[[int], None] | None = None) -> list[str]:
        """Translations of `segments`, batched by tokens in length order (output order = input)."""
        self.model.check(lang)
        translator, tok = self._load()
        s = self.settings
        prefix = self.model.target_prefix(lang)
        if prefix and tok.convert_tokens_to_ids(prefix[0]) == tok.unk_token_id:
            raise AblateError(f"MT model {self.model.model_id}: target token {prefix[0]} is "
                              "unknown to its tokenizer (a broken conversion?).")
        tokens = [self.tokenize(text, lang) for text in segments]
        order = sorted(range(len(segments)), key=lambda i: len(tokens[i]))
        out: list[str] = [""] * len(segments)
        chunk = max(64, s.max_batch_tokens // 8)  # sentences per call: progress granularity
        for lo in range(0, len(order), chunk):
            idx = [i for i in order[lo:lo + chunk] if segments[i].strip()]
            if idx:
                results = translator.translate_batch(
                    [tokens[i] for i in idx],
                    target_prefix=[prefix] * len(idx) if prefix else None,
                    max_batch_size=s.max_batch_tokens, batch_type="tokens",
                    beam_size=s.beam_size, max_input_length=s.max_input_length,
                    max_decoding_length=s.max_decoding_length,
                )
                for i, result in zip(idx, results):
                    hyp = result.hypotheses[0]
                    if prefix and hyp[:len(prefix)] == prefix:
                        hyp = hyp[len(prefix):]
                    out[i] = self.detokenize(hyp)
            if advance is not None:
                advance(len(order[lo:lo + chunk]))
        return out


@dataclass
class EngineStats:
    """Counts of one engine call: strings asked for, unique segments, where they came from."""

    texts: int = 0
    segments: int = 0  # after sentence splitting
    unique: int = 0  # after dedup
    translated: int = 0  # actually sent to the backend
    reused: int = 0  # read from the cache
    seconds: float = 0.0
    cache: CacheReport | None = None

    @property
    def dedup_saved(self) -> float:
        """Fraction of segments not translated thanks to dedup."""
        return 1 - self.unique / self.segments if self.segments else 0.0

    def as_dict(self) -> dict:
        d = {k: v for k, v in dataclasses.asdict(self).items() if k != "cache"}
        d["dedup_saved"] = round(self.dedup_saved, 4)
        return d


@dataclass
class MTEngine:
    """Translate English strings into one language at a time; see the module docstring."""

    backend: Backend
    settings: Settings = field(default_factory=Settings)
    cache_dir: str | os.PathLike | None = None  # None: no cache (every call translates)
    progress: bool = False  # rich progress bar with sentences/s
    on_shard: Callable[[int, int], None] | None = None  # called after each cache shard is written
    last: EngineStats = field(default_factory=EngineStats)  # stats of the latest call

    def translate_segments(self, segments: Sequence[str], lang: str) -> list[str]:
        """Translations of `segments` (already sentence-sized), each unique string once."""
        started = time.perf_counter()
        unique = list(dict.fromkeys(segments))
        stats = EngineStats(texts=len(segments), segments=len(segments), unique=len(unique))
        with _progress(self.progress, lang, total=len(unique)) as bar:
            def run(chunk: list[str]) -> list[str]:
                stats.translated += len(chunk)
                return self.backend.translate(chunk, lang, advance=bar.advance)

            if self.cache_dir is None:
                translations = run(unique) if unique else []
            else:
                cache = TranslationCache(self.cache_dir, self.settings.shard_size)
                meta = {"model": self.backend.model_key, "settings": self.settings.signature()}
                translations, stats.cache = cache.get_or_translate(
                    unique, lang, self.backend.model_key, self.settings.key(), run,
                    on_shard=self.on_shard, meta=meta, on_reused=bar.reused)
                stats.reused = stats.cache.segments_reused
        lookup = dict(zip(unique, translations))
        stats.seconds = time.perf_counter() - started
        self.last = stats
        return [lookup[s] for s in segments]

    def translate_texts(self, texts: Sequence[str], lang: str) -> list[str]:
        """Translations of arbitrary texts: long ones split into sentences and re-joined."""
        pieces = [segment.split(t, self.settings.split_chars) for t in texts]
        flat = [p for ps in pieces for p in ps]
        translated = iter(self.translate_segments(flat, lang))
        self.last.texts = len(texts)
        join = segment.joiner(lang)
        return [join.join(next(translated) for _ in ps) for ps in pieces]

    def signature(self) -> dict[str, str]:
        """Signature fragment: model@revision + settings actually used."""
        model = getattr(self.backend, "model", None)
        out = {"mt_model": getattr(model, "model_id", self.backend.model_key)}
        if model is not None:
            out["mt_model"] += f"@{model.revision or 'main'}"
        return out | self.settings.signature()


class _progress:
    """Optional rich progress bar: segments done / unique total, sentences/s; no-op if disabled."""

    def __init__(self, enabled: bool, lang: str, total: int):
        self.enabled, self.lang, self.total = enabled, lang, total
        self._bar = self._task = None

    def __enter__(self):
        if self.enabled and self.total:
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                                       TimeElapsedColumn, TimeRemainingColumn)

            self._bar = Progress(
                TextColumn(f"translate → {self.lang}"), BarColumn(), MofNCompleteColumn(),
                TextColumn("{task.fields[rate]} sent/s"), TimeElapsedColumn(),
                TimeRemainingColumn())
            self._bar.start()
            self._task = self._bar.add_task("mt", total=self.total, rate="-")
            self._started, self._translated = time.perf_counter(), 0
        return self

    def reused(self, n: int) -> None:
        """Segments read from the cache: progress without translation (not in the rate)."""
        if self._bar is not None:
            self._bar.advance(self._task, n)

    def advance(self, n: int) -> None:
        if self._bar is not None:
            self._translated += n
            rate = self._translated / max(time.perf_counter() - self._started, 1e-9)
            self._bar.update(self._task, advance=n, rate=f"{rate:.1f}")

    def __exit__(self, *exc):
        if self._bar is not None:
            self._bar.stop()
        return False


def open_engine(model: str | os.PathLike | MTModel, cache_dir: str | os.PathLike,
                settings: Settings | None = None, revision: str | None = None,
                progress: bool = False, translation_cache: bool = True) -> MTEngine:
    """Engine for `model` (Hub id, local dir or MTModel): converts it to CTranslate2 if needed.

    Converted models live in `cache_dir/ct2/`, translations in `cache_dir/translations/`
    (`translation_cache=False` disables the latter).
    """
    from ablate.mt.convert import convert

    settings = (settings or Settings()).resolved()
    mt_model = model if isinstance(model, MTModel) else resolve(str(model), revision)
    ct2_dir = convert(mt_model, Path(cache_dir) / "ct2", quantization=settings.quantization)
    backend = CT2Backend(ct2_dir, mt_model, settings)
    return MTEngine(backend, settings,
                    cache_dir=Path(cache_dir) / "translations" if translation_cache else None,
                    progress=progress)


def settings_digest(settings: Settings) -> str:
    """Short hash of `settings.key()` (for file names)."""
    return hashlib.sha256(settings.key().encode()).hexdigest()[:10]
