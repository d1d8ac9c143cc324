"""`ablate study list|plan|run|report`: thin Typer commands over ablate.studies.

    ablate study list
    ablate study plan size --preset smoke
    ablate study run typology --preset smoke -o runs/
    ablate study report typology --preset smoke -o runs/ --out typology-report/
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

study_app = typer.Typer(help="Research questions as one command each: list, plan, run and report a study.",
                        no_args_is_help=True)

StudyArg = Annotated[str, typer.Argument(help="A shipped study (see `ablate study list`) or a spec file (.toml).")]
PresetOpt = Annotated[str, typer.Option("--preset", "-p", help="Which grid of the spec: `paper` (full scale) or `smoke` (tiny, offline).")]
OutDirOpt = Annotated[Optional[Path], typer.Option("--output-dir", "-o", help="Phase cache and the default MLflow store (as for `ablate run`).")]
UriOpt = Annotated[Optional[str], typer.Option("--tracking-uri", help="MLflow tracking URI (default: sqlite inside --output-dir).")]
ExpOpt = Annotated[Optional[str], typer.Option("--experiment", "-e", help="MLflow experiment (default: ablate).")]


def _command(name: str, spec_arg: str, preset: str, output_dir, tracking_uri, experiment) -> str:
    parts = [f"ablate study {name} {spec_arg}"]
    if preset != "paper":
        parts.append(f"--preset {preset}")
    if output_dir:
        parts.append(f"-o {output_dir}")
    if tracking_uri:
        parts.append(f"--tracking-uri {tracking_uri}")
    if experiment:
        parts.append(f"-e {experiment}")
    return " ".join(parts)


@study_app.command("list")
def list_cmd() -> None:
    """The shipped studies, the question each answers and what they need that is not available yet."""
    from rich.console import Console
    from rich.table import Table

    from ablate.studies import spec as spec_mod
    from ablate.studies.matrix import build

    table = Table(title="Studies (copy a spec from ablate/studies/specs/ to edit it)")
    for col in ("study", "analysis", "runs (paper / smoke)", "question", "not available yet"):
        table.add_column(col, style="bold cyan" if col == "study" else None, ratio=4 if col == "question" else 1,
                         no_wrap=col in ("study", "analysis"))
    for name in spec_mod.available():
        s = spec_mod.load(name)
        counts = " / ".join(str(len(build(s, p).requests)) for p in ("paper", "smoke"))
        table.add_row(name, s.analysis, counts, " ".join(s.question.split()), ", ".join(s.unavailable()) or "—")
    Console().print(table)


@study_app.command("plan")
def plan_cmd(study: StudyArg, preset: PresetOpt = "paper", output_dir: OutDirOpt = None,
             tracking_uri: UriOpt = None, experiment: ExpOpt = None) -> None:
    """The run matrix, what the store holds, what is missing, the phases to build (shared ones
    once) and the estimated cost. Loads no model or data.

    Example: ablate study plan size --preset smoke
    """
    from rich.console import Console
    from rich.table import Table

    from ablate.studies import matrix as matrix_mod
    from ablate.studies import planning
    from ablate.studies.spec import load

    console = Console()
    s = load(study)
    m = matrix_mod.build(s, preset)
    base = planning.base_layer(str(output_dir) if output_dir else None, tracking_uri, experiment)
    p = planning.make(m, base)
    console.print(f"[bold]{s.name}[/] ({preset}): {' '.join(s.question.split())}", highlight=False)
    table = Table()
    for col in ("run", *m.axes, "status"):
        table.add_column(col)
    for r in m.requests:
        values = matrix_mod.axis_values(r, m.axes)
        status = f"[green]done[/] ({p.done[r].run_id[:8]})" if r in p.done else "[yellow]missing[/]"
        table.add_row(r.label, *("—" if values[a] is None else str(values[a]) for a in m.axes), status)
    console.print(table)
    for req in s.unavailable():
        console.print(f"[yellow]not available yet:[/] {req} — its part of the study is left out of this matrix"
                      if req in m.left_out else f"[yellow]not available yet:[/] {req}", highlight=False)
    to_build = p.to_build
    console.print(f"runs: {len(m.requests)} in the matrix, {len(p.done)} done, {len(p.missing)} missing", highlight=False)
    console.print(f"phases for the missing runs: {p.phase_uses} uses, {len(p.phases)} distinct (shared by the phase cache), "
                  f"{len(p.stored)} already stored, {len(to_build)} to build "
                  f"({', '.join(f'{k} {n}' for k, n in _by_kind(to_build).items()) or 'none'})", highlight=False)
    shared = max(p.phases.values(), key=lambda n: n.runs, default=None)
    if shared is not None and shared.runs > 1:
        console.print(f"most shared: {shared.name} ({shared.kind}/{shared.key[:12]}) appears in {shared.runs} missing runs",
                      highlight=False)
    if to_build:
        cost = "unknown (no stored phase of the same kind and model has been measured yet)" if p.estimate_s is None \
            else f"≈ {_duration(p.estimate_s)} on this machine"
        console.print(f"estimated cost: {cost}; {p.estimate_note}", highlight=False)
        console.print(f"run them with: {_command('run', study, preset, output_dir, tracking_uri, experiment)}", highlight=False)


def _by_kind(needs) -> dict[str, int]:
    out: dict[str, int] = {}
    for n in needs:
        out[n.kind] = out.get(n.kind, 0) + 1
    return out


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


@study_app.command("run")
def run_cmd(study: StudyArg, preset: PresetOpt = "paper", output_dir: OutDirOpt = None,
            tracking_uri: UriOpt = None, experiment: ExpOpt = None,
            quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")] = False) -> None:
    """Run the study's missing runs one after another (finished ones are skipped; stored phases reused).

    Example: ablate study run typology --preset smoke -o runs/
    """
    from rich.console import Console

    from ablate.cli import run_plan
    from ablate.studies import matrix as matrix_mod
    from ablate.studies import planning
    from ablate.studies.spec import load

    console = Console()
    s = load(study)
    m = matrix_mod.build(s, preset)
    base = planning.base_layer(str(output_dir) if output_dir else None, tracking_uri, experiment)
    done = planning.finished_runs(m.requests, base)
    missing = [r for r in m.requests if r not in done]
    console.print(f"{s.name} ({preset}): {len(done)} of {len(m.requests)} runs done, running {len(missing)}.", highlight=False)
    for i, request in enumerate(missing, 1):
        console.print(f"[bold]study run {i}/{len(missing)}[/]: ablate run {request.label}", highlight=False)
        plan, cfg = request.plan(base)
        run_plan(plan, cfg, quiet=quiet)
    console.print(f"Report with: {_command('report', study, preset, output_dir, tracking_uri, experiment)}", highlight=False)


@study_app.command("report")
def report_cmd(study: StudyArg, preset: PresetOpt = "paper", output_dir: OutDirOpt = None,
               tracking_uri: UriOpt = None, experiment: ExpOpt = None,
               out: Annotated[Optional[Path], typer.Option("--out", help="Directory for report.md/.html/.json and figures (default: study-<name>).")] = None,
               replicates: Annotated[int, typer.Option("--replicates", "-B", help="Permutation / bootstrap replicates.")] = 10_000,
               seed: Annotated[int, typer.Option("--seed", help="Random seed of the report's resampling (recorded).")] = 12345,
               alpha: Annotated[float, typer.Option("--alpha", help="Significance level; intervals are (1 − α).")] = 0.05,
               no_log: Annotated[bool, typer.Option("--no-log", help="Write the files only; do not log a report run to MLflow.")] = False) -> None:
    """The study's analysis over its finished runs: Markdown, HTML, JSON, figures and an MLflow report run.

    Example: ablate study report typology --preset smoke -o runs/
    """
    from rich.console import Console

    from ablate.errors import AblateError
    from ablate.studies import report
    from ablate.studies.spec import load

    if not 0 < alpha < 1 or replicates < 100:
        raise AblateError(f"--alpha must be in (0, 1) and --replicates >= 100, got {alpha} and {replicates}.")
    s = load(study)
    command = _command("run", study, preset, output_dir, tracking_uri, experiment)
    base = {k: v for k, v in {"output_dir": str(output_dir) if output_dir else None, "tracking_uri": tracking_uri,
                              "experiment": experiment}.items() if v is not None}
    result = report.build(s, preset, base, replicates, seed, alpha, command)
    files = report.write(result, out or Path(f"study-{s.name}"))
    if not no_log:
        report.log(result, files)
    console = Console()
    for line in result.summary:
        console.print(line, highlight=False)
    console.print(f"Report: {files['report.html']} (also .md, .json)"
                  + (f"; MLflow report run {result.report_run_id}" if result.report_run_id else ""), highlight=False)
