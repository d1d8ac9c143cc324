"""The command line: listings, plan purity, and every kind of bad input (clear message, exit 2,
nothing half-written)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


def test_recipes_and_tasks_listings(cli):
    r = cli("recipes")
    assert r.code == 0 and "baseline" in r.out and "stilts" in r.out and "question" in r.out
    r = cli("tasks")
    assert r.code == 0
    for name in ("mnli", "qqp", "anli_plus", "xnli", "pawsx", "nyu-mll/glue", "google/xtreme"):
        assert name in r.out


def test_help_has_examples(cli):
    r = cli("run", "--help")
    assert r.code == 0 and "ablate run stilts" in r.out


def test_plan_is_pure_and_imports_no_torch(tmp_path):
    code = (
        "import sys\n"
        "from ablate.cli import main\n"
        f"main(['plan', 'stilts', '--task', 'mnli', '--targets', 'xnli,pawsx', '--seeds', '1,2', '-o', {str(tmp_path)!r}])\n"
        "heavy = [m for m in ('torch', 'transformers', 'datasets', 'mlflow') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "intermediate:mnli" in out.stdout and "to run" in out.stdout
    assert not any(tmp_path.iterdir())  # planning writes nothing


def _assert_error(r, *needles):
    assert r.code == 2, (r.code, r.out, r.err)
    text = " ".join(r.err.split())
    for needle in needles:
        assert needle in text, (needle, text)


@pytest.mark.parametrize("args, needles", [
    (["run", "stilt", "--preset", "smoke"], ["Unknown recipe 'stilt'", "Did you mean 'stilts'?", "baseline"]),
    (["run", "stilts", "--task", "mnlii", "--preset", "smoke"], ["Unknown intermediate task 'mnlii'", "Did you mean 'mnli'?"]),
    (["run", "stilts", "--preset", "smoke"], ["--task"]),
    (["run", "baseline", "--targets", "xnlii", "--preset", "smoke"], ["Unknown target task 'xnlii'", "Did you mean 'xnli'?"]),
    (["run", "baseline", "--preset", "smok"], ["Unknown preset 'smok'", "Did you mean 'smoke'?"]),
    (["run", "baseline", "--preset", "smoke", "--set", "finetune.xnli.epoch=1"], ["epoch", "Did you mean 'epochs'?"]),
    (["run", "baseline", "--preset", "smoke", "--set", "seedz=1"], ["seedz", "Did you mean 'seeds'?"]),
    (["run", "baseline", "--preset", "smoke", "--seeds", "1,x"], ["seeds", "expects"]),
    (["run", "baseline", "--preset", "smoke", "--config", "/no/such/file.toml"], ["does not exist"]),
    (["run", "baseline", "--preset", "smoke", "--data-dir", "/no/such/dir"], ["--data-dir", "does not exist"]),
    (["run", "baseline", "--preset", "smoke", "--model", "./no/such/model"], ["Model path", "does not exist"]),
    (["run", "baseline", "--preset", "smoke", "--task", "mnli"], ["no intermediate phase", "--task mnli"]),
])
def test_bad_input_is_a_clear_error_with_exit_2(cli, tmp_path, args, needles):
    r = cli(*args, "-o", str(tmp_path / "out"), "-q")
    _assert_error(r, *needles)
    assert not (tmp_path / "out").exists()


def test_unreachable_hub_fails_at_once_naming_the_smoke_preset(cli, tmp_path):
    r = cli("run", "stilts", "--task", "mnli", "--targets", "xnli", "-o", str(tmp_path / "out"), "-q")
    _assert_error(r, "xlm-roberta-large", "--preset smoke", "--data-dir")
    assert not (tmp_path / "out").exists()


def test_hub_dataset_unreachable_with_a_local_model(cli, tmp_path):
    from ablate.models import build_tiny

    model = build_tiny("tiny-xlmr")
    r = cli("run", "baseline", "--targets", "pawsx", "--model", str(model), "-o", str(tmp_path / "out"), "-q")
    _assert_error(r, "google/xtreme", "--preset smoke")
    assert not (tmp_path / "out").exists()


def _copy_fixture(tmp_path: Path, hub_dir: str, config: str) -> Path:
    import shutil

    from ablate.data.load import FIXTURES

    dst = tmp_path / "data" / hub_dir / config
    shutil.copytree(FIXTURES / hub_dir / config, dst)
    return dst


def test_local_dataset_with_wrong_columns_names_the_drift(cli, tmp_path):
    from ablate.models import build_tiny

    from ablate import languages as L

    for lang in L.PAWSX:
        dst = _copy_fixture(tmp_path, "google__xtreme", f"PAWS-X.{lang}")
    dst = tmp_path / "data" / "google__xtreme" / "PAWS-X.en"
    for path in dst.glob("*.jsonl"):
        rows = [json.loads(line) for line in path.read_text().splitlines()]
        path.write_text("".join(json.dumps({("text1" if k == "sentence1" else k): v for k, v in r.items()}) + "\n" for r in rows))
    features = json.loads((dst / "features.json").read_text())
    features["text1"] = features.pop("sentence1")
    (dst / "features.json").write_text(json.dumps(features))
    r = cli("run", "baseline", "--targets", "pawsx", "--model", str(build_tiny("tiny-xlmr")),
            "--data-dir", str(tmp_path / "data"), "--set", "offline=true",
            "-o", str(tmp_path / "out"), "-q")
    # preflight passes (local copies exist) but the loaded data does not match the card
    assert r.code == 2, r.err
    assert "sentence1" in r.err and "pawsx" in r.err


def test_local_dataset_with_unknown_label_value(tmp_path):
    from ablate.config import resolve
    from ablate.data.load import load_task_split
    from ablate.errors import AblateError
    from ablate.tasks import get_task

    dst = _copy_fixture(tmp_path, "google__xtreme", "PAWS-X.en")
    path = dst / "train.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    rows[3]["label"] = "2"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    cfg = resolve(None, None, {"data_dir": str(tmp_path / "data"), "offline": True})
    with pytest.raises(AblateError, match=r"label value '2' is not one of \['0', '1'\]"):
        load_task_split(get_task("pawsx"), "train", cfg)
