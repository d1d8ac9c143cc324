"""Where a number came from: code version (git commit + dirty flag) and the environment."""

from __future__ import annotations

import platform
import subprocess
import sys
from functools import lru_cache
from importlib import metadata
from pathlib import Path

PACKAGES = ("ablate", "torch", "transformers", "tokenizers", "datasets", "accelerate", "mlflow",
            "ctranslate2", "sacrebleu", "numpy", "scipy", "pandas", "pyarrow", "seqeval")


@lru_cache(maxsize=1)
def code_version() -> dict[str, str]:
    """{'commit': sha or 'unknown', 'dirty': 'yes'/'no'/'unknown'} of the ablate checkout."""
    root = Path(__file__).resolve().parent.parent
    try:
        commit = _git(root, "rev-parse", "HEAD")
        status = _git(root, "status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.CalledProcessError):
        return {"commit": "unknown", "dirty": "unknown"}
    return {"commit": commit, "dirty": "yes" if status else "no"}


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                          check=True, timeout=10).stdout.strip()


def package_versions(names) -> dict[str, str | None]:
    """Installed version of each distribution (None when it is not installed)."""
    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def environment() -> dict:
    versions = package_versions(PACKAGES)
    env = {"python": sys.version.split()[0], "platform": platform.platform(),
           "machine": platform.machine(), "processor": platform.processor(),
           "packages": versions, "code": code_version()}
    try:
        import os

        env["cpu_count"] = os.cpu_count()
        if "torch" in sys.modules:
            import torch

            env["cuda"] = torch.cuda.is_available()
            env["gpu"] = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
            env["torch_threads"] = torch.get_num_threads()
    except Exception as e:  # environment facts are best-effort; never fail a run for them
        env["error"] = repr(e)
    return env
