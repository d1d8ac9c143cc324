"""The `multitask` settings section: which intermediate tasks share the encoder, how steps are
shared among them and, optionally, how many training examples they have in total. Set it with
--tasks/--sampling/--cap/--temperature, a config file (`multitask: {tasks: [mnli, squad],
sampling: capped, cap: 100000}`) or --set multitask.KEY=V (`--set multitask.total_train_examples=4000`).
`--tasks` takes task names, `all` and granularity groups (`@pair`, ablate.tasks.groups).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ablate.errors import AblateError, unknown

if TYPE_CHECKING:
    from ablate.config import RunConfig

MULTITASK_DEFAULTS: dict[str, Any] = {
    "tasks": [],  # intermediate tasks of the multitask recipe; ["all"] = the paper's nine
    "sampling": "proportional",  # jiant's default: P(task) ∝ training size
    "cap": None,  # --sampling capped: P(task) ∝ min(size, cap), so ANLI+ cannot crowd out the rest
    "temperature": None,  # --sampling temperature: P(task) ∝ size^(1/T); T = 1 is proportional
    # Volume matched to a single task's: N examples over all tasks, split equally (ablate.mixing.total).
    "total_train_examples": None,
}
# The paper's nine intermediate tasks: what `--tasks all` means, whatever else gets registered.
PAPER_TASKS = ("anli_plus", "mnli", "qqp", "squad", "squad_v2", "hellaswag", "commonsense_qa", "cosmos_qa", "ccg")
ALL = "all"


def normalise(value: Mapping[str, Any]) -> dict[str, Any]:
    """A layer's `multitask` mapping with `tasks` as a list ("mnli,squad" -> ["mnli", "squad"])."""
    value = dict(value)
    if isinstance(value.get("tasks"), str):
        value["tasks"] = [t.strip() for t in value["tasks"].split(",") if t.strip()]
    return value


def tasks_of(cfg: "RunConfig") -> tuple[str, ...]:
    """The chosen tasks in the paper's order, so the flag's order changes neither the phase key
    nor the arm."""
    return ordered(cfg.multitask["tasks"])


def ordered(names) -> tuple[str, ...]:
    """Task names, `all` and `@group`s as the set of tasks they mean, in the paper's order
    (unknown names are dropped here: `check` refuses them by name)."""
    from ablate.tasks import TASKS
    from ablate.tasks.groups import GRANULARITY

    chosen: set[str] = set()
    for name in names:
        if name == ALL:
            chosen |= set(PAPER_TASKS)
        elif name.startswith("@"):
            chosen |= set(GRANULARITY.get(name[1:], ()))
        else:
            chosen.add(name)
    order = [*PAPER_TASKS, *(n for n in TASKS if n not in PAPER_TASKS)]
    return tuple(n for n in order if n in chosen)


def arm_task(tasks: tuple[str, ...]) -> str:
    """How the arm names its task set: `all` for the paper's nine, else `mnli-squad-hellaswag`
    (task names have no '-'; MLflow metric names and --arms lists allow no '+' or ',')."""
    return ALL if set(tasks) == set(PAPER_TASKS) else "-".join(tasks)


def check(cfg: "RunConfig") -> None:
    """Every rule of the section (called by ablate.config_check)."""
    from ablate.mixing.sampler import STRATEGIES
    from ablate.tasks import TASKS
    from ablate.tasks.groups import GRANULARITY

    mt = cfg.multitask
    if mt["sampling"] not in STRATEGIES:
        raise unknown("--sampling strategy", mt["sampling"], STRATEGIES)
    for key, strategy, integer in (("cap", "capped", True), ("temperature", "temperature", False)):
        value = mt[key]
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (integer and value != int(value)):
            raise AblateError(f"--{key} expects {'an integer' if integer else 'a number'}, got {value!r}.")
        if mt["sampling"] != strategy:  # a knob the chosen strategy ignores would be silently dropped
            raise AblateError(f"--{key} is read only by --sampling {strategy}, but the sampling is "
                              f"'{mt['sampling']}': add --sampling {strategy} or drop --{key}.")
    if mt["sampling"] == "temperature" and (mt["temperature"] is None or not mt["temperature"] > 0):
        raise AblateError(f"--temperature must be > 0 (1 = proportional, larger = closer to uniform), got "
                          f"{mt['temperature']}; e.g. --sampling temperature --temperature 2.")
    if mt["sampling"] == "capped" and (mt["cap"] is None or mt["cap"] < 1):
        raise AblateError(f"--cap must be an integer >= 1 (training examples per task), got {mt['cap']}; "
                          "e.g. --sampling capped --cap 100000.")
    names = list(mt["tasks"])
    intermediate = [n for n, t in TASKS.items() if t.role == "intermediate"]
    groups = [f"@{g}" for g in GRANULARITY]
    for name in names:
        if name.startswith("@") and name not in groups:
            raise unknown("task group in --tasks", name, groups)
        if not name.startswith("@") and name != ALL and name not in intermediate:
            raise unknown("intermediate task in --tasks", name, [*intermediate, ALL, *groups])
    if ALL in names and len(names) > 1:
        raise AblateError(f"--tasks all already holds the nine paper tasks; drop {', '.join(n for n in names if n != ALL)}.")
    if len(set(names)) != len(names):
        raise AblateError(f"--tasks names a task twice: {','.join(names)}.")
    tasks = ordered(names)
    if len(tasks) == 1:
        given = "" if names == list(tasks) else f" ({','.join(names)} is {tasks[0]})"
        raise AblateError(f"--tasks {','.join(names)} is a single task{given}: that is stilts, `ablate run stilts --task "
                          f"{tasks[0]}`. Multi-task training needs two or more (or `all`).")
    _check_total(mt["total_train_examples"], tasks)


def _check_total(total, tasks: tuple[str, ...]) -> None:
    """`total_train_examples`: None (off) or an integer, at least one example per task."""
    if total is None:
        return
    if isinstance(total, bool) or not isinstance(total, (int, float)) or total != int(total) or total < 1:
        raise AblateError(f"multitask.total_train_examples must be an integer >= 1 (training examples summed over "
                          f"the tasks, split equally), got {total!r}; e.g. --set multitask.total_train_examples=4000.")
    if tasks and total < len(tasks):
        raise AblateError(f"multitask.total_train_examples = {total} is fewer than the {len(tasks)} tasks of --tasks "
                          f"({','.join(tasks)}): each task needs at least one example; use >= {len(tasks)}.")
