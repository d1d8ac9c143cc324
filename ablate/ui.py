"""`ablate ui`: the port check and the URL that opens the MLflow UI on the runs table."""

from __future__ import annotations

import errno
import socket

from ablate.errors import AblateError, unknown

# MLflow 3.x defaults its UI to the GenAI workflow; this query parameter selects model training.
WORKFLOW = "workflowType=machine_learning"


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
    return f"{base}#/experiments/{names[experiment]}/runs?{WORKFLOW}"
