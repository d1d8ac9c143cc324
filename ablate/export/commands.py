"""`ablate export ...`: thin Typer commands over ablate.export.

    ablate export xtreme --run RUN_ID --out xtreme-export/ --output-dir ablate-runs
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

export_app = typer.Typer(help="Write a tracked run in another tool's file layout.", no_args_is_help=True)


@export_app.command("xtreme")
def xtreme_cmd(
    run: Annotated[str, typer.Option("--run", help="Parent run id of a recipe run (the MLflow run of one seed).")],
    out: Annotated[Path, typer.Option("--out", help="New directory for predictions/, labels/ and manifest.json.")],
    experiment: Annotated[Optional[str], typer.Option("--experiment", "-e", help="MLflow experiment (default: ablate).")] = None,
    output_dir: Annotated[Optional[Path], typer.Option("--output-dir", "-o", help="Where `ablate run` wrote (its mlflow.db is the default store).")] = None,
    tracking_uri: Annotated[Optional[str], typer.Option("--tracking-uri", help="MLflow tracking URI (default: sqlite inside --output-dir).")] = None,
) -> None:
    """XTREME's leaderboard layout (evaluate.py re-scores it), the gold, BUCC candidates, a manifest."""
    from rich.console import Console

    from ablate.export.xtreme import export
    from ablate.reports.commands import _store

    manifest = export(_store(experiment, output_dir, tracking_uri), run, out)
    console = Console()
    for task, entry in manifest["tasks"].items():
        cap = f", capped at {entry['max_eval_examples']} per language" if entry["max_eval_examples"] else ""
        console.print(f"{task}: {len(entry['languages'])} languages{cap}"
                      + (f" — [yellow]{entry['warning']}[/]" if "warning" in entry else ""), highlight=False)
    console.print(f"Wrote {out}. Re-score with XTREME: python evaluate.py --prediction_folder {out}/predictions "
                  f"--label_folder {out}/labels", highlight=False)
