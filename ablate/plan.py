"""Plan and Phase: what a recipe returns, as pure data. Building a plan loads nothing.

A phase's `settings` hold everything that determines its output besides its inputs and the
seed, so `ablate.keys` can content-address it (with the code, data and model it reads).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from ablate.errors import AblateError

# Bump a kind's number when its runner changes what it writes: old cached outputs stop matching.
CODE_VERSIONS = {"intermediate": 1, "finetune": 1, "evaluate": 1, "retrieve": 1, "translate": 2, "multitask": 1,
                 "mlm_intermediate": 1}
# Kinds that train an intermediate task (`--task`): the run's arm is `<recipe>:<task>`.
INTERMEDIATE_KINDS = ("intermediate", "mlm_intermediate")


@dataclass(frozen=True)
class Phase:
    """One step of a plan. `inputs` name earlier phases whose outputs this one reads."""

    name: str  # unique within the plan, e.g. "finetune:xnli"
    kind: str  # which runner executes it (a key of CODE_VERSIONS)
    task: str
    inputs: tuple[str, ...] = ()
    settings: Mapping[str, Any] = field(default_factory=dict)
    seeded: bool = True  # trained phases depend on the seed; evaluation of a fixed model does not
    # False when the settings already say everything about the task that shapes the output: a
    # fine-tune is keyed by its training data, so targets trained alike (XQuAD, MLQA) share it.
    task_in_key: bool = True
    # Every task whose data the phase reads, when that is more than `task` (multi-task training,
    # whose `task` is the name of the task set); keys, preflight and revisions read them all.
    tasks: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "settings", MappingProxyType(dict(self.settings)))

    @property
    def data_tasks(self) -> tuple[str, ...]:
        return self.tasks or (self.task,)


@dataclass(frozen=True)
class Plan:
    """A recipe's phases for one configuration; the executor runs it once per seed."""

    recipe: str
    question: str
    phases: tuple[Phase, ...]
    notes: tuple[str, ...] = ()  # what `ablate plan` should say beyond the phase table (e.g. MLM shares)

    def __post_init__(self) -> None:
        self.order()  # validates

    def order(self) -> tuple[Phase, ...]:
        """Phases in dependency order; raises on duplicates, dangling inputs or cycles."""
        by_name: dict[str, Phase] = {}
        for p in self.phases:
            if p.name in by_name:
                raise AblateError(f"Plan '{self.recipe}' has two phases named '{p.name}'.")
            by_name[p.name] = p
        for p in self.phases:
            for dep in p.inputs:
                if dep not in by_name:
                    raise AblateError(f"Phase '{p.name}' reads '{dep}', which the plan does not have.")
        done: list[Phase] = []
        state: dict[str, str] = {}

        def visit(p: Phase, trail: tuple[str, ...]) -> None:
            if state.get(p.name) == "done":
                return
            if state.get(p.name) == "active":
                raise AblateError(f"Plan '{self.recipe}' has a cycle: {' -> '.join(trail + (p.name,))}.")
            state[p.name] = "active"
            for dep in p.inputs:
                visit(by_name[dep], trail + (p.name,))
            state[p.name] = "done"
            done.append(p)

        for p in self.phases:
            visit(p, ())
        return tuple(done)

    def phase(self, name: str) -> Phase:
        return next(p for p in self.phases if p.name == name)
