"""`ablate compare`, `ablate checklist`, `ablate rerun` and `ablate power`: thin Typer commands over ablate.reports.

    ablate compare --baseline baseline --treatment stilts:mnli --output-dir ablate-runs --out report/
    ablate compare --arms baseline,stilts:mnli,stilts-mlm:mnli --targets xtreme --out report/
    ablate compare --arms stilts:mnli,stilts:xnli_translate_train --targets panx,udpos --metric macro_f1
    ablate compare --from-report RUN_ID --output-dir ablate-runs
    ablate checklist --experiment ablate --output-dir ablate-runs --out checklist.md
    ablate power --baseline baseline --treatment stilts:mnli --delta 1.6
    ablate rerun RUN_ID --output-dir ablate-runs
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

ExpOpt = Annotated[Optional[str], typer.Option("--experiment", "-e", help="MLflow experiment (default: ablate).")]
OutDirOpt = Annotated[Optional[Path], typer.Option("--output-dir", "-o", help="Where `ablate run` wrote (its mlflow.db is the default store).")]
UriOpt = Annotated[Optional[str], typer.Option("--tracking-uri", help="MLflow tracking URI (default: sqlite inside --output-dir).")]
ModelOpt = Annotated[Optional[str], typer.Option("--model", help="Only runs of this model (tag `model`).")]
ReplicatesOpt = Annotated[int, typer.Option("--replicates", "-B", help="Seed resamples for the P(A>B) interval and Monte-Carlo permutation tests (raised automatically to 10·m/α).")]
SeedOpt = Annotated[int, typer.Option("--seed", help="Random seed of the report's resampling (recorded).")]
AlphaOpt = Annotated[float, typer.Option("--alpha", help="Significance level; intervals are (1 − α).")]
NoLogOpt = Annotated[bool, typer.Option("--no-log", help="Write the files only; do not log a report run to MLflow.")]


def _store(experiment, output_dir, tracking_uri):
    from ablate.config import resolve
    from ablate.records import Store

    overrides = {k: v for k, v in {"output_dir": str(output_dir) if output_dir else None,
                                   "tracking_uri": tracking_uri, "experiment": experiment}.items() if v is not None}
    cfg = resolve(None, None, overrides)
    from ablate.preflight import check_store_exists

    check_store_exists(cfg.store_uri)  # reading must not create an empty store as a side effect
    return Store(cfg.store_uri, cfg.experiment)


def compare_cmd(
    baseline: Annotated[Optional[str], typer.Option("--baseline", help="Baseline arm: RECIPE or RECIPE:TASK (default: baseline).")] = None,
    treatment: Annotated[Optional[str], typer.Option("--treatment", help="Arm(s) compared with the baseline, comma-separated, e.g. stilts:mnli.")] = None,
    arms: Annotated[Optional[str], typer.Option("--arms", help="All arms, comma-separated; the first is the baseline.")] = None,
    targets: Annotated[Optional[str], typer.Option("--targets", help="Target tasks, comma-separated, or xtreme (default: every task all arms evaluated).")] = None,
    seeds: Annotated[Optional[str], typer.Option("--seeds", help="Use only these seeds (comma-separated).")] = None,
    split: Annotated[str, typer.Option("--split", help="test, or validation for dev-set numbers.")] = "test",
    experiment: ExpOpt = None, output_dir: OutDirOpt = None, tracking_uri: UriOpt = None, model: ModelOpt = None,
    out: Annotated[Path, typer.Option("--out", help="Directory for report.md, report.html, report.json and figures.")] = Path("report"),
    replicates: ReplicatesOpt = 10_000, seed: SeedOpt = 12345, alpha: AlphaOpt = 0.05,
    from_report: Annotated[Optional[str], typer.Option("--from-report", help="Regenerate a logged report run: same runs, arms, B and seed.")] = None,
    no_log: NoLogOpt = False,
    metric: Annotated[Optional[str], typer.Option("--metric", help="Score every task by this metric instead of its XTREME one: macro_f1 (XNLI, PAWS-X, PAN-X, UD-POS).")] = None,
) -> None:
    """Paired significance report between recipes: per language, per task and overall (XTREME).

    Example: ablate compare --baseline baseline --treatment stilts:mnli --out report/
    """
    from rich.console import Console

    from ablate.errors import AblateError
    from ablate.reports import compare, render
    from ablate.reports.selection import parse_arms

    console = Console()
    store = _store(experiment, output_dir, tracking_uri)
    if from_report:
        if arms or treatment or baseline or metric:
            raise AblateError("--from-report takes the arms and metric from the report run; drop "
                              "--arms/--baseline/--treatment/--metric.")
        request = compare.request_from_report(store, from_report)
    else:
        if split not in ("test", "validation"):
            raise AblateError(f"Unknown split '{split}'. Available: test, validation.")
        labels = [a.label for a in parse_arms(baseline, treatment, arms)]
        seed_list = tuple(int(s) for s in seeds.split(",") if s.strip()) if seeds else None
        from ablate.reports.metric_choice import check_metric

        check_metric(metric)
        request = compare.Request(labels, targets, model, seed_list, split, replicates, seed, alpha, metric=metric)
    if not 0 < request.alpha < 1:
        raise AblateError(f"--alpha must be in (0, 1), got {request.alpha}.")
    result = compare.run(store, request)
    files = compare.write(result, out)
    if not no_log:
        compare.log(result, store.uri, store.experiment, out, files, regenerated_from=from_report)
    render.terminal(result, console)
    if from_report:
        same = compare.numbers_of(result.to_json()) == compare.stored_numbers(store, from_report)
        console.print(f"Regenerated from report run {from_report}: "
                      + ("[green]identical numbers[/]" if same else "[red]numbers differ from the logged report[/]"))
    console.print(f"Report: {files['report.html']} (also .md, .json)"
                  + (f"; MLflow report run {result.report_run_id}" if result.report_run_id else ""))


def checklist_cmd(
    experiment: ExpOpt = None, output_dir: OutDirOpt = None, tracking_uri: UriOpt = None, model: ModelOpt = None,
    out: Annotated[Path, typer.Option("--out", help="Markdown file; a .json sidecar is written next to it.")] = Path("checklist.md"),
    replicates: ReplicatesOpt = 10_000, seed: SeedOpt = 12345, alpha: AlphaOpt = 0.05,
    no_log: NoLogOpt = False,
) -> None:
    """Reproduction checklist: the paper's claims tested on the tracked runs, plus the items the
    runs answer and the ones a person must answer.

    Example: ablate checklist --experiment ablate --out checklist.md
    """
    from rich.console import Console

    from ablate.reports import checklist

    console = Console()
    store = _store(experiment, output_dir, tracking_uri)
    result = checklist.build(store, model=model, n_replicates=replicates, seed=seed, alpha=alpha)
    files = checklist.write(result, out)
    if not no_log:
        checklist.log(result, store.uri, store.experiment, files)
    checklist.terminal(result, console)
    console.print(f"Checklist: {files['md']} (and {files['json'].name})"
                  + (f"; MLflow report run {result['report_run_id']}" if result.get("report_run_id") else ""))


def power_cmd(
    baseline: Annotated[Optional[str], typer.Option("--baseline", help="Pilot baseline arm (default: baseline).")] = None,
    treatment: Annotated[Optional[str], typer.Option("--treatment", help="Pilot arm compared with the baseline.")] = None,
    targets: Annotated[Optional[str], typer.Option("--targets", help="Target tasks (default: every task both arms evaluated).")] = None,
    seeds: Annotated[str, typer.Option("--seeds-per-arm", help="Seeds per arm to plan for, comma-separated.")] = "3,5,10,20",
    delta: Annotated[Optional[float], typer.Option("--delta", help="Effect (points) to detect: prints the seeds per arm it needs.")] = None,
    power: Annotated[float, typer.Option("--power", help="Target power.")] = 0.8,
    seed_sd: Annotated[Optional[float], typer.Option("--seed-sd", help="Stated instead of pilot runs: SD (points) of one seed's difference between arms.")] = None,
    example_se: Annotated[Optional[float], typer.Option("--example-se", help="With --seed-sd: test-set standard error (points) of Δ.")] = None,
    per_language: Annotated[bool, typer.Option("--per-language", help="Also plan every language cell.")] = False,
    experiment: ExpOpt = None, output_dir: OutDirOpt = None, tracking_uri: UriOpt = None, model: ModelOpt = None,
    alpha: AlphaOpt = 0.05,
) -> None:
    """Plan a study: minimum detectable effect per seeds per arm, and seeds needed for --delta.

    Example: ablate power --baseline baseline --treatment stilts:mnli --delta 1.6
    """
    from rich.console import Console
    from rich.table import Table

    from ablate.errors import AblateError
    from ablate.reports import power as pw

    try:
        plan_seeds = sorted({int(s) for s in seeds.split(",") if s.strip()})
    except ValueError:
        raise AblateError(f"--seeds-per-arm must be comma-separated integers, got '{seeds}'.") from None
    if not plan_seeds or min(plan_seeds) < 2:
        raise AblateError(f"--seeds-per-arm needs integers ≥ 2 (one seed cannot estimate seed variance), got '{seeds}'.")
    if not 0 < alpha < 1 or not 0 < power < 1:
        raise AblateError(f"--alpha and --power must be in (0, 1), got {alpha} and {power}.")
    if seed_sd is not None:
        if seed_sd < 0 or (example_se or 0) < 0:
            raise AblateError("--seed-sd and --example-se must be ≥ 0.")
        levels = [("stated", "stated", pw.Components(seed_sd**2, (example_se or 0.0) ** 2))]
        source = f"stated components: seed SD {seed_sd}, test-set SE {example_se or 0}"
    else:
        from ablate.reports import compare
        from ablate.reports.selection import parse_arms

        labels = [a.label for a in parse_arms(baseline, treatment, None)]
        store = _store(experiment, output_dir, tracking_uri)
        c = compare.run(store, compare.Request(labels, targets, model, n_replicates=200))
        levels = pw.store_levels(c.numbers, labels[1], per_language)
        source = (f"pilot runs {labels[1]} vs {labels[0]} ({', '.join(f'{k}: {len(v)} seeds' for k, v in c.seeds.items())}); "
                  f"ranges: {100 * pw.UNCERTAINTY:g} % interval of the pilot seed variance")
    rows = pw.plan(levels, plan_seeds, delta, alpha, power)
    table = Table(title=f"Minimum detectable Δ (points) at α = {alpha}, power {power}")
    for h in ["level", "name", "seed SD", "test SE", *(f"S = {s}" for s in plan_seeds)] + ([f"S for {delta:+g}"] if delta is not None else []):
        table.add_column(h, justify="left" if h in ("level", "name") else "right")

    def seeds_text(n):
        return "never (test set too small)" if n is None else str(n)

    for r in rows:
        cells = ["no p (too few seeds)" if est != est else f"{est:.2f} [{lo:.2f}, {hi:.2f}]"
                 for est, lo, hi in r.mde.values()]
        if r.needed is not None:
            est, lo, hi = r.needed
            cells.append(f"{seeds_text(est)} [{seeds_text(lo)}, {seeds_text(hi)}]")
        table.add_row(r.level, r.name, f"{r.components.seed ** 0.5:.2f}", f"{r.components.examples ** 0.5:.2f}", *cells)
    console = Console()
    console.print(table)
    console.print(f"From {source}. Seed SD: one seed's paired difference; test SE: the test-set part of Δ's "
                  "standard error (more seeds do not shrink it).", highlight=False)


def rerun_cmd(
    run_id: Annotated[str, typer.Argument(help="MLflow run id of an `ablate run` parent run (see the checklist or the UI).")],
    experiment: ExpOpt = None, output_dir: OutDirOpt = None, tracking_uri: UriOpt = None,
    seeds: Annotated[Optional[str], typer.Option("--seeds", help="Run these seeds instead of the run's own seed.")] = None,
    print_only: Annotated[bool, typer.Option("--print", help="Only print the equivalent `ablate run` command.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")] = False,
) -> None:
    """Run a tracked run again from the resolved config it logged (config.json): same recipe, task,
    targets, model, preset, every setting and MT flag. Prints the equivalent `ablate run` command.

    Example: ablate rerun 3f2a... --output-dir ablate-runs
    """
    from rich.console import Console

    from ablate.cli import run_plan
    from ablate.recipes import load
    from ablate.reports.reproduce import run_command, run_config

    console = Console()
    store = _store(experiment, output_dir, tracking_uri)
    cfg = run_config(store, run_id, seeds, output_dir=str(output_dir) if output_dir else None,
                     tracking_uri=tracking_uri)
    tags = store.run_info(run_id)["tags"]
    console.print(f"Equivalent command: {run_command(cfg)}", highlight=False, soft_wrap=True)
    console.print(f"The run was logged at commit {tags.get('git_commit', 'unknown')[:12]}"
                  + (" from uncommitted (dirty) code" if tags.get("git_dirty") not in (None, "no") else "")
                  + ": check that commit out for the same code.", highlight=False)
    if not print_only:
        run_plan(load(cfg.recipe).plan(cfg), cfg, quiet=quiet)
