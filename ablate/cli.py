"""The `ablate` command line: each command resolves a config and calls the library.

    ablate recipes
    ablate tasks
    ablate plan stilts --task mnli --targets xnli,pawsx --seeds 1,2
    ablate run stilts --task mnli --targets xnli,pawsx --preset smoke --seeds 1,2
    ablate ui
    ablate export xtreme --run RUN_ID --out xtreme-export/
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from ablate.errors import AblateError
from ablate.mixing.cli_options import CapOpt, SamplingOpt, TasksOpt, TemperatureOpt, multitask_layer
from ablate.mlm.settings import cli_layer as mlm_layer
from ablate.run_options import (
    TaskOpt, TargetsOpt, SeedsOpt, PresetOpt, ConfigOpt, SetOpt, ModelOpt, OutOpt, ExpOpt,
    UriOpt, DataDirOpt, DeviceOpt, LangsOpt, MTModelOpt, MixOpt, TrustOpt, MaxTrainOpt,
    MixSetsOpt, MinChrfOpt, MlmLangsOpt, MlmCorpusOpt, MlmRatioOpt,
)

app = typer.Typer(
    name="ablate",
    help="Reproducible ablations of cross-lingual intermediate-task training (Phang et al. 2020), "
    "tracked in MLflow.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)



def _mt_overrides(langs, mt_model, mt_mix, min_chrf) -> dict:
    """The MT flags as an `mt` settings layer (only those given)."""
    mt: dict = {}
    if langs is not None:
        mt["langs"] = langs
    if mt_model:
        from ablate.mt.models import split_model_specs

        default, overrides = split_model_specs(mt_model, "")
        if default:
            mt["model"] = default
        if overrides:
            mt["overrides"] = overrides
    if mt_mix is not None:
        mt["mix"] = mt_mix
    if min_chrf is not None:
        mt["min_chrf"] = min_chrf
    return mt


def _volume(sets, max_train_examples) -> list[str] | None:
    """--max-train-examples N as `--set intermediate.*.max_train_examples=N` (a task-specific --set wins)."""
    if max_train_examples is None:
        return sets
    return [f"intermediate.*.max_train_examples={max_train_examples}", *(sets or [])]


def _overrides(**given) -> dict:
    from ablate.config import parse_assignments

    sets = given.pop("sets") or []
    out = parse_assignments(sets)
    for key, value in given.items():
        if value is not None:
            out[key] = str(value) if isinstance(value, Path) else value
    return out


def _resolve(recipe: str, preset, config, sets, mt: dict | None = None, multitask: dict | None = None,
             mlm: dict | None = None, **flags):
    from ablate.config import resolve
    from ablate.recipes import load

    r = load(recipe)
    if mlm and not getattr(r.module, "TRAINS_MLM", False):
        raise AblateError(f"--mlm-langs/--mlm-corpus/--mlm-ratio configure stilts-mlm; recipe '{recipe}' would ignore "
                          f"them: drop them, or run `ablate run stilts-mlm`.")
    layer = _overrides(sets=sets, recipe=recipe, **flags)
    for section, given in (("mt", mt), ("multitask", multitask), ("mlm", mlm)):
        if given:
            layer[section] = {**layer.get(section, {}), **given}
    cfg = resolve(preset, config, layer)
    if mt and "mix" in mt and not _uses_mix(recipe, cfg):
        raise AblateError(f"--mt-mix chooses the English part of mt-translate's data or of a published multilingual "
                          f"intermediate task (xnli_translate_train, pawsx_translate_train, tydiqa_multilingual); "
                          f"recipe '{recipe}' with task '{cfg.task}' would ignore it: drop it.")
    return r, cfg


def _uses_mix(recipe: str, cfg) -> bool:
    from ablate.mixing.settings import tasks_of
    from ablate.tasks import TASKS
    from ablate.tasks.multilingual_tasks import is_multilingual

    names = tasks_of(cfg) if recipe == "multitask" else [cfg.task] if cfg.task else []
    # an unknown task is refused by name when planned
    return recipe == "mt-translate" or any(n in TASKS and is_multilingual(TASKS[n]) for n in names)


@app.command("recipes")
def recipes_cmd() -> None:
    """List the recipes and the question each answers."""
    from ablate.recipes import available, load

    table = Table(title="Recipes", show_lines=False)
    table.add_column("recipe", style="bold cyan")
    table.add_column("needs --task")
    table.add_column("question it answers")
    for name in available():
        r = load(name)
        table.add_row(name, "yes" if r.needs_task else "--tasks" if r.takes_tasks else "no", r.question)
    console.print(table)


@app.command("tasks")
def tasks_cmd(
    card: Annotated[Optional[str], typer.Option("--card", help="Print the data card of a dataset.")] = None,
) -> None:
    """List intermediate and target tasks: format, languages, Hub source."""
    from ablate.tasks import TASKS

    if card:
        from ablate.cards import load_card

        c = load_card(card)
        console.print(c.path.read_text(encoding="utf-8"), markup=False, highlight=False)
        return
    for role in ("intermediate", "target"):
        table = Table(title=f"{role.capitalize()} tasks")
        for col in ("task", "title", "format", "languages", "metric", "Hub source"):
            table.add_column(col, style="bold cyan" if col == "task" else None)
        for t in TASKS.values():
            if t.role != role:
                continue
            langs = ", ".join(t.languages) if len(t.languages) <= 8 else f"{len(t.languages)}: {' '.join(t.languages)}"
            table.add_row(t.name, t.title, t.format, langs, t.metric, "\n".join(t.hub_ids))
        console.print(table)


@app.command("plan")
def plan_cmd(
    recipe: Annotated[str, typer.Argument(help="Recipe name (see `ablate recipes`).")],
    task: TaskOpt = None, targets: TargetsOpt = None, seeds: SeedsOpt = None, preset: PresetOpt = None,
    config: ConfigOpt = None, sets: SetOpt = None, model: ModelOpt = None, output_dir: OutOpt = None,
    experiment: ExpOpt = None, tracking_uri: UriOpt = None, data_dir: DataDirOpt = None,
    device: DeviceOpt = None, langs: LangsOpt = None, mt_model: MTModelOpt = None,
    mt_mix: MixOpt = None, min_chrf: MinChrfOpt = None, max_train_examples: MaxTrainOpt = None,
    mix_language_sets: MixSetsOpt = None,
    tasks: TasksOpt = None, sampling: SamplingOpt = None, temperature: TemperatureOpt = None, cap: CapOpt = None,
    mlm_langs: MlmLangsOpt = None, mlm_corpus: MlmCorpusOpt = None, mlm_ratio: MlmRatioOpt = None,
) -> None:
    """Show a recipe's phases per seed and which are already cached. Loads no model or data.

    Example: ablate plan stilts --task mnli --targets xnli,pawsx --seeds 1,2
    """
    from ablate.estimate import PlanCompute
    from ablate.keys import KeyMaker, explain
    from ablate.store import PhaseStore

    r, cfg = _resolve(recipe, preset, config, _volume(sets, max_train_examples), task=task, targets=targets, seeds=seeds, model=model,
                      output_dir=output_dir, experiment=experiment, tracking_uri=tracking_uri,
                      data_dir=data_dir, device=device, mix_language_sets=mix_language_sets,
                      mt=_mt_overrides(langs, mt_model, mt_mix, min_chrf),
                      multitask=multitask_layer(tasks, sampling, temperature, cap),
                      mlm=mlm_layer(mlm_langs, mlm_corpus, mlm_ratio))
    plan = r.plan(cfg)
    from ablate.mixing.planning import sampler_tables

    samplers = sampler_tables(plan, cfg)  # before any output: a total larger than the data is refused first
    store = PhaseStore(cfg.output_dir)
    keymaker = KeyMaker(cfg)
    stored: dict[str, list] = {}  # kind -> key parts of its stored entries
    costs = PlanCompute(cfg, store, keymaker.model())
    console.print(f"[bold]{plan.recipe}[/]: {plan.question}")
    table = Table()
    for col in ("seed", "phase", "reads", "key", "status", "compute", "hours"):
        table.add_column(col)
    for seed in cfg.seeds:
        keys = keymaker.plan_keys(plan, seed)
        for p in plan.order():
            key, parts = keys[p.name]
            cached = store.is_complete(p.kind, key)
            if cached:
                status = "[green]cached[/]"
            else:
                if p.kind not in stored:
                    stored[p.kind] = [e["parts"] for e in store.entries(p.kind) if "parts" in e]
                status = f"to run: {explain(parts, stored[p.kind])}"
            table.add_row(str(seed), p.name, ", ".join(p.inputs) or cfg.model, key[:12], status,
                          *costs.cells(p, key, to_run=not cached))
    console.print(table)
    console.print(costs.summary())
    for sampler_table in samplers:  # multi-task phases: P(task), expected steps
        console.print(sampler_table)
    for line in plan.notes:
        console.print(line, highlight=False)
    for note in keymaker.notes:
        console.print(f"[yellow]note:[/] {note} (`ablate run` resolves it to a commit when the Hub is reachable)")
    console.print(f"output: {Path(cfg.output_dir).resolve()}   tracking: {cfg.store_uri}   experiment: {cfg.experiment}")


@app.command("run")
def run_cmd(
    recipe: Annotated[str, typer.Argument(help="Recipe name (see `ablate recipes`).")],
    task: TaskOpt = None, targets: TargetsOpt = None, seeds: SeedsOpt = None, preset: PresetOpt = None,
    config: ConfigOpt = None, sets: SetOpt = None, model: ModelOpt = None, output_dir: OutOpt = None,
    experiment: ExpOpt = None, tracking_uri: UriOpt = None, data_dir: DataDirOpt = None,
    device: DeviceOpt = None, langs: LangsOpt = None, mt_model: MTModelOpt = None,
    mt_mix: MixOpt = None, min_chrf: MinChrfOpt = None, trust_remote_code: TrustOpt = None,
    max_train_examples: MaxTrainOpt = None,
    mix_language_sets: MixSetsOpt = None,
    tasks: TasksOpt = None, sampling: SamplingOpt = None, temperature: TemperatureOpt = None, cap: CapOpt = None,
    mlm_langs: MlmLangsOpt = None, mlm_corpus: MlmCorpusOpt = None, mlm_ratio: MlmRatioOpt = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")] = False,
) -> None:
    """Run a recipe for every seed, tracked in MLflow.

    Examples:

      ablate run baseline --targets xnli,pawsx --preset smoke --seeds 1,2

      ablate run stilts --task mnli --targets xnli,pawsx --seeds 1,2,3   (GPU + Hub: the paper's setting)
    """
    r, cfg = _resolve(recipe, preset, config, _volume(sets, max_train_examples), task=task, targets=targets, seeds=seeds, model=model,
                      output_dir=output_dir, experiment=experiment, tracking_uri=tracking_uri,
                      data_dir=data_dir, device=device, trust_remote_code=trust_remote_code,
                      mix_language_sets=mix_language_sets,
                      mt=_mt_overrides(langs, mt_model, mt_mix, min_chrf),
                      multitask=multitask_layer(tasks, sampling, temperature, cap),
                      mlm=mlm_layer(mlm_langs, mlm_corpus, mlm_ratio))
    plan = r.plan(cfg)
    run_plan(plan, cfg, quiet=quiet)


@app.command("translate")
def translate_cmd(
    task: TaskOpt = None, langs: LangsOpt = None, mt_model: MTModelOpt = None, min_chrf: MinChrfOpt = None,
    targets: TargetsOpt = None, preset: PresetOpt = None, config: ConfigOpt = None, sets: SetOpt = None,
    output_dir: OutOpt = None, experiment: ExpOpt = None, tracking_uri: UriOpt = None,
    data_dir: DataDirOpt = None, device: DeviceOpt = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")] = False,
) -> None:
    """Machine-translate an intermediate task's English training data (cached, resumable, gated).

    Examples:

      ablate translate --task mnli --langs de,fr,sw --mt-model facebook/nllb-200-distilled-600M

      ablate translate --task squad --langs de --mt-model de=Helsinki-NLP/opus-mt-en-de
    """
    from ablate import phases_plan
    from ablate.plan import Plan

    if not task:
        raise AblateError("ablate translate needs --task (an intermediate task, see `ablate tasks`).")
    _, cfg = _resolve("mt-translate", preset, config, sets, task=task, targets=targets, output_dir=output_dir,
                      experiment=experiment, tracking_uri=tracking_uri, data_dir=data_dir, device=device,
                      mt=_mt_overrides(langs, mt_model, None, min_chrf))
    from ablate.tasks import expand_targets

    phase = phases_plan.translate(cfg, task, expand_targets(cfg.targets))
    run_plan(Plan(recipe="translate", question="Machine-translate intermediate data", phases=(phase,)), cfg, quiet=quiet)


def run_plan(plan, cfg, quiet: bool = False, tracker=None, kind: str = "run"):
    """Execute a plan with tracking and print the summary (also used by `ablate demo`, and by
    sweep jobs: kind "build" for a job that only builds shared phases, see ablate.execute)."""
    from ablate.data.hub import prepare

    offline = prepare(cfg.offline)
    from ablate.execute import execute
    from ablate.preflight import preflight

    preflight(plan, cfg, offline)
    from ablate import run_summary
    from ablate.revisions import resolve_revisions

    cfg, notes = resolve_revisions(plan, cfg, offline)  # keyed, loaded and tagged with commits
    for note in notes:
        err_console.print(f"[yellow]{note}[/]")
    from ablate.progress import Progress
    from ablate.tracking import Tracker

    tracker = tracker or Tracker(cfg.store_uri, cfg.experiment)
    if offline and not cfg.offline and cfg.data == "hub":
        err_console.print("[yellow]The Hugging Face Hub is unreachable: working offline (local caches only).[/]")
    bars = not quiet and sys.stdout.isatty() or os.environ.get("ABLATE_PROGRESS") == "1"
    with Progress(console=console, enabled=bars, lines=not quiet) as progress:
        runs = execute(plan, cfg, tracker, progress, parent_kind=kind)
    if kind != "run":
        return runs
    for table in run_summary.tables(plan, cfg, runs, console.width):
        console.print(table)
    console.print(f"Tracked in {cfg.store_uri} (experiment '{cfg.experiment}'). "
                  f"Open the UI with: [bold]ablate ui --output-dir {cfg.output_dir}[/]")
    return runs


@app.command("ui")
def ui_cmd(
    output_dir: OutOpt = None, tracking_uri: UriOpt = None, experiment: ExpOpt = None,
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (1-65535).")] = 5000,
) -> None:
    """Open the MLflow UI on 127.0.0.1 for the local store, at the experiment's runs table."""
    from ablate.config import resolve
    from ablate.preflight import check_store_exists
    from ablate.ui import check_port, experiment_url

    cfg = resolve(None, None, _overrides(sets=None, output_dir=output_dir, tracking_uri=tracking_uri))
    uri = cfg.store_uri
    check_port(port)
    check_store_exists(uri)
    url = experiment_url(uri, experiment, port)
    console.print(f"MLflow UI for {uri} (Ctrl-C to stop); open:\n{url}", soft_wrap=True, highlight=False)  # never split the URL
    env = {**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
    cmd = [sys.executable, "-m", "mlflow", "ui", "--backend-store-uri", uri, "--host", "127.0.0.1", "--port", str(port),
           "--workers", "1"]  # one local user: 4 workers only slow the start (~1 min on 2 cores)
    os.execvpe(cmd[0], cmd, env)


def _register_demo_command() -> None:
    """`ablate demo` lives in ablate.demo (it composes run, compare and checklist)."""
    from ablate.demo import demo_cmd

    app.command("demo")(demo_cmd)


_register_demo_command()


def _register_report_commands() -> None:
    """`ablate compare`, `ablate checklist` and `ablate rerun` live in ablate.reports.commands (imported lazily
    inside the commands, so listing and planning stay light)."""
    from ablate.reports import commands

    app.command("compare")(commands.compare_cmd)
    app.command("checklist")(commands.checklist_cmd)
    app.command("power")(commands.power_cmd)
    app.command("rerun")(commands.rerun_cmd)


_register_report_commands()


def _register_export_commands() -> None:
    """`ablate export xtreme` lives in ablate.export.commands (its work is imported lazily)."""
    from ablate.export.commands import export_app

    app.add_typer(export_app, name="export")


_register_export_commands()


def _register_study_commands() -> None:
    """`ablate study list|plan|run|report` live in ablate.studies.commands."""
    from ablate.studies.commands import study_app

    app.add_typer(study_app, name="study")


_register_study_commands()


def _register_sweep_commands() -> None:
    """`ablate sweep` and `ablate sweep status` live in ablate.sweep.commands."""
    from ablate.sweep.commands import sweep_app

    app.add_typer(sweep_app, name="sweep")


_register_sweep_commands()


@app.callback()
def _main(
    verbose: Annotated[bool, typer.Option("--verbose", help="Show library warnings and logs.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show the Python traceback of an error (or set ABLATE_DEBUG=1).")] = False,
) -> None:
    if debug:
        os.environ["ABLATE_DEBUG"] = "1"
    if not verbose:
        from ablate.quiet import quiet_libraries

        quiet_libraries()


INTERRUPTED = 130  # the shell's exit code for a process ended by SIGINT (Ctrl-C)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI. Every failure ends in ONE `error:` line on stderr: exit 2 for bad input or an
    unusable environment, 1 for a bug (its traceback only with --debug / ABLATE_DEBUG=1)."""
    from typer._click import exceptions as bundled  # typer 0.29 raises its own copy of click's

    from ablate.progress import line_buffered

    line_buffered()
    try:
        # Outside standalone mode typer *returns* an Exit's code instead of raising it, and turns
        # Ctrl-C (KeyboardInterrupt) into a returned 130. Commands themselves return None.
        code = app(args=argv, standalone_mode=False, prog_name="ablate")
    except KeyboardInterrupt:
        code = INTERRUPTED
    except (typer.Exit, SystemExit) as e:
        sys.exit(getattr(e, "exit_code", getattr(e, "code", 0)))
    except bundled.NoArgsIsHelpError as e:
        e.show()
        sys.exit(0)
    except typer.Abort:
        _fail("aborted", 1)
    except Exception as e:
        if os.environ.get("ABLATE_DEBUG") == "1":
            raise
        if isinstance(e, AblateError):
            _fail(str(e), 2)
        if isinstance(e, bundled.UsageError):
            where = f" (see `{e.ctx.command_path} --help`)" if e.ctx is not None else ""
            _fail(f"{e.format_message()}{where}", 2)
        if isinstance(e, bundled.ClickException):
            _fail(e.format_message(), e.exit_code)
        if isinstance(e, OSError):  # the environment refused (disk full, permissions): not a bug
            _fail(f"{e.strerror or e}{f': {e.filename}' if e.filename else ''}", 2)
        _fail(f"internal error: {type(e).__name__}: {e} (rerun with --debug for the traceback)", 1)
    if code == INTERRUPTED:
        err_console.print("[yellow]interrupted[/]: completed phases are kept; rerun to resume.")
        sys.exit(INTERRUPTED)
    if isinstance(code, int) and code:
        sys.exit(code)


def _fail(message: str, code: int) -> None:
    """One line, however long the message: tracebacks and reprs must not flood the terminal."""
    from rich.markup import escape

    line = " ".join(str(message).split())
    err_console.print(f"[bold red]error:[/] {escape(line)}", highlight=False, soft_wrap=True)
    sys.exit(code)


if __name__ == "__main__":
    main()
