"""Exact commands to reproduce a tracked run, from the resolved config it logged (config.json).

    ablate rerun <RUN_ID>                    # reads the logged config and runs it again
    ablate run stilts --task mnli ... --set finetune.xnli.epochs=1 ...   # the expanded equivalent

The expanded command names the recipe, task, targets, seeds, preset and model as flags and every
other setting that differs from the preset as a `--set KEY=VALUE` pair, so a `--config` file and
the MT flags of the original invocation are spelled out too; parsed back by the CLI it resolves to
the logged config (tests/reports/test_reproduce.py checks the round trip).
"""

from __future__ import annotations

import json
import shlex
from typing import Any

import yaml

from ablate.config import RunConfig, resolve
from ablate.errors import AblateError

# RunConfig fields with a flag of their own in `ablate run` (always written, or when they differ).
ALWAYS = {"task": "--task", "targets": "--targets", "seeds": "--seeds", "preset": "--preset", "model": "--model"}
WHEN_SET = {"output_dir": "--output-dir", "experiment": "--experiment", "tracking_uri": "--tracking-uri",
            "data_dir": "--data-dir", "device": "--device"}
# Mappings whose keys may hold dots (Hub ids): written whole, as one JSON value.
WHOLE = ("dataset_revisions", "mt.overrides")


def logged_config(d: dict[str, Any], seeds: str | tuple[int, ...] | None = None, **location: str | None) -> RunConfig:
    """The RunConfig a run logged (`cfg.to_dict()`), optionally for other seeds or another location
    (output_dir / tracking_uri given as keywords)."""
    if not isinstance(d, dict) or "recipe" not in d:
        raise AblateError("The logged config.json is not an ablate run config (no 'recipe').")
    layer = {k: v for k, v in d.items() if k != "preset"}
    if seeds:
        layer["seeds"] = seeds if isinstance(seeds, str) else list(seeds)  # "1,2" is checked by resolve
    layer.update({k: v for k, v in location.items() if v is not None})
    return resolve(d.get("preset"), None, layer)


def run_config(store, run_id: str, seeds: str | tuple[int, ...] | None = None, **location: str | None) -> RunConfig:
    """The config of a tracked `ablate run` parent run, for its own seed unless `seeds` is given."""
    info = store.run_info(run_id)
    if info["tags"].get("kind") != "run":
        raise AblateError(f"Run '{run_id}' is a {info['tags'].get('kind', 'non-ablate')} run, not an `ablate run` "
                          "parent run; rerun the parent (the run named '<recipe> seed=N').")
    try:
        d = json.loads(store.artifact(run_id, "config.json").read_text())
    except Exception as e:
        raise AblateError(f"Run '{run_id}' has no readable config.json artifact (`ablate run` logs one with "
                          "every parent run); reproduce it from its tags instead.") from e
    own = info["tags"].get("seed")
    return logged_config(d, seeds or ((int(own),) if own not in (None, "") else None), **location)


def run_command(cfg: RunConfig) -> str:
    """`ablate run ...` that resolves to `cfg` (shell-quoted)."""
    base = resolve(cfg.preset).to_dict()
    got = cfg.to_dict()
    argv = ["ablate", "run", cfg.recipe]
    for key, flag in ALWAYS.items():
        value = got[key]
        if value is not None:
            argv += [flag, ",".join(map(str, value)) if isinstance(value, list) else str(value)]
    for key, flag in WHEN_SET.items():
        if got[key] != base[key] and got[key] is not None:
            argv += [flag, str(got[key])]
    for key, value in _settings(got, base):
        argv += ["--set", f"{key}={_yaml(value)}"]
    return shlex.join(argv)


def _settings(got: dict, base: dict) -> list[tuple[str, Any]]:
    """(dotted key, value) for every setting not covered by a flag that differs from the preset."""
    skip = {"recipe", "preset", *ALWAYS, *WHEN_SET}
    out: list[tuple[str, Any]] = []
    for key in WHOLE:
        a, b = _get(got, key), _get(base, key)
        if a != b:
            out.append((key, a))
    for key in got:
        if key in skip or key in WHOLE:
            continue
        if key in ("intermediate", "finetune"):
            out += _train_settings(key, got[key], base[key])
        elif isinstance(got[key], dict):
            out += [(f"{key}.{k}", v) for k, v in got[key].items()
                    if f"{key}.{k}" not in WHOLE and v != base[key].get(k, object())]
        elif got[key] != base[key]:
            out.append((key, got[key]))
    return out


def _train_settings(section: str, got: dict, base: dict) -> list[tuple[str, Any]]:
    """Per-task training settings. A '*' entry applies to every task already listed when it is
    read back, so any field written for '*' is also written for every specific task."""
    star = got.get("*", {})
    star_fields = [f for f, v in star.items() if v != base.get("*", {}).get(f, object())]
    out = [(f"{section}.*.{f}", star[f]) for f in star_fields]
    for task, fields in got.items():
        if task == "*":
            continue
        old = base.get(task)
        out += [(f"{section}.{task}.{f}", v) for f, v in fields.items()
                if old is None or v != old.get(f) or f in star_fields]
    return out


def _get(d: dict, dotted: str):
    for part in dotted.split("."):
        d = d.get(part, {}) if isinstance(d, dict) else {}
    return d


def _yaml(value: Any) -> str:
    """A value as `--set` reads it back (YAML scalar or JSON flow), exactly."""
    if isinstance(value, float):
        text = repr(value)
        if "e" in text and "." not in text.split("e")[0]:  # YAML 1.1 needs "1.0e-05", not "1e-05"
            mantissa, exponent = text.split("e")
            text = f"{mantissa}.0e{exponent if exponent[0] in '+-' else '+' + exponent}"
        return text
    if isinstance(value, list) and all(isinstance(x, (str, int)) and "," not in str(x) for x in value) and value:
        return ",".join(map(str, value))  # lists are read back from "a,b" (e.g. mt.langs, eval_splits)
    if isinstance(value, str):
        try:
            plain = yaml.safe_load(value) == value and value.strip() == value and value != ""
        except yaml.YAMLError:
            plain = False
        return value if plain else json.dumps(value)
    return json.dumps(value)
