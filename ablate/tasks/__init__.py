"""Task registry: `get_task(name)` with did-you-mean, and the format each task belongs to."""

from __future__ import annotations

from ablate.errors import unknown
from ablate.tasks.definitions import TASKS

# One registration module per format family; each calls `definitions.register`.
_FAMILIES = ("span_qa_tasks", "multiple_choice_tasks", "tagging_tasks", "retrieval_tasks", "multilingual_tasks")
for _family in _FAMILIES:
    __import__(f"ablate.tasks.{_family}")
from ablate.tasks.spec import Source, TaskSpec

# Shorthands accepted by --targets.
TARGET_GROUPS = {"xtreme": ("xnli", "pawsx", "udpos", "panx", "xquad", "mlqa", "tydiqa", "bucc2018", "tatoeba")}


def get_task(name: str, role: str | None = None) -> TaskSpec:
    """The task called `name`; `role` ('intermediate' / 'target') restricts the choices."""
    choices = {n: t for n, t in TASKS.items() if role is None or t.role == role}
    if name not in choices:
        raise unknown(f"{role} task" if role else "task", name, choices)
    return choices[name]


def expand_targets(names: tuple[str, ...]) -> tuple[str, ...]:
    """Expand group shorthands (`xtreme`) and check every name is a registered target."""
    out: list[str] = []
    for name in names:
        for t in TARGET_GROUPS.get(name, (name,)):
            get_task(t, "target")
            if t not in out:
                out.append(t)
    return tuple(out)


__all__ = ["TASKS", "Source", "TaskSpec", "get_task", "expand_targets", "TARGET_GROUPS"]
