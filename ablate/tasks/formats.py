"""Formats own preprocessing, prediction, per-example statistics and metrics; tasks name one."""

from __future__ import annotations

import importlib
from types import ModuleType

from ablate.errors import AblateError
from ablate.tasks.spec import TaskSpec

FORMATS = {
    "classification": "ablate.tasks.classification",
    "span_qa": "ablate.tasks.span_qa",
    "multiple_choice": "ablate.tasks.multiple_choice",
    "tagging": "ablate.tasks.tagging",
    # the fine-tune of retrieval targets that have English training pairs (Mewsli-X, LAReQA); every
    # retrieval target is scored by `ablate.phases.retrieve`, BUCC and Tatoeba without training
    "retrieval": "ablate.tasks.dual_encoder",
}


def format_of(spec: TaskSpec) -> ModuleType:
    if spec.format not in FORMATS or not _exists(FORMATS[spec.format]):
        raise AblateError(f"Task '{spec.name}' has format '{spec.format}', which this version of "
                          f"ablate cannot run yet (it runs: {', '.join(FORMATS)}).")
    return importlib.import_module(FORMATS[spec.format])


def _exists(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None
