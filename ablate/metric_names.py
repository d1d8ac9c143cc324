"""How metrics are named, in one place, so every recipe's runs line up in the MLflow UI.

Test-split metrics are the headline (`xnli.de.accuracy`, `xnli.avg.accuracy`); the dev split
carries a `dev.` prefix (`dev.xnli.de.accuracy`), shown next to test as the checklist asks.
"""

from __future__ import annotations

SPLIT_PREFIX = {"test": "", "validation": "dev."}


def metric_key(task: str, lang: str, metric: str, split: str = "test") -> str:
    return f"{SPLIT_PREFIX[split]}{task}.{lang}.{metric}"


def parse_metric_key(key: str) -> tuple[str, str, str, str] | None:
    """(task, lang, metric, split) for a per-language key, None for other metrics."""
    split = "test"
    if key.startswith("dev."):
        split, key = "validation", key[4:]
    parts = key.split(".")
    if len(parts) != 3:
        return None
    return parts[0], parts[1], parts[2], split
