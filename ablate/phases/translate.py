"""Translate phase: an intermediate task's English training data -> machine-translated copies.

Writes `data/<lang>/<i>/train.jsonl` (+ its `features.json`) in the exact Hub schema of training
source i (ANLI+ has three schemas),
so the intermediate phase loads it like any other split; `counts.json` (kept / dropped per
language), `quality.json` (chrF / BLEU against human references, with sacrebleu signatures) and
`card.md`, a data card generated from data_cards/translated_template.md.
"""

from __future__ import annotations

import datetime as dt
import json
import random

from ablate.data.load import check_against_card, load_raw
from ablate.errors import AblateError
from ablate.phases import PhaseContext, PhaseResult
from ablate.store import write_json
from ablate.tasks import get_task

TINY_MT = {"tiny-nllb": "nllb", "tiny-marian": "marian", "tiny-m2m100": "m2m100"}
SUBSAMPLE_SEED = 0  # the same subsample for every seed and recipe


def run_translate(ctx: PhaseContext) -> PhaseResult:
    from ablate.models import cache_root
    from ablate.mt.dataset import translate_dataset
    from ablate.mt.translate import Settings

    spec = get_task(ctx.phase.task, "intermediate")
    langs = list(ctx.phase.settings["langs"])
    mt = dict(ctx.phase.settings["mt"])
    cache_dir = cache_root() / "mt"
    model = mt["model"]
    if model in TINY_MT:  # smoke: a random-weight model built locally (its output is gibberish)
        from ablate.mt import tiny

        model = str(tiny.build(TINY_MT[model], cache_dir / "tiny"))
    device = ctx.cfg.mt.get("device", "auto")
    settings = Settings(beam_size=mt["beam_size"], compute_type=mt["compute_type"],
                        device=device if device != "auto" else ctx.cfg.device)  # --device applies too
    references, ref = _references(spec, ctx, langs, mt)
    reference_name = ref.label if ref else ""
    counts: dict[str, dict] = {lang: {"kept": 0, "dropped": 0} for lang in langs}
    quality: dict[str, dict] = {}
    signature: dict[str, str] = {}
    with ctx.progress.bar(f"  translate {spec.name} -> {len(langs)} languages", total=len(spec.train)) as bar:
        for i, src in enumerate(spec.train):
            raw = load_raw(src, ctx.cfg)
            check_against_card(raw, src, ctx.cfg, "en")
            rows = _gold_rows(raw, src, mt["max_examples"])
            out = translate_dataset(
                rows, spec.format, langs, model, cache_dir, overrides=dict(mt["overrides"]), settings=settings,
                references=references if i == 0 else None, reference_name=reference_name,
                min_chrf=mt["min_chrf"] if i == 0 else None,
            )
            for lang, result in out.items():
                target = ctx.out / "data" / lang / str(i)
                target.mkdir(parents=True, exist_ok=True)
                _write_jsonl(target / "train.jsonl", result.records)
                (target / "features.json").write_text(json.dumps(raw.features.to_dict()))
                counts[lang]["kept"] += result.kept
                counts[lang]["dropped"] += result.dropped
                for reason, n in result.drop_reasons.items():
                    counts[lang][f"dropped_{reason}"] = counts[lang].get(f"dropped_{reason}", 0) + n
                if i == 0 and result.quality is not None:
                    quality[lang] = {k: v for k, v in result.quality.as_dict().items()}
                signature = result.signature
            bar.advance(1)
    write_json(ctx.out / "counts.json", counts)
    write_json(ctx.out / "quality.json", quality)
    (ctx.out / "card.md").write_text(_card(spec, langs, mt, counts, quality, ref, signature))
    metrics: dict[str, float] = {}
    for lang in langs:
        metrics[f"mt.{lang}.kept"] = float(counts[lang]["kept"])
        metrics[f"mt.{lang}.dropped"] = float(counts[lang]["dropped"])
        q = quality.get(lang, {})
        for name in ("chrf", "bleu"):
            if q.get(f"quality_{name}") is not None:
                metrics[f"mt.{lang}.{name}"] = float(q[f"quality_{name}"])
    tags = {"mt.model": mt["model"], "mt.langs": ",".join(langs), "mt.reference": reference_name or "none",
            "mt.signature": "|".join(f"{k}:{v}" for k, v in signature.items())}
    skipped = sorted(lang for lang, q in quality.items() if q.get("quality_status") == "skipped")
    if skipped:
        ctx.progress.print(f"  [yellow]no reference for {', '.join(skipped)}: quality gate skipped[/]")
    info = {"counts": counts, "reference": reference_name, "skipped_quality": skipped}
    return PhaseResult(metrics=metrics, tags=tags, artifacts=["counts.json", "quality.json", "card.md"], info=info)


def _gold_rows(raw, src, max_examples: int) -> list[dict]:
    """Rows worth translating (those with a gold label), optionally a fixed subsample."""
    rows = raw.to_list()
    label = src.columns.get("label")
    if label is not None:
        rows = [r for r in rows if r[label] not in src.drop_labels and r[label] != ""]
    if max_examples and len(rows) > max_examples:
        rows = random.Random(SUBSAMPLE_SEED).sample(rows, max_examples)
    if not rows:
        raise AblateError(f"{src.describe()}: nothing to translate (no rows with a gold label).")
    return rows


def _write_jsonl(path, rows: list[dict]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    tmp.replace(path)


def _references(spec, ctx: PhaseContext, langs: list[str], mt: dict):
    """The gate's references (mt.reference: FLORES+ dev by default; never a test split)."""
    from ablate.mt.references import load_references, resolve

    ref = resolve(spec.format, mt["reference"])
    if ref is None:
        ctx.progress.print("  [yellow]mt.reference = none: quality gate skipped[/]")
        return None, None
    return load_references(ref, langs, int(mt["reference_size"]), ctx.cfg), ref


def _card(spec, langs, mt, counts, quality, ref, signature) -> str:
    from ablate.cards import fill_template, load_card

    source = load_card(spec.cards[0]) if spec.cards else None
    quality_rows = ["| language | chrF | BLEU | segments | signature |", "|---|---|---|---|---|"]
    for lang in langs:
        q = quality.get(lang, {})
        quality_rows.append(f"| {lang} | {q.get('quality_chrf', '—')} | {q.get('quality_bleu', '—')} | "
                            f"{q.get('quality_n', 0)} | {q.get('quality_chrf_signature', q.get('quality_message', ''))} |")
    count_rows = ["| language | kept | dropped |", "|---|---|---|"]
    count_rows += [f"| {lang} | {counts[lang]['kept']} | {counts[lang]['dropped']} |" for lang in langs]
    settings = {k: v for k, v in mt.items() if k not in ("model",)}
    values = {
        "name": f"{spec.name}-mt", "config": None, "license": getattr(source, "license", None),
        "citation": getattr(source, "citation", None), "languages": langs,
        "splits": {"train": {lang: counts[lang]["kept"] for lang in langs}},
        "features": dict(source.features) if source else {}, "label_names": dict(source.label_names) if source and isinstance(source.label_names, dict) else (list(source.label_names) if source else []),
        "source_card": spec.cards[0] if spec.cards else spec.name,
        "mt_model": mt["model"], "mt_model_revision": signature.get("mt_model", "").partition("@")[2] or "unpinned",
        "mt_engine": "CTranslate2", "mt_settings": settings, "date": dt.date.today().isoformat(),
        "quality": quality, "counts": counts, "language_list": ", ".join(langs),
        "mt_settings_text": ", ".join(f"{k}={v}" for k, v in settings.items()),
        "mt_model_license": "see the MT model's card", "quality_reference": (
            f"{ref.label} (`{ref.source.hub_id}`, split `{ref.source.split}`; {ref.domain})" if ref
            else "none (mt.reference = none: no gate)"),
        "quality_table": "\n".join(quality_rows), "counts_table": "\n".join(count_rows),
        "filters": "span-QA answers that could not be re-located", 
    }
    return fill_template(values)
