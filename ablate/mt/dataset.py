"""One call from English task records to translated records per language, gated on quality.

    python -c "from ablate.mt.dataset import translate_dataset; help(translate_dataset)"

Order of work, cheapest refusal first: choose a model per language (unknown or unsupported
languages are refused before anything loads) → per language, the quality gate on the reference
set (a bad model is refused before the long translation) → the records → refuse an all-dropped
result.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from ablate.errors import AblateError
from ablate.mt import quality
from ablate.mt.formats import TranslatedRecords, translate_records
from ablate.mt.models import MTModel, choose_models
from ablate.mt.translate import MTEngine, Settings, open_engine


def translate_dataset(
    records: list[dict],
    fmt: str,
    langs: list[str] | tuple[str, ...],
    model: str,
    cache_dir: str | os.PathLike,
    *,
    overrides: dict[str, str] | None = None,
    revisions: dict[str, str] | None = None,
    fields: tuple[str, ...] | None = None,
    settings: Settings | None = None,
    references: dict[str, tuple[list[str], list[str]]] | None = None,
    reference_name: str = "",
    min_chrf: float | None = None,
    progress: bool = False,
    engine_factory: Callable[[MTModel], MTEngine] | None = None,
) -> dict[str, TranslatedRecords]:
    """Translate `records` (format `fmt`) into each of `langs`; {lang: TranslatedRecords}.

    `model` is the default MT model (Hub id or local dir), `overrides` {lang: model} replaces it
    per language; converted models and translations are cached under `cache_dir`. `references`
    {lang: (english, human)} feeds the quality gate (missing language → skipped with a warning);
    `min_chrf` refuses languages scoring below it (AblateError). `engine_factory` replaces
    `open_engine` (tests, custom backends).
    """
    chosen = choose_models(list(langs), model, overrides, revisions)
    engines: dict[str, MTEngine] = {}

    def engine_for(m: MTModel) -> MTEngine:
        if m.model_id not in engines:
            engines[m.model_id] = engine_factory(m) if engine_factory else open_engine(
                m, cache_dir, settings=settings, progress=progress)
        return engines[m.model_id]

    out = {}
    for lang in langs:
        engine = engine_for(chosen[lang])
        gate = quality.check(engine.translate_texts, lang, references, min_chrf, reference_name)
        result = translate_records(records, fmt, lang, engine, fields)
        if result.kept == 0:
            reasons = ", ".join(f"{k}: {v}" for k, v in result.drop_reasons.items())
            raise AblateError(f"Every one of the {result.dropped} {fmt} examples was dropped when "
                              f"translating into '{lang}' with {chosen[lang].model_id} "
                              f"({reasons}). "
                              "The model does not preserve answer spans; use a stronger MT model.")
        result.quality = gate
        out[lang] = result
    return out
