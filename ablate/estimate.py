"""Compute estimates for `ablate plan`: tokens x parameters -> FLOPs per phase, and hours where a
throughput is given (`compute.flops_per_second`) or measured (earlier runs of the same task and
model in the phase store). Pure and cheap: data cards and fixture files give row counts, a model
config gives the parameters; nothing is loaded or tokenized.

Rules (Kaplan et al. 2020): training costs 6 x N x tokens, a forward pass 2 x N x tokens, with N
the non-embedding parameters (a lookup costs no multiply-adds). Tokens are an upper bound: every
example at its phase's max_seq_length (x choices for multiple choice), which is what fixed
max-length padding (jiant) processes; length-grouped batching processes fewer.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from ablate.config import RunConfig
from ablate.plan import Phase
from ablate.tasks import get_task
from ablate.train_settings import TrainSettings

# Architectures of Hub models ablate is used with (their config.json, for offline planning).
KNOWN_MODELS = {
    "xlm-roberta-large": dict(num_hidden_layers=24, hidden_size=1024, intermediate_size=4096),
    "FacebookAI/xlm-roberta-large": dict(num_hidden_layers=24, hidden_size=1024, intermediate_size=4096),
    "xlm-roberta-base": dict(num_hidden_layers=12, hidden_size=768, intermediate_size=3072),
    "FacebookAI/xlm-roberta-base": dict(num_hidden_layers=12, hidden_size=768, intermediate_size=3072),
}


def non_embedding_parameters(cfg: RunConfig) -> int | None:
    """Encoder parameters outside the embeddings (attention + feed-forward + norms), or None."""
    from ablate.models import TINY_MODELS

    arch = TINY_MODELS.get(cfg.model) or KNOWN_MODELS.get(cfg.model)
    path = Path(cfg.model).expanduser() / "config.json"
    if arch is None and path.is_file():
        arch = json.loads(path.read_text(encoding="utf-8"))
    if not arch or not all(k in arch for k in ("num_hidden_layers", "hidden_size", "intermediate_size")):
        return None
    h, ff = arch["hidden_size"], arch["intermediate_size"]
    per_layer = 4 * h * h + 4 * h + 2 * h * ff + ff + h + 4 * h  # Q, K, V, O; two FF matrices; 2 LayerNorms
    return arch["num_hidden_layers"] * per_layer


@dataclass
class Estimate:
    examples: int | None  # examples processed (training: x epochs, capped by max_steps)
    tokens: int | None  # upper bound, see the module docstring
    flops: float | None
    hours: float | None = None
    hours_source: str = ""  # "given" | "measured" | ""


def rows(cfg: RunConfig, src, lang: str = "en") -> int | None:
    """Rows of one source: the fixture file's lines, or the data card's count for the Hub data."""
    if cfg.data == "fixtures":
        from ablate.data.load import FIXTURES, _find_local

        found = _find_local(FIXTURES, src)
        if found is None or found.suffix != ".jsonl":
            return None
        with found.open("rb") as f:
            return sum(1 for line in f if line.strip())
    from ablate.cards import expected_size, find_card
    from ablate.errors import AblateError

    try:
        card = find_card(src.hub_id, src.config)
        per_lang = isinstance(card.splits.get(src.split), dict)
        n = expected_size(card, src.split, lang if per_lang else None)
    except AblateError:
        return None
    if not isinstance(n, int):
        return None
    if not per_lang and src.where and len(card.languages) > 1:  # one config, filtered by language (XNLI)
        n = math.ceil(n / len(card.languages))
    return n


def _sum(values) -> int | None:
    values = list(values)
    return None if any(v is None for v in values) else sum(values)


def phase_estimate(phase: Phase, cfg: RunConfig, params: int | None) -> Estimate:
    if phase.kind not in ("intermediate", "finetune", "evaluate", "retrieve"):
        # translation: decoding cost is not tokens x encoder size; multi-task and MLM phases mix
        # objectives per step (their plan lines give the steps): shown as "?" and counted unknown
        return Estimate(None, None, None)
    spec = get_task(phase.task)
    per_example = 1 if spec.format != "multiple_choice" else len(spec.label_names)
    if phase.kind in ("intermediate", "finetune"):
        settings = TrainSettings(**phase.settings["train"])
        n = _sum(rows(cfg, s.for_lang("en")) for s in spec.train)
        if n is not None and settings.max_train_examples:
            n = min(n, settings.max_train_examples)
        examples = None if n is None else math.ceil(settings.epochs * n)
        if settings.max_steps:
            capped = settings.max_steps * settings.batch_size * settings.grad_accum
            examples = capped if examples is None else min(examples, capped)
        length = settings.max_seq_length * per_example
        if spec.format == "retrieval":  # a dual encoder encodes both sides of every pair
            from ablate.tasks.dual_encoder import max_length

            length = sum(max_length(settings))
        tokens = None if examples is None else examples * length
        return Estimate(examples, tokens, None if tokens is None or params is None else 6.0 * params * tokens)
    # evaluate / retrieve
    # the queries are what is counted: after a dual-encoder fine-tune they are cut at its query length
    length = (phase.settings.get("max_seq_length") or phase.settings.get("dual_encoder", {}).get("max_query_length")
              or phase.settings.get("retrieval", {}).get("max_seq_length"))
    cap = phase.settings.get("max_examples") or 0
    counts = []
    for split in phase.settings.get("splits", list(spec.evaluation)):
        if split not in spec.evaluation:
            continue
        for lang in phase.settings["languages"]:
            if (split, lang) in spec.unavailable:
                continue
            n = rows(cfg, spec.evaluation[split].for_lang(lang), lang)
            counts.append(None if n is None else min(n, cap) if cap else n)
    examples = _sum(counts)
    tokens = None if examples is None or not length else examples * length * per_example
    return Estimate(examples, tokens, None if tokens is None or params is None else 2.0 * params * tokens)


def with_hours(est: Estimate, phase: Phase, cfg: RunConfig, measured: dict[tuple[str, str], float]) -> Estimate:
    """Hours from the given FLOP/s, else from examples/s measured for this kind and task."""
    from ablate.compute import flops_per_second

    given = flops_per_second(cfg.compute)
    if given and est.flops is not None:
        est.hours, est.hours_source = est.flops / given / 3600, "given"
    elif (phase.kind, phase.task) in measured and est.examples is not None:
        est.hours, est.hours_source = est.examples / measured[(phase.kind, phase.task)] / 3600, "measured"
    return est


def measured_rates(store, model_part: str) -> dict[tuple[str, str], float]:
    """Examples/s of built training phases of this model in the store, per (kind, task)."""
    from ablate.store import ENTRY, RESULT

    rates: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for kind in ("intermediate", "finetune"):
        folder = store.root / kind
        for d in sorted(folder.iterdir()) if folder.is_dir() else ():
            if ".partial-" in d.name or not (d / RESULT).is_file() or not (d / ENTRY).is_file():
                continue
            entry = json.loads((d / ENTRY).read_text(encoding="utf-8"))
            info = json.loads((d / RESULT).read_text(encoding="utf-8")).get("info", {})
            if entry.get("parts", {}).get("model") == model_part and info.get("examples_seen") and info.get("runtime_s"):
                task = entry.get("phase", "").partition(":")[2]
                rates.setdefault((kind, task), []).append((info["examples_seen"], info["runtime_s"]))
    return {k: sum(e for e, _ in v) / sum(t for _, t in v) for k, v in rates.items()}


def human(value: float | None, unit: str = "") -> str:
    if value is None:
        return "?"
    for scale, prefix in ((1e18, "E"), (1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= scale:
            return f"{value / scale:.3g} {prefix}{unit}"
    return f"{value:.3g} {unit}".rstrip()


class PlanCompute:
    """The `ablate plan` columns: per-phase FLOPs and hours, and a total over phases to run."""

    def __init__(self, cfg: RunConfig, store, model_part: str):
        self.cfg = cfg
        self.params = non_embedding_parameters(cfg)
        self.measured = measured_rates(store, model_part)
        self.flops = 0.0
        self.hours = 0.0
        self.unknown = 0  # phases to run whose compute or hours cannot be estimated
        self.sources: set[str] = set()
        self.counted: set[tuple[str, str]] = set()  # (kind, key): a phase shared by two targets runs once

    def cells(self, phase: Phase, key: str, to_run: bool) -> tuple[str, str]:
        est = with_hours(phase_estimate(phase, self.cfg, self.params), phase, self.cfg, self.measured)
        if to_run and (phase.kind, key) not in self.counted:
            self.counted.add((phase.kind, key))
            self.flops += est.flops or 0.0
            self.hours += est.hours or 0.0
            self.unknown += est.flops is None or est.hours is None
            self.sources.add(est.hours_source)
        hours = "?" if est.hours is None else f"{est.hours:.3g} ({est.hours_source})"
        return human(est.flops, "FLOP"), hours

    def summary(self) -> str:
        params = human(self.params)
        text = (f"compute to run: {human(self.flops, 'FLOP')} (upper bound: every example at max_seq_length; "
                f"{params} non-embedding parameters)")
        if self.hours:
            text += f", {self.hours:.3g} h ({'/'.join(sorted(s for s in self.sources if s))})"
        if self.unknown:
            text += (f"; {self.unknown} phase(s) without an estimate (no throughput: give "
                     "--set compute.flops_per_second=..., or run a phase once to measure it)")
        return text
