"""Task registry: `get_task(name)` with did-you-mean, and the format each task belongs to."""

from __future__ import annotations

from ablate.errors import AblateError, did_you_mean, unknown
from ablate.tasks.definitions import TASKS

# One registration module per format family; each calls `definitions.register`.
_FAMILIES = ("span_qa_tasks", "multiple_choice_tasks", "tagging_tasks", "retrieval_tasks", "xtreme_r_tasks")
for _family in _FAMILIES:
    __import__(f"ablate.tasks.{_family}")
from ablate.tasks.spec import Source, TaskSpec
from ablate.tasks.xtreme_r_tasks import LANGUAGE_SETS, POOLED, XTREME_R

# Shorthands accepted by --targets.
TARGET_GROUPS = {"xtreme": ("xnli", "pawsx", "udpos", "panx", "xquad", "mlqa", "tydiqa", "bucc2018", "tatoeba"),
                 "xtreme-r": XTREME_R}


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


def check_language_sets(targets: tuple[str, ...], mixed: bool = False) -> None:
    """Refuse a run that holds a task with both its XTREME and XTREME-R language sets (e.g.
    `--targets xtreme,xtreme-r`: udpos and udpos_xr), unless `mixed` (`--mix-language-sets`)."""
    chosen = expand_targets(targets)
    both = [(x, r) for x, r in LANGUAGE_SETS.items() if x in chosen and r in chosen]
    if both and not mixed:
        pairs = ", ".join(f"{x} + {r}" for x, r in both)
        raise AblateError(
            f"--targets mixes XTREME and XTREME-R language sets of the same task ({pairs}): the "
            "shared languages would be scored twice under two names. Keep one set per task (e.g. "
            "`--targets xtreme-r` alone), or pass --mix-language-sets to run both on purpose."
        )


_OTHER_SET = {**LANGUAGE_SETS, **{r: x for x, r in LANGUAGE_SETS.items()}}  # udpos <-> udpos_xr, ...


def check_target_languages(targets: tuple[str, ...], chosen: dict) -> None:
    """`target_languages` (task -> languages to evaluate) must name run targets and their languages;
    a language of the other language set of the task gets pointed there."""
    names = expand_targets(targets)
    for task, langs in chosen.items():
        if task not in names:
            raise unknown("target in target_languages (not among --targets)", task, names)
        spec = get_task(task, "target")
        if task in POOLED and set(langs) != set(spec.languages):
            raise AblateError(f"target_languages.{task} cannot pick languages: every {task} question is scored "
                              f"against one pool of all {len(spec.languages)} languages' answers, so a subset "
                              f"would change every number. Leave target_languages.{task} unset.")
        other = _OTHER_SET.get(task)
        for lang in langs:
            if lang in spec.languages:
                continue
            hint = did_you_mean(lang, spec.languages)
            if other and lang in get_task(other).languages:
                hint = f" '{lang}' is in {other}'s language set: use --targets {other}."
            raise AblateError(f"Language '{lang}' is not one of {task}'s {len(spec.languages)} languages.{hint} "
                              f"Available: {', '.join(spec.languages)}.")


__all__ = ["TASKS", "Source", "TaskSpec", "get_task", "expand_targets", "TARGET_GROUPS", "check_language_sets",
           "check_target_languages"]
