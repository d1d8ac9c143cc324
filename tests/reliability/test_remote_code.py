"""A model's own Python code (auto_map) runs only with --trust-remote-code: never on a prompt's
answer, never by default; when allowed, the signature says so."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.reliability.runs import SMOKE, env, runs

CODE = '''import os
from pathlib import Path
from transformers import XLMRobertaConfig, XLMRobertaForSequenceClassification

Path(os.environ["ABLATE_TEST_MARKER"]).write_text("remote code ran")


class MarkerConfig(XLMRobertaConfig):
    model_type = "marker-xlmr"


class MarkerForSequenceClassification(XLMRobertaForSequenceClassification):
    config_class = MarkerConfig
'''


@pytest.fixture
def custom_model(tmp_path):
    """The tiny model with a config that maps to code shipped next to it (which leaves a marker)."""
    from ablate.models import build_tiny

    model = tmp_path / "custom-model"
    shutil.copytree(build_tiny("tiny-xlmr"), model)
    (model / "marker_config.py").write_text(CODE)
    config = json.loads((model / "config.json").read_text())
    config["model_type"] = "marker-xlmr"
    config["auto_map"] = {"AutoConfig": "marker_config.MarkerConfig",
                          "AutoModelForSequenceClassification": "marker_config.MarkerForSequenceClassification"}
    (model / "config.json").write_text(json.dumps(config))
    return model


def _run(tmp_path, model, *extra, answer="y\n"):
    import subprocess
    import sys

    marker = tmp_path / "marker"
    args = [sys.executable, "-m", "ablate", "run", "baseline", "--targets", "xnli", *SMOKE, "--model", str(model),
            "-o", str(tmp_path / "out"), *extra]
    done = subprocess.run(args, cwd=tmp_path, env={**env(), "ABLATE_TEST_MARKER": str(marker)}, input=answer,
                          capture_output=True, text=True, timeout=900)
    return done, marker


def test_remote_code_does_not_run_without_the_flag_even_when_stdin_says_yes(tmp_path, custom_model):
    done, marker = _run(tmp_path, custom_model)
    assert done.returncode == 2, done.stderr
    assert "--trust-remote-code" in done.stderr and "Traceback" not in done.stderr
    assert len([line for line in done.stderr.splitlines() if line.strip()]) == 1, done.stderr
    assert not marker.exists()  # transformers' own prompt would have run it on "y"


def test_remote_code_runs_with_the_flag_and_the_signature_records_it(tmp_path, custom_model):
    done, marker = _run(tmp_path, custom_model, "--trust-remote-code", answer="")
    assert done.returncode == 0, done.stderr
    assert marker.read_text() == "remote code ran"
    _, found = runs(f"sqlite:///{tmp_path / 'out' / 'mlflow.db'}")
    (parent,) = [r for r in found if r.data.tags["kind"] == "run"]
    assert "|remote_code:yes|" in parent.data.tags["signature"]
    assert parent.data.params["trust_remote_code"] == "True"


def test_the_setting_defaults_to_off_and_is_passed_explicitly():
    from ablate.config import RunConfig
    from ablate.models import _hub_call

    assert RunConfig().trust_remote_code is False
    seen = {}
    _hub_call(lambda ident, **kw: seen.update(kw), "x")
    assert seen == {"trust_remote_code": False}  # never None: None makes transformers ask on stdin
