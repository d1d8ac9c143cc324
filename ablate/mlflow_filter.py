"""MLflow search filters built from values a user chose (arm names, model ids, signatures).

MLflow's filter language has no escape sequences: a string literal is the text between a pair of
single or double quotes, taken verbatim (its tokenizer, sqlparse, treats a backslash before a
quote as part of the string, so a value ending in a backslash runs on into the next clause). A
value is therefore written as a literal only when one quote kind can hold it; any other value is
left out of the filter string and compared on each returned run instead, so a quote in a model
path neither breaks a query nor changes what it selects.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def literal(value: str) -> str | None:
    """`value` as a filter string literal, or None when no literal reads back as `value`."""
    if value.endswith("\\"):
        return None
    for quote in ("'", '"'):
        if quote not in value:
            return f"{quote}{value}{quote}"
    return None


def tag_filter(tags: Mapping[str, str], *fixed: str) -> tuple[str, dict[str, str]]:
    """(filter string: the `fixed` clauses and `tags.<key> = <value>` for every value a literal
    can hold, the remaining {key: value} that `keep` checks on the runs the search returns)."""
    clauses = list(fixed)
    rest: dict[str, str] = {}
    for key, value in tags.items():
        text = literal(str(value))
        if text is None:
            rest[key] = str(value)
        else:
            clauses.append(f"tags.{key} = {text}")
    return " and ".join(clauses), rest


def keep(runs: Iterable[Any], rest: Mapping[str, str]) -> list[Any]:
    """The MLflow runs whose tags equal every value in `rest` (from `tag_filter`)."""
    return [r for r in runs if all(r.data.tags.get(k) == v for k, v in rest.items())]
