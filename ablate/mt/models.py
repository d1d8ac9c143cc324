"""MT model registry: model family, language coverage, target-language control, per-language choice.

    python -c "from ablate.mt.models import choose_models as c; print(c(['de', 'sw'], 'facebook/nllb-200-distilled-600M', {'de': 'Helsinki-NLP/opus-mt-en-de'}))"

Pure and cheap (no torch, no download): the family is read from the model id, or from a local
directory's `ablate_mt.json` / `config.json` / `vocab.json`. Families:
- `nllb`: source `eng_Latn`; `target_prefix=[[code]]`; the first output token (the code) dropped.
- `m2m100`: source `__en__`; `target_prefix=[["__de__"]]`; first output token dropped.
- `opus`: OPUS-MT pair model, one target language, no control.
- `opus-multi`: OPUS-MT multi-target model; `>>xxx<<` prefixed to the source text.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from ablate.errors import AblateError, unknown
from ablate.languages import NAMES, NLLB_CODES, NON_ENGLISH, TATOEBA_CODES

FAMILIES = ("nllb", "m2m100", "opus", "opus-multi")

# M2M100's own codes are ISO 639-1; it has no Basque and no Telugu (checked against
# transformers' FAIRSEQ_LANGUAGE_CODES["m2m100"] in tests).
M2M100_LANGS = tuple(lang for lang in NON_ENGLISH if lang not in ("eu", "te"))

# Helsinki-NLP/opus-mt-en-xx pair models that exist for XTREME languages (on the Hub).
OPUS_PAIRS = ("af", "ar", "bg", "de", "el", "es", "et", "eu", "fi", "fr", "he", "hi", "hu", "id",
              "it", "ml", "mr", "nl", "ru", "sw", "tl", "ur", "vi", "zh")
# Pair ids that are really multi-target and need a `>>xxx<<` tag (per their model cards).
OPUS_MULTI_PAIRS = {"ar": "ara", "zh": "cmn_Hans"}
# opus-mt-en-mul: not ko, tl; "useless" for ja, my, ka (its model card's own scores; not all re-checked).
OPUS_MUL_MISSING = ("ja", "ka", "ko", "my", "tl")
# Known-bad models: refused for these languages with the reason.
BROKEN = {
    ("Helsinki-NLP/opus-mt-tc-big-en-ko", "ko"): "ships a broken tokenizer (garbage output); use "
    "NLLB or M2M100 for Korean",
}

# OPUS `>>xxx<<` tags, most likely first; a local vocab.json decides which one exists.
_OPUS_TAG_OVERRIDES = {
    "zh": ("cmn_Hans", "zho_Hans", "cmn", "zho"), "ar": ("ara", "arb"), "fa": ("pes", "fas"),
    "ms": ("zsm_Latn", "msa", "zsm"), "my": ("mya",), "yo": ("yor",), "sw": ("swh", "swa"),
    "he": ("heb",), "pt": ("por",), "et": ("est",),
}


def opus_tag_candidates(lang: str) -> tuple[str, ...]:
    """Possible OPUS target tags (without `>>` `<<`) for a two-letter language, best first."""
    if lang in _OPUS_TAG_OVERRIDES:
        return _OPUS_TAG_OVERRIDES[lang]
    return (TATOEBA_CODES.get(lang) or NLLB_CODES[lang].split("_")[0],)


@dataclass(frozen=True)
class MTModel:
    """One MT model as ablate uses it: id (Hub id or local dir), revision, family, coverage."""

    model_id: str
    family: str
    languages: tuple[str, ...]  # the non-English XTREME languages it can produce
    revision: str | None = None
    opus_tags: tuple[str, ...] = ()  # `>>xxx<<` tokens present in a local multi-target vocab

    @property
    def is_local(self) -> bool:
        return Path(self.model_id).is_dir()

    @property
    def name(self) -> str:
        """Short display name: the id's last path component."""
        return Path(self.model_id.rstrip("/")).name

    def check(self, lang: str) -> None:
        """Raise AblateError unless this model can translate English into `lang`."""
        if (self.model_id, lang) in BROKEN:
            raise AblateError(f"MT model {self.model_id} cannot be used for '{lang}': "
                              f"{BROKEN[(self.model_id, lang)]}.")
        if lang not in self.languages:
            raise AblateError(
                f"MT model {self.model_id} ({self.family}) cannot translate into '{lang}' "
                f"({NAMES.get(lang, lang)}). It can produce: "
                f"{', '.join(self.languages) or 'none'}. Choose another model for it, e.g. "
                f"--mt-model {lang}=facebook/nllb-200-distilled-600M."
            )

    def source_tag(self, lang: str) -> str | None:
        """The `>>xxx<<` token a multi-target OPUS model needs before the source, else None."""
        if self.family != "opus-multi":
            return None
        candidates = [f">>{c}<<" for c in opus_tag_candidates(lang)]
        if self.opus_tags:
            present = [c for c in candidates if c in self.opus_tags]
            if not present:
                raise AblateError(f"MT model {self.model_id} has no target tag for '{lang}' "
                                  f"(tried {', '.join(candidates)}).")
            return present[0]
        if lang in OPUS_MULTI_PAIRS and "opus-mt-en-mul" not in self.model_id:
            return f">>{OPUS_MULTI_PAIRS[lang]}<<"
        return candidates[0]

    def source_lang_token(self) -> str | None:
        """The source-language token NLLB/M2M100 tokenizers put in front of the source."""
        return {"nllb": "eng_Latn", "m2m100": "__en__"}.get(self.family)

    def target_prefix(self, lang: str) -> list[str] | None:
        """Tokens forced at the start of the output (dropped from the hypothesis), or None."""
        if self.family == "nllb":
            return [NLLB_CODES[lang]]
        if self.family == "m2m100":
            return [f"__{lang}__"]
        return None


def _from_id(model_id: str) -> tuple[str, tuple[str, ...]]:
    """Family and coverage from a Hub id."""
    low = model_id.lower()
    if "nllb" in low:
        return "nllb", tuple(NON_ENGLISH)
    if "m2m100" in low or "m2m_100" in low:
        return "m2m100", M2M100_LANGS
    match = re.search(r"opus-mt-(?:tc-big-|tc-)?en-([a-z_]+)$", low)
    if match:
        target = match.group(1)
        if target in ("mul", "roa", "gem", "sla", "ine", "cel", "zle", "zls", "itc"):
            return "opus-multi", tuple(l for l in NON_ENGLISH if l not in OPUS_MUL_MISSING) \
                if target == "mul" else ()
        if target in OPUS_MULTI_PAIRS:
            return "opus-multi", (target,)
        # Three-letter OPUS ids (opus-mt-en-jap, -en-kor) map back to two-letter codes.
        back = {v: k for k, v in TATOEBA_CODES.items()} | {"jap": "ja", "kor": "ko"}
        lang = back.get(target, target)
        return "opus", (lang,) if lang in NON_ENGLISH else ()
    raise AblateError(
        f"Cannot tell which MT family '{model_id}' belongs to. Supported: NLLB-200 "
        "(facebook/nllb-200-*), M2M100 (facebook/m2m100_*), OPUS-MT (Helsinki-NLP/opus-mt-en-xx), "
        "or a local directory (with config.json, or ablate_mt.json naming family and languages)."
    )


def _from_dir(path: Path) -> MTModel:
    """Family and coverage from a local model directory."""
    meta_file, config_file = path / "ablate_mt.json", path / "config.json"
    meta = json.loads(meta_file.read_text()) if meta_file.is_file() else {}
    config = json.loads(config_file.read_text()) if config_file.is_file() else {}
    if not meta and not config:
        raise AblateError(f"{path} is not a model directory (no config.json or ablate_mt.json).")
    family = meta.get("family")
    tags: tuple[str, ...] = ()
    vocab_file = path / "vocab.json"
    if config.get("model_type") == "marian" and vocab_file.is_file():
        tags = tuple(t for t in json.loads(vocab_file.read_text()) if re.fullmatch(r">>.+<<", t))
        family = family or ("opus-multi" if tags else "opus")
    if family is None:
        tokenizer_cfg = path / "tokenizer_config.json"
        tok_class = json.loads(tokenizer_cfg.read_text()).get("tokenizer_class", "") \
            if tokenizer_cfg.is_file() else ""
        family = "nllb" if "Nllb" in tok_class else "m2m100" if config.get("model_type") == \
            "m2m_100" else None
    if family is None:
        family, langs = _from_id(path.name)
    elif meta.get("languages"):
        langs = tuple(meta["languages"])
    elif family == "nllb":
        langs = tuple(NON_ENGLISH)
    elif family == "m2m100":
        langs = M2M100_LANGS
    elif family == "opus-multi":
        langs = tuple(l for l in NON_ENGLISH
                      if any(f">>{c}<<" in tags for c in opus_tag_candidates(l)))
    else:
        langs = _from_id(path.name)[1] if re.search(r"en-[a-z]+$", path.name) else ()
        if not langs:
            raise AblateError(f"Cannot tell the target language of the OPUS pair model in {path}: "
                              "name the directory like opus-mt-en-de or write ablate_mt.json "
                              '({"family": "opus", "languages": ["de"]}).')
    return MTModel(str(path), family, langs, opus_tags=tags)


def resolve(model_id: str, revision: str | None = None) -> MTModel:
    """Describe `model_id` (a Hub id or a local directory) without downloading anything."""
    path = Path(model_id).expanduser()
    if path.is_dir():
        model = _from_dir(path.resolve())
        return MTModel(model.model_id, model.family, model.languages, revision, model.opus_tags)
    if path.is_absolute() or model_id.startswith((".", "~")):
        raise AblateError(f"MT model directory {model_id} does not exist.")
    family, langs = _from_id(model_id)
    return MTModel(model_id, family, langs, revision)


def parse_overrides(specs: str | list[str] | None) -> dict[str, str]:
    """`"de=Helsinki-NLP/opus-mt-en-de,fr=..."` (or a list of `lang=model`) → {lang: model}."""
    if not specs:
        return {}
    items = specs.split(",") if isinstance(specs, str) else [s for x in specs for s in x.split(",")]
    out = {}
    for item in (i.strip() for i in items if i.strip()):
        lang, sep, model = item.partition("=")
        if not sep or not model:
            raise AblateError(f"Bad MT model override '{item}': expected lang=model, e.g. "
                              "de=Helsinki-NLP/opus-mt-en-de.")
        out[lang.strip()] = model.strip()
    return out


def split_model_specs(specs: str | list[str] | None, default: str) -> tuple[str, dict[str, str]]:
    """CLI `--mt-model` values → (default model, {lang: model}).

    Items without `=` replace the default (at most one); `lang=model` items are overrides:
    `["facebook/nllb-200-1.3B", "de=Helsinki-NLP/opus-mt-en-de"]` or the same comma-joined.
    """
    items = [] if not specs else specs.split(",") if isinstance(specs, str) else \
        [s for x in specs for s in x.split(",")]
    plain = [i.strip() for i in items if i.strip() and "=" not in i]
    if len(plain) > 1:
        raise AblateError(f"More than one default MT model given ({', '.join(plain)}); use "
                          "lang=model for per-language choices.")
    return (plain[0] if plain else default), parse_overrides([i for i in items if "=" in i])


def choose_models(langs: list[str] | tuple[str, ...], default_model: str,
                  overrides: dict[str, str] | None = None,
                  revisions: dict[str, str] | None = None) -> dict[str, MTModel]:
    """{lang: MTModel} for every requested language, refusing up front what cannot be produced.

    `overrides` maps a language to a model id replacing `default_model` for it; `revisions` maps a
    model id to a Hub revision. Raises AblateError for an unknown language, an override for a
    language not requested, or a model that cannot produce its language (listing what it can).
    """
    overrides = dict(overrides or {})
    revisions = revisions or {}
    if not langs:
        raise AblateError("No target languages given for translation.")
    for lang in list(langs) + list(overrides):
        if lang == "en":
            raise AblateError("English is the source language; choose non-English targets.")
        if lang not in NON_ENGLISH:
            raise unknown("language", lang, NON_ENGLISH)
    stray = sorted(set(overrides) - set(langs))
    if stray:
        raise AblateError(f"MT model override for {', '.join(stray)}, which is not among the "
                          f"requested languages ({', '.join(langs)}).")
    resolved: dict[str, MTModel] = {}
    chosen = {}
    for lang in langs:
        model_id = overrides.get(lang, default_model)
        if model_id not in resolved:
            resolved[model_id] = resolve(model_id, revisions.get(model_id))
        resolved[model_id].check(lang)
        chosen[lang] = resolved[model_id]
    return chosen
