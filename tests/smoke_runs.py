"""Shared end-to-end smoke runs (run once per test session, read by several test modules)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path


@dataclass
class SmokeStore:
    output_dir: Path
    uri: str

    def client(self):
        from mlflow import MlflowClient

        return MlflowClient(tracking_uri=self.uri)

    def parents(self, recipe: str):
        c = self.client()
        exp = c.get_experiment_by_name("ablate")
        return c.search_runs([exp.experiment_id], f"tags.kind = 'run' and tags.recipe = '{recipe}'")

    def copy(self, dest: Path) -> SmokeStore:
        """The store and its phases copied to `dest`, for a test that adds runs: the session's store
        stays as run_smoke left it. (The experiment's artifact location is an absolute path, so
        runs added to the copy keep their artifacts beside the original's, under their own ids.)"""
        shutil.copytree(self.output_dir, dest)
        return SmokeStore(dest, f"sqlite:///{dest / 'mlflow.db'}")

    def children(self, parent_id: str):
        c = self.client()
        exp = c.get_experiment_by_name("ablate")
        return {r.info.run_name: r for r in c.search_runs([exp.experiment_id], f"tags.mlflow.parentRunId = '{parent_id}'")}


def run_smoke(output_dir: Path) -> SmokeStore:
    from ablate.cli import main

    for args in (["run", "baseline", "--targets", "xnli,pawsx"], ["run", "stilts", "--task", "mnli", "--targets", "xnli,pawsx"]):
        main([*args, "--preset", "smoke", "--seeds", "1,2", "-o", str(output_dir), "-q"])
    return SmokeStore(output_dir, f"sqlite:///{output_dir / 'mlflow.db'}")
