"""Named groups of intermediate tasks by granularity, written `@name` wherever a list of
intermediate tasks is accepted (study specs; `@pair` = mnli, qqp, anli_plus).

The grouping is the one research question 1 asks about: what the task's output attaches to
(a token, a span, a sentence pair, one of several candidate answers).
"""

from __future__ import annotations

from collections.abc import Iterable

from ablate.errors import unknown

GRANULARITY = {
    "token": ("ccg",),
    "span": ("squad", "squad_v2"),
    "pair": ("mnli", "qqp", "anli_plus"),
    "multiple_choice": ("hellaswag", "commonsense_qa", "cosmos_qa"),
}


def group_of(task: str) -> str | None:
    """The granularity group of an intermediate task (None for tasks in no group)."""
    return next((g for g, members in GRANULARITY.items() if task in members), None)


def expand_tasks(names: Iterable[str]) -> tuple[str, ...]:
    """`@group` names expanded, duplicates dropped, order kept; every task checked to exist."""
    from ablate.tasks import get_task

    out: list[str] = []
    for name in names:
        if name.startswith("@"):
            if name[1:] not in GRANULARITY:
                raise unknown("task group", name, [f"@{g}" for g in GRANULARITY])
            members = GRANULARITY[name[1:]]
        else:
            members = (name,)
        for task in members:
            get_task(task, "intermediate")
            if task not in out:
                out.append(task)
    return tuple(out)
