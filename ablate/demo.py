"""`ablate demo`: baseline vs STILTs vs MT-translate (MNLI) on XNLI + PAWS-X, offline, then compare
and checklist — the README's first command.

    ablate demo --output-dir ablate-runs/demo --seeds 1,2
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def demo_cmd(
    output_dir: Annotated[Path, typer.Option("--output-dir", "-o", help="Where the demo's runs go.")] = Path("ablate-runs/demo"),
    seeds: Annotated[str, typer.Option("--seeds", help="Seeds per recipe.")] = "1,2",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")] = False,
) -> None:
    """Offline demo on the embedded default: baseline vs STILTs vs MT-translate (MNLI) -> XNLI + PAWS-X.

    Everything runs on this machine (tiny model, shipped fixtures) into a local sqlite MLflow store.
    """
    from dataclasses import replace

    from ablate.cli import _resolve, console, run_plan
    from ablate.execute import signature
    from ablate.preflight import check_writable
    from ablate.tracking import Tracker

    check_writable(output_dir, "--output-dir")
    tracker = None
    for recipe, task in DEMO:
        console.rule(f"[bold]{recipe}[/]" + (f" --task {task}" if task else ""))
        r, cfg = _resolve(recipe, "smoke", None, None, task=task, targets="xnli,pawsx", seeds=seeds,
                          output_dir=output_dir, experiment="demo")
        tracker = tracker or Tracker(cfg.store_uri, cfg.experiment)
        plan = r.plan(cfg)
        # A warm rerun must not add parent runs: a finished run with the same signature and seed
        # already answers it (compare and the checklist would otherwise count it twice).
        done = {seed: tracker.finished_run(signature(plan, cfg, seed).format(), seed) for seed in cfg.seeds}
        for seed, run_id in done.items():
            if run_id:
                console.print(f"seed {seed}: reusing finished run {run_id} (identical signature and seed; nothing rerun)")
        todo = tuple(seed for seed in cfg.seeds if not done[seed])
        if todo:
            cfg = replace(cfg, seeds=todo)
            run_plan(r.plan(cfg), cfg, quiet=quiet, tracker=tracker)
    from ablate.reports.commands import checklist_cmd, compare_cmd

    arms = ",".join(f"{recipe}:{task}" if task else recipe for recipe, task in DEMO)
    console.rule(f"[bold]ablate compare --arms {arms}[/]")
    compare_cmd(arms=arms, experiment="demo", output_dir=output_dir, out=output_dir / "report")
    console.rule("[bold]ablate checklist[/]")
    checklist_cmd(experiment="demo", output_dir=output_dir, out=output_dir / "checklist.md")
    console.print(
        f"\nDone. Report: {output_dir / 'report' / 'report.html'}   Checklist: {output_dir / 'checklist.md'}\n"
        f"Compare the runs side by side in MLflow: [bold]ablate ui --output-dir {output_dir}[/] prints a URL that "
        "opens the 'demo' experiment's runs table (a parent run per recipe and seed, a child per phase; the "
        "report is a run too). A rerun reuses finished identical runs instead of adding new ones.\n"
        "These are smoke numbers from a tiny random model: the pipeline is real, the results are not.")


DEMO = (("baseline", None), ("stilts", "mnli"), ("mt-translate", "mnli"))
