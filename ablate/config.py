"""RunConfig: the one resolved, frozen configuration every other module reads.

Precedence, lowest first: field defaults < preset < config file < CLI flags. Each layer is a
nested mapping; unknown keys are rejected with did-you-mean, so a typo never silently falls
back to a default. The defaults are the paper's setting (docs/paper.md, "Hyperparameters").
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from ablate.errors import AblateError, unknown
from ablate.compute import COMPUTE_DEFAULTS
from ablate.config_check import check
from ablate.mixing.settings import MULTITASK_DEFAULTS, normalise as normalise_multitask
from ablate.mlm.settings import MLM_DEFAULTS, MLM_SMOKE, parse_langs
from ablate.train_settings import MT_DEFAULTS, PAPER_FINETUNE, PAPER_INTERMEDIATE, SMOKE_TRAIN, TrainSettings


@dataclass(frozen=True)
class RunConfig:
    """Everything that determines a run. Frozen; build it with `resolve`."""

    preset: str = "paper"
    recipe: str = "stilts"
    task: str | None = None  # the English intermediate task (recipes with a phase 2)
    targets: tuple[str, ...] = ("xnli", "pawsx")  # XTREME target tasks
    # XTREME-R: evaluate only these languages of a target (task -> languages; default: all of them),
    # and whether one run may hold a task's XTREME and XTREME-R language sets (udpos + udpos_xr).
    target_languages: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    mix_language_sets: bool = False
    seeds: tuple[int, ...] = (1,)  # one full pipeline per seed
    model: str = "xlm-roberta-large"  # Hub id, local directory, or a built-in tiny model
    model_revision: str | None = None  # pin a Hub commit for reproducibility
    data: str = "hub"  # "hub" (real datasets) or "fixtures" (shipped, offline, tiny)
    data_dir: str | None = None  # local copies of datasets that have no usable Hub copy
    dataset_revisions: Mapping[str, str] = field(default_factory=dict)  # hub id -> commit
    eval_splits: tuple[str, ...] = ("validation", "test")  # dev next to test, always
    max_eval_examples: int = 0  # per language and split; 0 = all (smoke caps it)
    eval_batch_size: int = 64
    output_dir: str = "ablate-runs"  # phase cache, predictions, default MLflow store
    tracking_uri: str | None = None  # default: sqlite store inside output_dir
    experiment: str = "ablate"  # one shared experiment so recipes sit side by side in the UI
    device: str = "auto"  # auto | cpu | cuda
    devices: int = 1  # data-parallel processes per training phase (torchrun; ablate.phases.distributed)
    offline: bool = False  # never touch the Hub (set automatically when it is unreachable)
    trust_remote_code: bool = False  # run a model's own Python code (auto_map); only when asked
    # Retrieval (BUCC, Tatoeba): mean-pooled hidden layer; "auto" = the paper's block 14 of 24,
    # scaled to the model's depth (round(14/24 * layers)); max length 512 (docs/paper.md).
    retrieval: Mapping[str, Any] = field(default_factory=lambda: {"layer": "auto", "max_seq_length": 512, "batch_size": 32})
    # Mewsli-X, LAReQA: fine-tune XTREME-R's dual encoder on their English pairs first (metrics
    # `mewslix.*`, comparable to XTREME-R's); false scores the encoder as it is (`mewslix_untuned.*`).
    retrieval_finetune: bool = True
    # Machine translation of intermediate data (mt-translate recipe, `ablate translate`).
    mt: Mapping[str, Any] = field(default_factory=lambda: dict(MT_DEFAULTS))
    # Continued multilingual MLM during intermediate training (stilts-mlm; ablate.mlm.settings).
    mlm: Mapping[str, Any] = field(default_factory=lambda: dict(MLM_DEFAULTS))
    intermediate: Mapping[str, TrainSettings] = field(default_factory=lambda: dict(PAPER_INTERMEDIATE))
    finetune: Mapping[str, TrainSettings] = field(default_factory=lambda: dict(PAPER_FINETUNE))
    compute: Mapping[str, Any] = field(default_factory=lambda: dict(COMPUTE_DEFAULTS))  # ablate.compute
    # The multitask recipe's task set and sampler (ablate.mixing.settings).
    multitask: Mapping[str, Any] = field(default_factory=lambda: dict(MULTITASK_DEFAULTS))

    def __post_init__(self) -> None:
        for name in ("dataset_revisions", "target_languages", "retrieval", "mt", "mlm", "intermediate", "finetune",
                     "compute", "multitask"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))

    @property
    def store_uri(self) -> str:
        """The MLflow tracking URI actually used (explicit: never MLflow's cwd default)."""
        if self.tracking_uri:
            return self.tracking_uri
        return f"sqlite:///{Path(self.output_dir).resolve() / 'mlflow.db'}"

    def intermediate_settings(self, task: str) -> TrainSettings:
        return self.intermediate.get(task) or self.intermediate.get("*") or TrainSettings()

    def finetune_settings(self, task: str) -> TrainSettings:
        # an XTREME-R language set (`udpos_xr`) trains exactly as its XTREME task unless set itself
        return (self.finetune.get(task) or self.finetune.get(task.removesuffix("_xr")) or self.finetune.get("*")
                or TrainSettings())

    def to_dict(self) -> dict[str, Any]:
        """Plain nested dict (JSON-able); the inverse of the layer format `resolve` reads."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Mapping):
                value = {
                    k: (_settings_dict(v) if isinstance(v, TrainSettings) else v)
                    for k, v in sorted(value.items())
                }
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out

    def flat(self) -> dict[str, str]:
        """Dotted keys -> strings, e.g. `finetune.xnli.epochs` (MLflow params, signatures)."""
        return {k: _param_str(v) for k, v in _flatten(self.to_dict()).items()}


def _settings_dict(s: TrainSettings) -> dict[str, Any]:
    return {f.name: getattr(s, f.name) for f in fields(s)}


def _flatten(d: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping) and v:
            out.update(_flatten(v, key + "."))
        else:
            out[key] = v
    return out


def _param_str(v: Any) -> str:
    if isinstance(v, (list, tuple)):
        return ",".join(str(x) for x in v)
    if isinstance(v, Mapping):
        return json.dumps(v, sort_keys=True)
    return str(v)


PRESETS: dict[str, dict[str, Any]] = {
    # The published setting: the field defaults already are the paper's values (docs/paper.md).
    "paper": {},
    # Tiny random model, shipped fixture data, a few steps: the whole pipeline, offline, fast.
    "smoke": {
        "model": "tiny-xlmr",
        "data": "fixtures",
        "offline": True,
        "max_eval_examples": 16,
        "retrieval": {"max_seq_length": 64},
        "mt": {"model": "tiny-nllb", "reference_size": 16, "max_examples": 32},
        "mlm": MLM_SMOKE,
        "eval_batch_size": 32,
        "intermediate": {"*": SMOKE_TRAIN},
        "finetune": {"*": SMOKE_TRAIN},
    },
}


def read_config_file(path: str | Path) -> dict[str, Any]:
    """A TOML, YAML or JSON file as a nested mapping (the same keys as RunConfig)."""
    p = Path(path)
    if not p.is_file():
        raise AblateError(f"Config file '{p}' " + ("is a directory, not a file." if p.is_dir() else "does not exist."))
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise AblateError(f"Config file '{p}' cannot be read as UTF-8 text ({e}).") from e
    try:
        if p.suffix == ".toml":
            data = tomllib.loads(text)
        elif p.suffix in (".yaml", ".yml"):
            data = yaml.safe_load(text) or {}
        elif p.suffix == ".json":
            data = json.loads(text)
        else:
            raise AblateError(f"Config file '{p}': use .toml, .yaml/.yml or .json.")
    except (tomllib.TOMLDecodeError, yaml.YAMLError, json.JSONDecodeError) as e:
        raise AblateError(f"Config file '{p}' does not parse: {e}") from e
    if not isinstance(data, dict):
        raise AblateError(f"Config file '{p}' must hold a mapping of settings at the top level.")
    return data


def parse_assignments(items: list[str]) -> dict[str, Any]:
    """`--set finetune.xnli.epochs=1` items -> a nested mapping (values parsed as YAML scalars)."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise AblateError(f"--set expects KEY=VALUE (e.g. finetune.xnli.epochs=1), got '{item}'.")
        node = out
        parts = key.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = yaml.safe_load(raw) if raw else ""
    return out


def resolve(
    preset: str | None = None,
    file: str | Path | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> RunConfig:
    """Merge defaults < preset < file < overrides into a validated RunConfig."""
    name = preset or "paper"
    if name not in PRESETS:
        raise unknown("preset", name, PRESETS)
    layers = [PRESETS[name], read_config_file(file) if file else {}, dict(overrides or {})]
    cfg = RunConfig(preset=name)
    for source, layer in zip(("preset", "config file", "command line"), layers):
        cfg = _apply(cfg, layer, source)
    check(cfg)
    return cfg


def _apply(cfg: RunConfig, layer: Mapping[str, Any], source: str) -> RunConfig:
    known = {f.name: f for f in fields(RunConfig)}
    changes: dict[str, Any] = {}
    for key, value in layer.items():
        if value is None and key not in ("task", "model_revision", "data_dir", "tracking_uri"):
            continue  # None = "not given" (lets an explicit False or 0 win, never a missing flag)
        if key not in known or key == "preset":
            raise unknown(f"setting (from {source})", key, [k for k in known if k != "preset"])
        if key in ("intermediate", "finetune"):
            changes[key] = _merge_settings(getattr(cfg, key), value, f"{key}", source)
        elif key == "dataset_revisions":
            changes[key] = {**cfg.dataset_revisions, **_mapping(value, key, source)}
        elif key == "target_languages":
            changes[key] = {**cfg.target_languages, **{
                task: _coerce(f"{key}.{task}", langs, "tuple[str, ...]", source)
                for task, langs in _mapping(value, key, source).items()}}
        elif key in ("retrieval", "mt", "mlm", "compute", "multitask"):
            value = _mapping(value, key, source)
            current = getattr(cfg, key)
            for k in value:
                if k not in current:
                    raise unknown(f"{key} setting (from {source})", k, current)
            value = dict(value)
            if key == "mt" and isinstance(value.get("langs"), str):
                value["langs"] = [x.strip() for x in value["langs"].split(",") if x.strip()]
            if key == "multitask":
                value = normalise_multitask(value)
            if key == "mlm" and "langs" in value:
                value["langs"] = parse_langs(value["langs"])
            changes[key] = {**current, **value}
        else:
            changes[key] = _coerce(key, value, known[key].type, source)
    return replace(cfg, **changes)


def _mapping(value: Any, key: str, source: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise AblateError(f"'{key}' (from {source}) must be a mapping, got {value!r}.")
    return value


def _merge_settings(current: Mapping[str, TrainSettings], value: Any, key: str, source: str):
    """Per-task TrainSettings; the task key '*' applies to every task already listed."""
    merged = dict(current)
    value = _mapping(value, key, source)
    names = {f.name: f for f in fields(TrainSettings)}
    ordered = sorted(value.items(), key=lambda kv: kv[0] != "*")  # '*' first, specific tasks win
    from ablate.tasks import TASKS

    for task, updates in ordered:
        if task != "*" and task not in TASKS:
            raise unknown(f"task in '{key}' settings (from {source})", task, TASKS)
        updates = _mapping(updates, f"{key}.{task}", source)
        for field_name in updates:
            if field_name not in names:
                raise unknown(f"training setting '{key}.{task}.{field_name}' (from {source})",
                              field_name, names)
        # '*' is also kept as the fallback for tasks that have no entry of their own.
        targets = [*merged, "*"] if task == "*" else [task]
        for t in targets:
            base = merged.get(t) or merged.get("*") or TrainSettings()
            typed = {k: _coerce(f"{key}.{t}.{k}", v, names[k].type, source) for k, v in updates.items()}
            merged[t] = replace(base, **typed)
    return merged


def _coerce(key: str, value: Any, type_name: Any, source: str) -> Any:
    t = str(type_name)
    try:
        if t.startswith("tuple"):
            items = value.split(",") if isinstance(value, str) else list(value)
            items = [x.strip() if isinstance(x, str) else x for x in items if x != ""]
            return tuple(int(x) for x in items) if "int" in t else tuple(str(x) for x in items)
        if t == "bool":
            if isinstance(value, str):
                if value.lower() not in ("true", "false", "yes", "no", "1", "0"):
                    raise ValueError(value)
                return value.lower() in ("true", "yes", "1")
            return bool(value)
        if t == "int":
            if isinstance(value, float) and not value.is_integer():
                raise ValueError(value)
            return int(value)
        if t == "float":
            return float(value)
        if t.startswith("str"):
            return None if value is None else str(value)
    except (TypeError, ValueError) as e:
        raise AblateError(f"Setting '{key}' (from {source}) expects {t}, got {value!r}.") from e
    return value
