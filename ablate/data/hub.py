"""Hub reachability: fail at once, and say what to do, when the Hugging Face Hub is out of reach.

Without HF_HUB_OFFLINE every Hub call retries for ~24 s before failing; with it, a call fails
instantly. So before any Hub library is used we probe once and switch the libraries offline.
"""

from __future__ import annotations

import os
import socket
import sys
from functools import lru_cache
from urllib.parse import urlparse

from ablate.errors import AblateError

OFFLINE_HINT = (
    "The Hugging Face Hub cannot be reached from this machine. Run offline with `--preset smoke` "
    "(tiny model, shipped fixture data), or point ablate at local copies: `--model /path/to/model` "
    "and `--data-dir /path/to/datasets` (layout: <org>__<name>/<config>/<split>.jsonl|parquet)."
)


@lru_cache(maxsize=1)
def hub_reachable(timeout: float = 3.0) -> bool:
    host = urlparse(os.environ.get("HF_ENDPOINT", "https://huggingface.co")).hostname or "huggingface.co"
    try:
        socket.create_connection((host, 443), timeout=timeout).close()
        return True
    except OSError:
        return False


def go_offline() -> None:
    """Put huggingface_hub, datasets and transformers in offline mode (also if already imported)."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["HF_DATASETS_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    if "huggingface_hub" in sys.modules:
        import huggingface_hub.constants as hc

        hc.HF_HUB_OFFLINE = True
    if "datasets" in sys.modules:
        import datasets.config as dc

        dc.HF_HUB_OFFLINE = True
        if hasattr(dc, "HF_DATASETS_OFFLINE"):
            dc.HF_DATASETS_OFFLINE = True


def prepare(offline: bool) -> bool:
    """Go offline when asked to or when the Hub is unreachable; returns whether we are offline."""
    if offline or os.environ.get("HF_HUB_OFFLINE") == "1" or not hub_reachable():
        go_offline()
        return True
    return False


def hub_error(what: str, ident: str, err: BaseException) -> AblateError:
    """Turn a Hub failure into a message that names the way out."""
    text = str(err).splitlines()[0] if str(err) else type(err).__name__
    offline = os.environ.get("HF_HUB_OFFLINE") == "1"
    hint = OFFLINE_HINT if offline else "Check the id, the revision and your access to it."
    return AblateError(f"Could not load {what} '{ident}' from the Hugging Face Hub ({text}). {hint}")
