"""Find recipe modules in the `recipes` package by name; `stilts-mlm` is `recipes/stilts_mlm.py`."""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from types import ModuleType

from ablate.config import RunConfig
from ablate.errors import AblateError, unknown
from ablate.plan import Plan


@dataclass(frozen=True)
class Recipe:
    name: str
    question: str  # the first line of the module docstring
    needs_task: bool  # does it have an intermediate phase (so --task is required)?
    module: ModuleType
    takes_tasks: bool = False  # does it train several intermediate tasks (--tasks)?

    def plan(self, cfg: RunConfig) -> Plan:
        tasks = ",".join(cfg.multitask["tasks"])
        if self.takes_tasks and cfg.task:
            raise AblateError(f"Recipe '{self.name}' trains several intermediate tasks: pass them with --tasks "
                              f"(e.g. --tasks {cfg.task},squad, or --tasks all), not --task {cfg.task}.")
        if not self.takes_tasks and tasks:
            raise AblateError(f"Recipe '{self.name}' does not take --tasks ({tasks}): several intermediate tasks on "
                              f"one encoder is the multitask recipe (`ablate run multitask --tasks {tasks}`)"
                              + ("; give stilts one task with --task." if self.needs_task else "; drop --tasks."))
        total = cfg.multitask["total_train_examples"]
        if not self.takes_tasks and total is not None:
            raise AblateError(f"multitask.total_train_examples ({total}) splits a total over the tasks of the multitask "
                              f"recipe; recipe '{self.name}' would ignore it: drop it"
                              + (f", or cap its one task with --max-train-examples {total}." if self.needs_task else "."))
        if self.needs_task and not cfg.task:
            raise AblateError(f"Recipe '{self.name}' trains an intermediate task: pass --task "
                              "(see `ablate tasks`), e.g. --task mnli.")
        if not self.needs_task and cfg.task:
            raise AblateError(f"Recipe '{self.name}' has no intermediate phase, so --task {cfg.task} would be "
                              "ignored; drop it (or use a recipe that takes one, e.g. stilts).")
        return self.module.plan(cfg)


def _module_names() -> list[str]:
    import recipes

    return sorted(m.name for m in pkgutil.iter_modules(recipes.__path__) if not m.name.startswith("_"))


def available() -> list[str]:
    return [m.replace("_", "-") for m in _module_names()]


def load(name: str) -> Recipe:
    names = available()
    if name not in names:
        raise unknown("recipe", name, names)
    module = importlib.import_module(f"recipes.{name.replace('-', '_')}")
    doc = (module.__doc__ or "").strip()
    if not doc or not hasattr(module, "plan"):
        raise AblateError(f"recipes/{module.__name__.split('.')[-1]}.py needs a docstring and plan(cfg).")
    return Recipe(name, doc.splitlines()[0], getattr(module, "NEEDS_TASK", False), module,
                  getattr(module, "TAKES_TASKS", False))
