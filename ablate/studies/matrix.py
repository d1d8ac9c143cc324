"""A study's run matrix: its grid for one preset as `ablate.grid.RunRequest`s (one `ablate run`
for one seed each), with what the spec declared but this version cannot run left out."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ablate.grid import RunRequest, expand
from ablate.studies.spec import Spec

# Axes on these settings change only runs of one intermediate task; sweeping them over a recipe
# without one (baseline) would only repeat identical runs. The multitask recipe is swept by its
# own `multitask.*` axes instead: a volume study gives it `multitask.total_train_examples` at the
# values one task gets `intermediate.*.max_train_examples`, and crossing the two would train
# multi-task runs nobody asked for.
INTERMEDIATE_ONLY = ("intermediate.", "mt.")
MULTITASK_ONLY = ("multitask.",)


@dataclass(frozen=True)
class Matrix:
    requests: tuple[RunRequest, ...]
    left_out: tuple[str, ...]  # grid entries named in `requires` that this version lacks
    axes: tuple[str, ...]  # the swept setting paths


def build(spec: Spec, preset: str) -> Matrix:
    from ablate.recipes import load
    from ablate.tasks import get_task
    from ablate.tasks.groups import expand_tasks
    from ablate.tasks.multilingual_tasks import is_multilingual

    grid = spec.grid(preset)
    missing = set(spec.unavailable())
    left_out = [r for r in spec.requires if r in missing and _named(r, grid)]
    recipes = [r for r in grid.recipes if f"recipe:{r}" not in missing]
    tasks = expand_tasks([t for t in grid.tasks if f"task:{t}" not in missing])
    targets = [t for t in grid.targets if f"target:{t}" not in missing]
    requests: list[RunRequest] = []
    for recipe in recipes:
        r_ = load(recipe)
        axes = {k: v for k, v in grid.axes.items() if _reads(r_, k)}
        sets = [{"multitask.tasks": list(s)} for s in grid.task_sets] if r_.takes_tasks else [{}]
        for values, task_set in itertools.product(itertools.product(*axes.values()) if axes else [()], sets):
            settings = nested({**_flat(grid.settings), **task_set, **dict(zip(axes, values))})
            for r in expand([recipe], tasks, targets, grid.seeds, grid.models, preset, settings):
                if recipe == "mt-translate" and is_multilingual(get_task(r.task)):
                    continue  # published multilingual data is already translated: stilts trains on it
                if r not in requests:
                    requests.append(r)
    return Matrix(tuple(requests), tuple(left_out), tuple(grid.axes))


def _reads(recipe, path: str) -> bool:
    """Does an axis on setting `path` change the runs of `recipe`?"""
    if path.startswith(MULTITASK_ONLY):
        return recipe.takes_tasks
    return recipe.needs_task or not path.startswith(INTERMEDIATE_ONLY)


def axis_values(request: RunRequest, axes: tuple[str, ...]) -> dict[str, Any]:
    """The value each swept setting has in `request` (None where the axis does not apply)."""
    flat = _flat(request.settings)
    return {a: flat.get(a) for a in axes}


def _named(requirement: str, grid) -> bool:
    kind, _, name = requirement.partition(":")
    listed = {"recipe": grid.recipes, "task": grid.tasks, "target": grid.targets}.get(kind, ())
    return kind == "metric" or name in listed


def _flat(d: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        if isinstance(v, Mapping):
            out.update(_flat(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def nested(flat: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for path, value in flat.items():
        node = out
        *parents, leaf = path.split(".")
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = value
    return out
