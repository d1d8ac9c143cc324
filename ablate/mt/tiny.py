"""Tiny random-weight MT models built locally: tests and the offline `--preset smoke`.

    python -c "from ablate.mt.tiny import build; print(build('marian'))"

Three kinds, each a Hugging Face model directory that `ablate.mt.convert` turns into CTranslate2:
- `marian`: OPUS-MT-style multi-target Marian (sentencepiece vocab, `>>xxx<<` tags for all 39
  languages in vocab.json), d_model 64 — the output is gibberish, the pipeline is real.
- `nllb`: NLLB-style (M2M100 architecture + `NllbTokenizer` with the 202 FLORES codes).
- `m2m100`: M2M100-style (`M2M100Tokenizer` with `__xx__` tokens) for the conversion-trap test.
Deterministic (fixed seed, single-threaded sentencepiece), built into a temp dir and renamed, and
cached on disk by (kind, sizes, builder version).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import tempfile
from pathlib import Path

from ablate.languages import NON_ENGLISH

BUILDER_VERSION = 2  # bump when the built files change, so cached tiny models are rebuilt
KINDS = ("marian", "nllb", "m2m100")
META_FILE = "ablate_mt.json"  # family + languages of a local model; read by ablate.mt.models

_SUBJECTS = ["the cat", "a teacher", "my brother", "the old man", "our team", "the children",
             "a doctor", "the government", "this company", "her friend", "the river", "John",
             "the students", "a small bird", "the city council", "Maria"]
_VERBS = ["sees", "likes", "builds", "finds", "visits", "reads", "paints", "opens", "closes",
          "follows", "explains", "carries", "watches", "remembers", "describes", "sells"]
_OBJECTS = ["a red house", "the long road", "an interesting book", "the new bridge", "three apples",
            "the market", "a beautiful song", "the morning train", "a letter", "the museum",
            "the mountains", "a broken window", "the final report", "many questions"]
_TAILS = ["today", "in the evening", "because it is raining", "after work", "near the station",
          "with great care", "every summer", "before the meeting", "in 1998", "again", ""]


def corpus(n_lines: int = 400, seed: int = 0) -> list[str]:
    """`n_lines` deterministic English-like sentences (enough to train a tiny vocabulary)."""
    rng = random.Random(seed)
    lines = []
    for _ in range(n_lines):
        words = [rng.choice(_SUBJECTS), rng.choice(_VERBS), rng.choice(_OBJECTS),
                 rng.choice(_TAILS)]
        text = " ".join(w for w in words if w)
        lines.append(text[0].upper() + text[1:] + rng.choice([".", ".", "!", "?"]))
    return lines


def default_cache_dir() -> Path:
    """`$ABLATE_CACHE/tiny-mt` or `~/.cache/ablate/tiny-mt`."""
    base = os.environ.get("ABLATE_CACHE") or os.path.join(Path.home(), ".cache", "ablate")
    return Path(base) / "tiny-mt"


def build(kind: str, cache_dir: str | os.PathLike | None = None, *, d_model: int = 64,
          layers: int = 2, ffn: int = 128, heads: int = 4, vocab_pad: int = 0,
          init_std: float = 0.3, seed: int = 0) -> Path:
    """Build (or reuse) a tiny model of `kind`; returns its Hugging Face model directory.

    `vocab_pad` appends that many unused tokens to a Marian vocabulary (benchmarks use it to get a
    realistic output-projection size); d_model/layers/ffn/heads size the transformer; a large
    `init_std` makes the random model's output varied (with 0.02 it repeats one token forever).
    """
    if kind not in KINDS:
        from ablate.errors import unknown

        raise unknown("tiny MT model kind", kind, KINDS)
    params = dict(kind=kind, d_model=d_model, layers=layers, ffn=ffn, heads=heads,
                  vocab_pad=vocab_pad, init_std=init_std, seed=seed, version=BUILDER_VERSION)
    digest = hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:12]
    root = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    out = root / f"{kind}-d{d_model}-l{layers}-{digest}"
    if (out / META_FILE).is_file():
        return out
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{kind}-", dir=root))
    try:
        builder = {"marian": _build_marian, "nllb": _build_nllb, "m2m100": _build_m2m100}[kind]
        meta = builder(tmp, params)
        meta.update(tiny=True, params=params)
        (tmp / META_FILE).write_text(json.dumps(meta, indent=2) + "\n")
        try:
            os.replace(tmp, out)
        except OSError:  # another process built it first: theirs is identical
            if not (out / META_FILE).is_file():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def _train_spm(workdir: Path, prefix: str, vocab_size: int, model_type: str = "unigram",
               **extra) -> Path:
    import sentencepiece as spm

    text = workdir / "corpus.txt"
    text.write_text("\n".join(corpus()) + "\n")
    spm.SentencePieceTrainer.train(
        input=str(text), model_prefix=str(workdir / prefix), vocab_size=vocab_size,
        model_type=model_type, character_coverage=1.0, num_threads=1, minloglevel=2,
        hard_vocab_limit=False, **extra,
    )
    text.unlink()
    (workdir / f"{prefix}.vocab").unlink()
    return workdir / f"{prefix}.model"


def _seeded(seed: int):
    import torch

    torch.manual_seed(seed)
    return torch


def _build_marian(out: Path, p: dict) -> dict:
    import sentencepiece as spm
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    from ablate.mt.models import opus_tag_candidates

    model_file = _train_spm(out, "spm", 300, unk_id=1, eos_id=0, bos_id=-1, pad_id=-1)
    shutil.move(model_file, out / "source.spm")
    shutil.copy(out / "source.spm", out / "target.spm")
    sp = spm.SentencePieceProcessor(model_file=str(out / "source.spm"))
    tags = [f">>{opus_tag_candidates(lang)[0]}<<" for lang in NON_ENGLISH]
    pieces = [sp.id_to_piece(i) for i in range(sp.get_piece_size())]
    vocab = {"</s>": 0, "<unk>": 1}
    for token in tags + pieces + [f"▁x{i}" for i in range(p["vocab_pad"])] + ["<pad>"]:
        vocab.setdefault(token, len(vocab))
    (out / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False, indent=0))
    pad = vocab["<pad>"]
    config = MarianConfig(
        vocab_size=len(vocab), d_model=p["d_model"], encoder_layers=p["layers"],
        decoder_layers=p["layers"], encoder_attention_heads=p["heads"],
        decoder_attention_heads=p["heads"], encoder_ffn_dim=p["ffn"], decoder_ffn_dim=p["ffn"],
        max_position_embeddings=256, init_std=p["init_std"], pad_token_id=pad, eos_token_id=0,
        forced_eos_token_id=0,
        decoder_start_token_id=pad, bos_token_id=None, share_encoder_decoder_embeddings=True,
        activation_function="swish", scale_embedding=True, static_position_embeddings=True,
    )
    _seeded(p["seed"])
    model = MarianMTModel(config)
    model.generation_config.bad_words_ids = [[pad]]
    model.generation_config.max_length = 64
    model.generation_config.num_beams = 1
    model.save_pretrained(out)
    MarianTokenizer(str(out / "source.spm"), str(out / "target.spm"), str(out / "vocab.json"),
                    source_lang="en", target_lang="mul").save_pretrained(out)
    return {"family": "opus-multi", "languages": list(NON_ENGLISH)}


def _build_nllb(out: Path, p: dict) -> dict:
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import M2M100Config, M2M100ForConditionalGeneration, NllbTokenizer

    specials = ["<s>", "<pad>", "</s>", "<unk>"]
    bpe = Tokenizer(models.BPE(unk_token="<unk>"))
    bpe.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    bpe.train_from_iterator(corpus(), trainers.BpeTrainer(vocab_size=400, special_tokens=specials,
                                                          show_progress=False))
    state = json.loads(bpe.to_str())["model"]
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in state["merges"]]
    tok = NllbTokenizer(vocab=state["vocab"], merges=merges, src_lang="eng_Latn")
    tok.save_pretrained(out)
    return _save_m2m_architecture(out, p, len(tok), M2M100Config, M2M100ForConditionalGeneration,
                                  family="nllb")


def _build_m2m100(out: Path, p: dict) -> dict:
    import sentencepiece as spm
    from transformers import M2M100Config, M2M100ForConditionalGeneration, M2M100Tokenizer

    model_file = _train_spm(out, "spm", 300, unk_id=3, bos_id=0, eos_id=2, pad_id=1)
    shutil.move(model_file, out / "sentencepiece.bpe.model")
    sp = spm.SentencePieceProcessor(model_file=str(out / "sentencepiece.bpe.model"))
    vocab = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
    for i in range(sp.get_piece_size()):
        vocab.setdefault(sp.id_to_piece(i), len(vocab))
    (out / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False, indent=0))
    tok = M2M100Tokenizer(str(out / "vocab.json"), str(out / "sentencepiece.bpe.model"),
                          src_lang="en")
    tok.save_pretrained(out)
    size = len(vocab) + len(tok.lang_token_to_id) + tok.num_madeup_words
    return _save_m2m_architecture(out, p, size, M2M100Config, M2M100ForConditionalGeneration,
                                  family="m2m100")


def _save_m2m_architecture(out, p, vocab_size, config_cls, model_cls, family):
    config = config_cls(
        vocab_size=vocab_size, d_model=p["d_model"], encoder_layers=p["layers"],
        decoder_layers=p["layers"], encoder_attention_heads=p["heads"],
        decoder_attention_heads=p["heads"], encoder_ffn_dim=p["ffn"], decoder_ffn_dim=p["ffn"],
        max_position_embeddings=256, init_std=p["init_std"], pad_token_id=1, bos_token_id=0,
        eos_token_id=2,
        decoder_start_token_id=2, scale_embedding=True,
    )
    _seeded(p["seed"])
    model = model_cls(config)
    model.generation_config.max_length = 64
    model.save_pretrained(out)
    return {"family": family, "languages": None}  # None: the family's own coverage
