"""`ablate sweep` and `ablate sweep status`: the grid's axes in, the library's submit/states out."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from ablate.errors import AblateError

console = Console()

sweep_app = typer.Typer(invoke_without_command=True, no_args_is_help=False,
                        help="Run a grid of recipes x tasks x targets x models x seeds as jobs sharing the "
                             "phase store: locally or on Slurm. `ablate sweep status` shows its progress.")

RecipesOpt = Annotated[Optional[str], typer.Option("--recipes", help="Comma-separated recipes (see `ablate recipes`).")]
TasksOpt = Annotated[Optional[str], typer.Option("--tasks", help="Comma-separated intermediate tasks (recipes that need one).")]
TargetsOpt = Annotated[Optional[str], typer.Option("--targets", help="Comma-separated target tasks, or `xtreme`.")]
SeedsOpt = Annotated[Optional[str], typer.Option("--seeds", help="Comma-separated seeds; one run per seed.")]
ModelsOpt = Annotated[Optional[str], typer.Option("--models", help="Comma-separated models (default: the preset's).")]
PresetOpt = Annotated[Optional[str], typer.Option("--preset", "-p", help="`paper` (default) or `smoke`.")]
SetOpt = Annotated[Optional[list[str]], typer.Option("--set", help="Override any setting for every run: KEY=VALUE.")]
OutOpt = Annotated[Optional[Path], typer.Option("--output-dir", "-o", help="Phase store, sweep ledger and the default MLflow store (shared by all jobs).")]
ExpOpt = Annotated[Optional[str], typer.Option("--experiment", "-e", help="MLflow experiment.")]
UriOpt = Annotated[Optional[str], typer.Option("--tracking-uri", help="MLflow tracking URI every job logs to (default: sqlite inside --output-dir).")]
DataDirOpt = Annotated[Optional[Path], typer.Option("--data-dir", help="Local dataset copies.")]
DeviceOpt = Annotated[Optional[str], typer.Option("--device", help="auto, cpu or cuda.")]


def _ints(text: str, flag: str) -> list[int]:
    try:
        return [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise AblateError(f"{flag} takes comma-separated integers, e.g. 1,2,3; got '{text}'.") from None


def _names(text: str | None) -> list[str]:
    return [s.strip() for s in (text or "").split(",") if s.strip()]


def _requests(recipes, tasks, targets, seeds, models, preset, sets, **base):
    from ablate.config import parse_assignments
    from ablate.grid import expand

    if not recipes or not seeds:
        raise AblateError("ablate sweep needs --recipes and --seeds, e.g. --recipes stilts,baseline --tasks mnli "
                          "--targets xnli --seeds 1,2.")
    requests = expand(_names(recipes), _names(tasks) or [None], _names(targets) or ["xnli"], _ints(seeds, "--seeds"),
                      _names(models) or [None], preset, parse_assignments(sets or []))
    return requests, {k: (str(v) if isinstance(v, Path) else v) for k, v in base.items() if v is not None}


def _mem_gb(text: str | None) -> float | None:
    if text is None:
        return None
    units = {"": 1.0, "g": 1.0, "gb": 1.0, "m": 1 / 1024, "mb": 1 / 1024, "t": 1024.0, "tb": 1024.0}
    number = text.rstrip("GgMmTtBb")
    try:
        return float(number) * units[text[len(number):].lower()]
    except (ValueError, KeyError):
        raise AblateError(f"--mem takes a size such as 16G, 500M or 32 (GB); got '{text}'.") from None


@sweep_app.callback()
def sweep_cmd(
    ctx: typer.Context,
    recipes: RecipesOpt = None, tasks: TasksOpt = None, targets: TargetsOpt = None, seeds: SeedsOpt = None,
    models: ModelsOpt = None, preset: PresetOpt = None, sets: SetOpt = None, output_dir: OutOpt = None,
    experiment: ExpOpt = None, tracking_uri: UriOpt = None, data_dir: DataDirOpt = None, device: DeviceOpt = None,
    executor: Annotated[str, typer.Option("--executor", help="local (this machine) or slurm (through submitit).")] = "local",
    workers: Annotated[int, typer.Option("--workers", min=1, help="local: worker processes (1 = in this process).")] = 1,
    worker_devices: Annotated[Optional[str], typer.Option("--worker-devices", help="local: pin worker i to device i mod N (CUDA_VISIBLE_DEVICES), e.g. 0,1.")] = None,
    partition: Annotated[Optional[str], typer.Option("--partition", help="slurm: partition (default: the cluster's).")] = None,
    gpus: Annotated[int, typer.Option("--gpus", min=0, help="slurm: GPUs per job.")] = 0,
    cpus: Annotated[int, typer.Option("--cpus", min=1, help="slurm: CPUs per job.")] = 1,
    mem: Annotated[Optional[str], typer.Option("--mem", help="slurm: memory per job, e.g. 16G.")] = None,
    time_min: Annotated[int, typer.Option("--time", min=1, help="slurm: time limit per job in minutes (a job that reaches it is requeued).")] = 60,
    array_parallelism: Annotated[int, typer.Option("--array-parallelism", min=1, help="slurm: at most this many tasks of one array job at once.")] = 16,
) -> None:
    """Run or submit every job of the grid that is not done yet (resubmitting runs only what is missing).

    Example: ablate sweep --recipes stilts,baseline --tasks mnli --targets xnli --seeds 1,2 --preset smoke
    """
    if ctx.invoked_subcommand is not None:
        return
    from ablate import sweep
    from ablate.sweep.slurm import SlurmOptions

    requests, base = _requests(recipes, tasks, targets, seeds, models, preset, sets, output_dir=output_dir,
                               experiment=experiment, tracking_uri=tracking_uri, data_dir=data_dir, device=device)
    options = SlurmOptions(partition, gpus, cpus, _mem_gb(mem), time_min, array_parallelism)
    result = sweep.submit(requests, executor, base, workers=workers, devices=tuple(_names(worker_devices)),
                          slurm=options, echo=console.print)
    console.print(f"{len(result.units)} jobs for {len(requests)} runs: {len(result.already_done)} already done, "
                  f"{len(result.kept)} still queued or running, "
                  + (f"{len(result.submitted)} submitted to Slurm." if executor == "slurm" else
                     ", ".join(f"{sum(v == s for v in result.outcome.values())} {s}" for s in ("done", "failed", "skipped"))
                     + " now."))
    console.print(f"Progress: ablate sweep status (same axes) --output-dir {result.output_dir}")
    if any(v != "done" for v in result.outcome.values()):
        raise typer.Exit(1)


@sweep_app.command("status")
def status_cmd(
    recipes: RecipesOpt = None, tasks: TasksOpt = None, targets: TargetsOpt = None, seeds: SeedsOpt = None,
    models: ModelsOpt = None, preset: PresetOpt = None, sets: SetOpt = None, output_dir: OutOpt = None,
    experiment: ExpOpt = None, tracking_uri: UriOpt = None, data_dir: DataDirOpt = None, device: DeviceOpt = None,
) -> None:
    """Show each job of the grid: done / running / queued / failed / missing (store + scheduler)."""
    from ablate import sweep
    from ablate.sweep.status import STATES

    requests, base = _requests(recipes, tasks, targets, seeds, models, preset, sets, output_dir=output_dir,
                               experiment=experiment, tracking_uri=tracking_uri, data_dir=data_dir, device=device)
    found = sweep.states(requests, base)
    table = Table()
    for col in ("job", "builds", "state", "scheduler id", "detail"):
        table.add_column(col)
    colour = {"done": "green", "running": "cyan", "queued": "blue", "failed": "red", "missing": "yellow"}
    for st in found:
        table.add_row(st.unit.id, st.unit.label, f"[{colour[st.state]}]{st.state}[/]", st.job_id, st.detail)
    console.print(table)
    console.print(", ".join(f"{sum(st.state == s for st in found)} {s}" for s in STATES))
