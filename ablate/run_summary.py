"""What a finished `ablate run` reports: the console table and the parent runs' MLflow
description (`mlflow.note.content`, the Markdown the UI shows on the run page)."""

from __future__ import annotations

import math

from rich.table import Table

from ablate.plan import INTERMEDIATE_KINDS


def _targets(plan):
    from ablate.tasks import get_task

    return [get_task(p.task) for p in plan.order() if p.kind in ("evaluate", "retrieve")]


def _value(metrics, key) -> str:
    value = metrics.get(key)
    return "—" if value is None or math.isnan(value) else f"{value:.1f}"


def _title(plan, cfg) -> str:
    multi = next((p for p in plan.phases if p.kind == "multitask"), None)
    if multi is not None:  # the flag as a user would type it: `all`, not the nine names
        from ablate.mixing.settings import ALL

        return f"{plan.recipe} --tasks {ALL if multi.task == ALL else ','.join(multi.tasks)}"
    return plan.recipe + (f" --task {cfg.task}" if any(p.kind in INTERMEDIATE_KINDS for p in plan.phases) else "")


def tables(plan, cfg, runs, width: int) -> list[Table]:
    """A row per target task (its language-average primary metric, test / dev), a column per
    seed; the XTREME scores (ablate.xtreme.SCORES) whose tasks ran; how many phases were reused. On a narrow
    terminal the seeds are split over several tables and cells wrap at the ' / ': a number is
    never cut ('-21.…')."""
    per_table = max(1, (width - FIXED_COLUMNS) // SEED_COLUMN)
    return [_table(plan, cfg, runs[i:i + per_table]) for i in range(0, len(runs), per_table)]


FIXED_COLUMNS, SEED_COLUMN = 34, 11  # narrowest widths (borders included) that keep numbers whole


def _table(plan, cfg, runs) -> Table:
    from ablate.metric_names import logged_task, metric_key
    from ablate.xtreme import SCORES as XTREME_SCORES

    out = Table(title=_title(plan, cfg))
    out.add_column("target", overflow="fold", min_width=8)
    out.add_column("metric (avg over languages)", overflow="fold", min_width=10)
    for run in runs:
        out.add_column(f"seed {run.seed}\ntest / dev", justify="right", overflow="fold", min_width=8)
    for t in _targets(plan):
        names = {logged_task(t.name, r.metrics) for r in runs}  # bucc2018_goldonly on the Hub's copy
        out.add_row(", ".join(sorted(names)), t.metric, *[
            f"{_value(r.metrics, metric_key(logged_task(t.name, r.metrics), 'avg', t.metric))} / "
            f"{_value(r.metrics, metric_key(logged_task(t.name, r.metrics), 'avg', t.metric, 'validation'))}"
            for r in runs])
    for key, meaning in XTREME_SCORES.items():
        if any(key in r.metrics for r in runs):
            out.add_row(f"[bold]{key}[/]", meaning, *[_value(r.metrics, key) for r in runs])
    out.add_row("[dim]MLflow run[/]", "", *[f"[dim]{r.run_id[:12]}[/]" for r in runs])
    out.add_row("[dim]phases reused[/]", "", *[f"[dim]{_reused(r)}/{len(r.phases)}[/]" for r in runs])
    return out


def _reused(run) -> int:
    return sum(1 for p in run.phases.values() if p["cached"])


def note(plan, cfg, run, signature: str) -> str:
    """The parent run's description: the question, the headline numbers, what was reused."""
    from ablate.metric_names import logged_task, metric_key
    from ablate.xtreme import SCORES as XTREME_SCORES

    lines = [f"**{_title(plan, cfg)}**, seed {run.seed}: {plan.question}", ""]
    for key, meaning in XTREME_SCORES.items():
        if key in run.metrics:
            lines += [f"**{key}: {_value(run.metrics, key)}** ({meaning})", ""]
    lines += ["| target | metric (avg over languages) | test | dev |", "|---|---|---:|---:|"]
    for t in _targets(plan):
        name = logged_task(t.name, run.metrics)  # bucc2018_goldonly on the Hub's copy
        lines.append(f"| {name} | {t.metric} | {_value(run.metrics, metric_key(name, 'avg', t.metric))} "
                     f"| {_value(run.metrics, metric_key(name, 'avg', t.metric, 'validation'))} |")
    reused = [name for name, p in run.phases.items() if p["cached"]]
    lines += ["", f"Phases reused from the phase store: {len(reused)}/{len(run.phases)}"
              + (f" ({', '.join(reused)})" if reused else ""), "",
              f"Signature: `{signature}`", "",
              f"Preset `{cfg.preset}`, model `{cfg.model}`; every phase is a child run below this one."]
    if cfg.preset == "smoke":
        lines += ["", "_Smoke numbers from a tiny random model: the pipeline is real, the results are not._"]
    return "\n".join(lines)
