"""Silence library chatter that does not concern the user (LOAD REPORTs, progress bars of
datasets, MLflow's and transformers' warnings). `--verbose` keeps it."""

from __future__ import annotations

import logging
import os
import sys
import warnings


def quiet_libraries() -> None:
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")
    # datasets sets its logger's level from this at import (after us): its error logs repeat what
    # our one error line already says
    os.environ.setdefault("DATASETS_VERBOSITY", "critical")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("MLFLOW_ENABLE_ASYNC_LOGGING", "false")
    os.environ.setdefault("MLFLOW_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")  # read when mlflow configures its logger
    os.environ.setdefault("GIT_PYTHON_REFRESH", "quiet")
    warnings.filterwarnings("ignore")
    for name in ("mlflow", "alembic", "transformers", "datasets", "urllib3", "filelock", "accelerate"):
        logging.getLogger(name).setLevel(logging.ERROR)
    # The environment above is read at import: a library imported before us (a notebook, a test
    # session) keeps its progress bars unless told directly.
    if "transformers" in sys.modules:
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
    if "datasets" in sys.modules:
        from datasets.utils import logging as ds_logging

        ds_logging.disable_progress_bar()
