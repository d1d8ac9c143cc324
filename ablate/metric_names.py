"""How metrics are named, in one place, so every recipe's runs line up in the MLflow UI.

Test-split metrics are the headline (`xnli.de.accuracy`, `xnli.avg.accuracy`); the dev split
carries a `dev.` prefix (`dev.xnli.de.accuracy`), shown next to test as the checklist asks.

A task scored on a simplified copy of its data logs under a different task name, so its numbers
can never be mistaken for the real task's: BUCC on google/xtreme's gold-pairs-only copy (no
distractor sentences, far easier than BUCC 2018) is `bucc2018_goldonly.de.f1`; on the full
BUCC 2018 corpora it is `bucc2018.de.f1`.
"""

from __future__ import annotations

SPLIT_PREFIX = {"test": "", "validation": "dev."}
GOLD_ONLY_TASKS = {"bucc2018": "bucc2018_goldonly"}  # task -> its name when scored gold-only
# XTREME-R fine-tunes a dual encoder for these retrieval targets, and so does ablate; scored without
# that fine-tune (`retrieval_finetune = false`) their metrics carry this name (`mewslix_untuned.de.map20`).
UNTUNED_TASKS = {"mewslix": "mewslix_untuned", "lareqa": "lareqa_untuned"}


def metric_key(task: str, lang: str, metric: str, split: str = "test") -> str:
    return f"{SPLIT_PREFIX[split]}{task}.{lang}.{metric}"


def metric_task(task: str, goldonly: bool = False, untuned: bool = False) -> str:
    """The task part of a metric name: `bucc2018_goldonly` for gold-only BUCC, `<task>_untuned` for
    an XTREME-R retrieval task scored without its fine-tune, else the task."""
    if untuned and task in UNTUNED_TASKS:
        return UNTUNED_TASKS[task]
    return GOLD_ONLY_TASKS[task] if goldonly and task in GOLD_ONLY_TASKS else task


def logged_task(task: str, metrics) -> str:
    """The name `task`'s metrics carry in `metrics` (a run's logged keys): the gold-only name
    when only that one occurs, else the task itself."""
    variant = GOLD_ONLY_TASKS.get(task) or UNTUNED_TASKS.get(task)
    if variant is None or any(k.startswith(f"{task}.") or k.startswith(f"dev.{task}.") for k in metrics):
        return task
    return variant if any(k.startswith(f"{variant}.") or k.startswith(f"dev.{variant}.") for k in metrics) else task


def parse_metric_key(key: str) -> tuple[str, str, str, str] | None:
    """(task, lang, metric, split) for a per-language key, None for other metrics."""
    split = "test"
    if key.startswith("dev."):
        split, key = "validation", key[4:]
    parts = key.split(".")
    if len(parts) != 3:
        return None
    return parts[0], parts[1], parts[2], split
