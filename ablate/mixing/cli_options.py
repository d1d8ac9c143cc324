"""The multitask flags of `ablate plan` and `ablate run`, and the settings layer they make."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

TasksOpt = Annotated[Optional[str], typer.Option("--tasks", help="multitask: comma-separated intermediate tasks and groups (@token, @span, @pair, @multiple_choice), or `all` (the paper's nine).")]
SamplingOpt = Annotated[Optional[str], typer.Option("--sampling", help="multitask: proportional (default), capped, temperature or uniform.")]
TemperatureOpt = Annotated[Optional[float], typer.Option("--temperature", help="multitask: T of --sampling temperature (P ∝ size^(1/T)).")]
CapOpt = Annotated[Optional[int], typer.Option("--cap", help="multitask: cap of --sampling capped (P ∝ min(size, cap)).")]


def multitask_layer(tasks: str | None, sampling: str | None, temperature: float | None, cap: int | None) -> dict:
    """The flags given, as a `multitask` settings layer."""
    given = {"tasks": tasks, "sampling": sampling, "temperature": temperature, "cap": cap}
    return {k: v for k, v in given.items() if v is not None}
