"""A grid of runs: recipes x intermediate tasks x targets x models x seeds, as pure data.

`ablate sweep` and `ablate study` both expand their axes into RunRequests; each request is
exactly one `ablate run` for one seed (one MLflow parent run), so a grid can be planned,
resumed and scheduled run by run. Planning a request loads nothing.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any


@dataclass(frozen=True)
class RunRequest:
    recipe: str
    task: str | None  # None for recipes without an intermediate phase (baseline)
    targets: tuple[str, ...]
    seed: int
    model: str | None = None  # None = the preset's model
    preset: str | None = None
    # Any further settings, in the layer format `ablate.config.resolve` reads (like --set).
    settings: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "settings", MappingProxyType(dict(self.settings)))

    def layer(self) -> dict[str, Any]:
        """The command-line layer of `ablate.config.resolve` for this run."""
        out: dict[str, Any] = {**self.settings, "recipe": self.recipe, "task": self.task,
                               "targets": ",".join(self.targets), "seeds": str(self.seed)}
        if self.model is not None:
            out["model"] = self.model
        return out

    def resolve(self, base: Mapping[str, Any] | None = None):
        """The RunConfig of this run; `base` (e.g. --output-dir, --tracking-uri) lies underneath."""
        from ablate.config import resolve

        return resolve(self.preset, None, {**(base or {}), **self.layer()})

    def plan(self, base: Mapping[str, Any] | None = None):
        """(Plan, RunConfig): what `ablate run` would execute for this request."""
        from ablate.recipes import load

        cfg = self.resolve(base)
        return load(self.recipe).plan(cfg), cfg

    @property
    def task_set(self) -> tuple[str, ...]:
        """A multitask run's tasks (settings `multitask.tasks`, groups expanded, the paper's order)."""
        from ablate.mixing.settings import normalise, ordered

        return ordered(normalise(self.settings.get("multitask", {})).get("tasks", ()))

    @property
    def arm_task(self) -> str | None:
        """What names the run's intermediate training in the store (tag intermediate_task): the
        task, or a multitask run's task set (`mnli-squad`, `all`); None without phase 2."""
        from ablate.mixing.settings import arm_task

        return self.task or (arm_task(self.task_set) if self.task_set else None)

    @property
    def label(self) -> str:
        tasks = "all" if self.arm_task == "all" else ",".join(self.task_set)  # `all`: the paper's nine
        task = f" --task {self.task}" if self.task else f" --tasks {tasks}" if self.task_set else ""
        model = f" --model {self.model}" if self.model else ""
        return f"{self.recipe}{task} --targets {','.join(self.targets)}{model} --seeds {self.seed}"


def expand(recipes: Iterable[str], tasks: Iterable[str], targets: Iterable[str], seeds: Iterable[int],
           models: Iterable[str | None] = (None,), preset: str | None = None,
           settings: Mapping[str, Any] | None = None) -> list[RunRequest]:
    """Every combination, in a stable order. Recipes without an intermediate phase (baseline)
    are not multiplied by the tasks: their runs do not depend on them."""
    from ablate.recipes import load

    tasks, targets, seeds, models = tuple(tasks), tuple(targets), tuple(seeds), tuple(models)
    out: list[RunRequest] = []
    for recipe in recipes:
        recipe_tasks = tasks if load(recipe).needs_task else (None,)
        for model, task, seed in itertools.product(models, recipe_tasks, seeds):
            out.append(RunRequest(recipe, task, targets, seed, model, preset, settings or {}))
    return out
