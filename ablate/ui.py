"""`ablate ui`: the port check and the URL that opens the MLflow UI on the runs table."""

from __future__ import annotations

import errno
import json
import socket

from ablate.errors import AblateError, unknown

# MLflow 3.x defaults its UI to the GenAI workflow; this query parameter selects model training.
WORKFLOW = "workflowType=machine_learning"
# A "shared view" is an experiment tag the UI applies when the URL names it: the runs table then
# opens with the headline columns instead of none (MLflow offers ~300 metrics to pick from).
VIEW_KEY = "ablate-headline"
VIEW_TAG = f"mlflow.sharedViewState.{VIEW_KEY}"


def check_port(port: int) -> None:
    """A port MLflow can bind on 127.0.0.1, checked before exec so the error is one clear line."""
    if not 1 <= port <= 65535:
        raise AblateError(f"--port must be between 1 and 65535, got {port}.")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError as e:
            reason = "is in use" if e.errno == errno.EADDRINUSE else f"cannot be bound ({e.strerror})"
            raise AblateError(f"Port {port} on 127.0.0.1 {reason}: pass a free one, e.g. --port {_free_port()}.") from e


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def experiment_url(uri: str, experiment: str | None, port: int) -> str:
    """The experiment's runs table (training view) when the experiment is known; `experiment`
    None means "not given": the store's only experiment, if it has one, else the home page."""
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=uri)
    base = f"http://127.0.0.1:{port}/"
    names = {e.name: e.experiment_id for e in client.search_experiments() if e.name != "Default"}
    if experiment is None:
        experiment = "ablate" if "ablate" in names else (next(iter(names)) if len(names) == 1 else None)
        if experiment is None:
            return base
    if experiment not in names:
        raise unknown(f"MLflow experiment (in {uri})", experiment, names)
    write_headline_view(client, names[experiment])
    return f"{base}#/experiments/{names[experiment]}/runs?{WORKFLOW}&viewStateShareKey={VIEW_KEY}"


def headline_columns(metric_names) -> list[str]:
    """The runs-table columns: the arm (e.g. stilts:mnli) and seed, the XTREME and XTREME-R scores, each
    target's language average of its primary metric (test split) under the name it is logged with
    (`mewslix_untuned`, `bucc2018_goldonly`), in the task registry's order."""
    from ablate.metric_names import logged_task, metric_key
    from ablate.tasks import TASKS
    from ablate.xtreme_r import SCORES as XTREME_R_SCORES

    present = set(metric_names)
    wanted = ["xtreme.score", *XTREME_R_SCORES] + [metric_key(logged_task(t.name, present), "avg", t.metric)
                                                   for t in TASKS.values() if t.role == "target"]
    return (["params.`arm`", "tags.`seed`"]
            + [f"metrics.`{name}`" for name in wanted if name in present])


def write_headline_view(client, experiment_id: str) -> None:
    runs = client.search_runs([experiment_id], "tags.kind = 'run'", max_results=5000)
    columns = headline_columns({k for r in runs for k in r.data.metrics})
    client.set_experiment_tag(experiment_id, VIEW_TAG, json.dumps({"selectedColumns": columns}))
