"""Formats own preprocessing, prediction, per-example statistics and metrics; tasks name one."""

from __future__ import annotations

import importlib
from types import ModuleType

from ablate.errors import AblateError
from ablate.tasks.spec import TaskSpec

FORMATS = {"classification": "ablate.tasks.classification"}


def format_of(spec: TaskSpec) -> ModuleType:
    if spec.format not in FORMATS:
        raise AblateError(f"Task '{spec.name}' has format '{spec.format}', which this version of "
                          f"ablate cannot run yet (it runs: {', '.join(FORMATS)}).")
    return importlib.import_module(FORMATS[spec.format])
