"""Machine translation of English task data with CTranslate2 (the `mt-translate` recipe's engine).

    python -c "import ablate.mt as mt; print(mt.choose_models(['de', 'sw'], 'facebook/nllb-200-distilled-600M'))"

Modules, one job each:
  models    families, coverage, target-language control, per-language model choice (pure, cheap)
  convert   HF model → CTranslate2 once, cached and atomic (M2M100 + transformers 5 fix)
  tiny      tiny random-weight Marian / NLLB / M2M100 models for tests and --preset smoke
  segment   sentence splitting and re-joining
  translate Settings, CT2Backend, MTEngine (dedup, sentence split, batching, progress), open_engine
  cache     sharded, checksummed, resumable translation cache
  spans     answer-span markers for span QA
  formats   translate_records for classification / multiple_choice / span_qa (tagging refused)
  quality   chrF/BLEU against human references + --min-chrf gate
  dataset   translate_dataset: records × languages → TranslatedRecords (the one-call API)

Importing this package is cheap: heavy modules (torch, transformers, ctranslate2) load on use.
"""

from __future__ import annotations

from ablate.mt.models import MTModel, choose_models, parse_overrides, resolve

__all__ = ["MTModel", "choose_models", "parse_overrides", "resolve", "translate_dataset",
           "translate_records", "open_engine", "Settings", "MTEngine", "TranslatedRecords"]


def __getattr__(name: str):
    if name == "translate_dataset":
        from ablate.mt.dataset import translate_dataset
        return translate_dataset
    if name in ("translate_records", "TranslatedRecords"):
        from ablate.mt import formats
        return getattr(formats, name)
    if name in ("open_engine", "Settings", "MTEngine"):
        from ablate.mt import translate
        return getattr(translate, name)
    raise AttributeError(f"module 'ablate.mt' has no attribute '{name}'")
