"""The MLflow writer. Only the executor calls it; runners never see MLflow.

Explicit tracking URI (never MLflow's cwd default), one experiment shared by all recipes,
a parent run per (recipe, intermediate task, seed) with a child run per phase, params logged
once, and every metric call batched into a single `log_batch`.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

MAX_PARAMS, MAX_METRICS = 100, 1000  # MLflow's per-call limits for log_batch


# MLflow 3.x opens an experiment in its GenAI view (traces, judges, "Evaluations") unless this tag
# says it holds model training; the UI reads it from the experiment's tags.
EXPERIMENT_KIND = {"mlflow.experimentKind": "custom_model_development"}


class Tracker:
    def __init__(self, uri: str, experiment: str):
        os.environ.setdefault("MLFLOW_ENABLE_ASYNC_LOGGING", "false")
        from mlflow import MlflowClient
        from mlflow.exceptions import MlflowException

        artifact_root = None
        self.lock_path = None
        if uri.startswith("sqlite:///"):
            db = Path(uri[len("sqlite:///"):])
            db.parent.mkdir(parents=True, exist_ok=True)
            self.lock_path = db.with_name(db.name + ".lock")
            # MLflow's default artifact root is ./mlruns in the *current* directory: keep a local
            # store's artifacts next to its database instead (moving the output dir moves all).
            artifact_root = db.parent / "mlartifacts"
        self.uri = uri
        # Creating or migrating an sqlite store (and creating the experiment) races between
        # processes started together: the loser's migration fails half-way and leaves the
        # database unusable. One process at a time does it, under an exclusive file lock.
        try:
            with self._exclusive():
                self.client = MlflowClient(tracking_uri=uri)
                self.experiment_id = self._experiment(experiment, artifact_root)
        except MlflowException as e:
            from ablate.errors import AblateError

            raise AblateError(f"MLflow tracking store {uri} refused experiment '{experiment}': "
                              f"{str(e).splitlines()[0]}") from e

    def _experiment(self, name: str, artifact_root: Path | None) -> str:
        from mlflow.exceptions import MlflowException

        found = self.client.get_experiment_by_name(name)
        if found is None:
            slug = re.sub(r"[^A-Za-z0-9._-]+", "_", name)  # names may hold '/', spaces, ...
            location = (artifact_root / slug).resolve().as_uri() if artifact_root else None
            try:
                return self.client.create_experiment(name, artifact_location=location, tags=EXPERIMENT_KIND)
            except MlflowException as e:
                # runs started together on a tracking server (no file lock there): another one
                # created it between our lookup and our create; use theirs
                if e.error_code != "RESOURCE_ALREADY_EXISTS":
                    raise
                found = self.client.get_experiment_by_name(name)
        if found.lifecycle_stage == "deleted":
            self.client.restore_experiment(found.experiment_id)
        if "mlflow.experimentKind" not in found.tags:  # stores made before the tag was set
            self.client.set_experiment_tag(found.experiment_id, *next(iter(EXPERIMENT_KIND.items())))
        return found.experiment_id

    @contextmanager
    def _exclusive(self) -> Iterator[None]:
        """An exclusive fcntl lock next to an sqlite store (released by the kernel on a crash);
        nothing for a tracking server, which serialises its own writes."""
        if self.lock_path is None:
            yield
            return
        import fcntl

        with open(self.lock_path, "a") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)

    def reap_dead(self) -> dict[str, dict[str, str]]:
        """Mark RUNNING runs whose owning process is gone (ablate.owner) KILLED; return their
        tags by run id. Runs of other hosts are left as they are."""
        from ablate import owner

        killed: dict[str, dict[str, str]] = {}
        with self._exclusive():
            for run in self.client.search_runs([self.experiment_id], "attributes.status = 'RUNNING'", max_results=5000):
                if owner.is_dead(run.data.tags):
                    self.end(run.info.run_id, "KILLED")
                    killed[run.info.run_id] = dict(run.data.tags)
        return killed

    def running_elsewhere(self) -> int:
        """How many RUNNING runs were started on other hosts. Whether their processes live cannot
        be told from here, so one killed with its machine stays RUNNING until ablate runs there."""
        from ablate import owner

        found = self.client.search_runs([self.experiment_id], "attributes.status = 'RUNNING'", max_results=5000)
        return sum(r.data.tags.get("ablate.host", owner.host()) != owner.host() for r in found)

    def start(self, name: str, tags: Mapping[str, str], parent: str | None = None) -> str:
        from ablate import owner

        tags = {**owner.tags(), **{k: str(v) for k, v in tags.items()}}
        if parent:
            tags["mlflow.parentRunId"] = parent
        return self.client.create_run(self.experiment_id, tags=tags, run_name=name).info.run_id

    def end(self, run_id: str, status: str = "FINISHED") -> None:
        self.client.set_terminated(run_id, status=status)

    @contextmanager
    def run(self, name: str, tags: Mapping[str, str], parent: str | None = None) -> Iterator[str]:
        """Start a run and end it with the status it earned: FINISHED, FAILED on an error,
        KILLED on Ctrl-C (the checklist counts failed and killed runs)."""
        run_id = self.start(name, tags, parent)
        try:
            yield run_id
        except KeyboardInterrupt:
            self.end(run_id, "KILLED")
            raise
        except BaseException:
            self.end(run_id, "FAILED")
            raise
        self.end(run_id, "FINISHED")

    def params(self, run_id: str, params: Mapping[str, Any]) -> None:
        from mlflow.entities import Param

        items = [Param(k, str(v)[:6000]) for k, v in params.items()]
        for i in range(0, len(items), MAX_PARAMS):
            self.client.log_batch(run_id, params=items[i:i + MAX_PARAMS])

    def metrics(self, run_id: str, metrics: Mapping[str, float], step: int | None = None) -> None:
        from mlflow.entities import Metric

        now = int(time.time() * 1000)
        items = [Metric(k, float(v), now, step or 0) for k, v in metrics.items()]
        for i in range(0, len(items), MAX_METRICS):
            self.client.log_batch(run_id, metrics=items[i:i + MAX_METRICS])

    def tags(self, run_id: str, tags: Mapping[str, Any]) -> None:
        from mlflow.entities import RunTag

        self.client.log_batch(run_id, tags=[RunTag(k, str(v)) for k, v in tags.items()])

    def artifacts(self, run_id: str, root: Path, paths: list[str]) -> None:
        """Log files under `root`, keeping their relative directories as artifact paths."""
        for rel in paths:
            parent = str(Path(rel).parent)
            self.client.log_artifact(run_id, str(root / rel), None if parent == "." else parent)

    def json_artifact(self, run_id: str, name: str, data: Any) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / name
            path.write_text(json.dumps(data, indent=2, sort_keys=True, default=str))
            self.client.log_artifact(run_id, str(path))

    def datasets(self, run_id: str, records: list[dict[str, Any]]) -> None:
        """Record datasets with `log_inputs` by metadata (name, exact source, content digest)."""
        if not records:
            return
        from mlflow.data.huggingface_dataset_source import HuggingFaceDatasetSource
        from mlflow.data.meta_dataset import MetaDataset
        from mlflow.entities import DatasetInput, InputTag

        inputs = []
        for r in records:
            ds = MetaDataset(source=HuggingFaceDatasetSource(path=r["source"]), name=r["name"], digest=r["digest"])
            inputs.append(DatasetInput(ds._to_mlflow_entity(), tags=[InputTag("mlflow.data.context", r["context"])]))
        self.client.log_inputs(run_id, datasets=inputs)

    def finished_run(self, signature: str, seed: int) -> str | None:
        """The newest FINISHED parent run with this signature and seed (an identical run), or None."""
        from ablate.mlflow_filter import keep, tag_filter

        query, rest = tag_filter({"kind": "run", "signature": signature, "seed": str(seed)},
                                 "attributes.status = 'FINISHED'")
        found = keep(self.client.search_runs([self.experiment_id], query, max_results=1 if not rest else 5000,
                                             order_by=["attributes.start_time DESC"]), rest)
        return found[0].info.run_id if found else None
