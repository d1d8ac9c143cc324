"""RunConfig precedence (defaults < preset < file < CLI), validation and flattening."""

from __future__ import annotations

import pytest

from ablate.config import parse_assignments, resolve
from ablate.train_settings import PAPER_FINETUNE, TrainSettings
from ablate.errors import AblateError


def test_paper_defaults_match_the_published_hyperparameters():
    cfg = resolve()
    assert cfg.model == "xlm-roberta-large" and cfg.data == "hub"
    xnli = cfg.finetune_settings("xnli")
    assert (xnli.epochs, xnli.batch_size, xnli.grad_accum, xnli.max_seq_length) == (2, 4, 8, 256)
    assert (xnli.learning_rate, xnli.warmup_ratio, xnli.eval_every, xnli.eval_examples, xnli.patience) == (1e-5, 0.1, 1000, 500, 30)
    xquad = cfg.finetune_settings("xquad")
    assert (xquad.batch_size * xquad.grad_accum, xquad.max_seq_length) == (16, 384)
    assert cfg.finetune_settings("udpos").epochs == 10 and cfg.finetune_settings("pawsx").epochs == 5


def test_precedence_defaults_preset_file_cli(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text('experiment = "from-file"\nseeds = [4, 5]\n[finetune.xnli]\nepochs = 3\nmax_steps = 20\n')
    cfg = resolve("smoke", f, {"seeds": "7", "finetune": {"xnli": {"max_steps": 30}}})
    assert cfg.model == "tiny-xlmr"  # preset over default
    assert cfg.experiment == "from-file"  # file over preset/default
    assert cfg.seeds == (7,)  # CLI over file
    xnli = cfg.finetune_settings("xnli")
    assert (xnli.epochs, xnli.max_steps, xnli.batch_size) == (3.0, 30, 8)  # CLI > file > preset, per field
    assert cfg.finetune_settings("pawsx").max_steps == 8  # the smoke preset's '*' still applies


def test_yaml_and_json_files(tmp_path):
    (tmp_path / "c.yaml").write_text("experiment: y\nintermediate:\n  mnli:\n    learning_rate: 2.0e-5\n")
    (tmp_path / "c.json").write_text('{"experiment": "j"}')
    assert resolve(None, tmp_path / "c.yaml").intermediate_settings("mnli").learning_rate == 2e-5
    assert resolve(None, tmp_path / "c.json").experiment == "j"


def test_wildcard_applies_to_every_task_and_is_the_fallback():
    cfg = resolve(None, None, parse_assignments(["finetune.*.max_steps=100", "finetune.xnli.max_steps=5"]))
    assert cfg.finetune_settings("xnli").max_steps == 5
    assert cfg.finetune_settings("pawsx").max_steps == 100
    assert cfg.finetune_settings("a-new-task").max_steps == 100


@pytest.mark.parametrize("layer, match", [
    ({"sedes": 1}, "Did you mean 'seeds'"),
    ({"finetune": {"xnli": {"lr": 1}}}, "Unknown training setting"),
    ({"seeds": "1,1"}, "distinct"),
    ({"seeds": ""}, "At least one seed"),
    ({"data": "hubb"}, "Did you mean 'hub'"),
    ({"eval_splits": "dev"}, "Unknown evaluation split"),
    ({"finetune": {"xnli": {"batch_size": 0}}}, "not usable"),
    ({"finetune": {"xnli": {"epochs": "many"}}}, "expects float"),
    ({"finetune": 3}, "must be a mapping"),
    ({"retrieval": {"layr": 3}}, "Did you mean 'layer'"),
])
def test_bad_settings_are_rejected(layer, match):
    with pytest.raises(AblateError, match=match):
        resolve(None, None, layer)


def test_bad_files(tmp_path):
    (tmp_path / "bad.toml").write_text("x = [")
    with pytest.raises(AblateError, match="does not parse"):
        resolve(None, tmp_path / "bad.toml")
    (tmp_path / "c.ini").write_text("")
    with pytest.raises(AblateError, match="use .toml"):
        resolve(None, tmp_path / "c.ini")
    with pytest.raises(AblateError, match="KEY=VALUE"):
        parse_assignments(["novalue"])


def test_explicit_false_and_zero_win_over_the_preset():
    cfg = resolve("smoke", None, {"offline": False, "max_eval_examples": 0})
    assert cfg.offline is False and cfg.max_eval_examples == 0


def test_flat_and_dict_round_trip():
    cfg = resolve("smoke", None, {"task": "mnli", "seeds": "1,2"})
    flat = cfg.flat()
    assert flat["seeds"] == "1,2" and flat["finetune.xnli.max_steps"] == "8" and flat["task"] == "mnli"
    again = resolve("smoke", None, {k: v for k, v in cfg.to_dict().items() if k != "preset"})
    assert again == cfg
    assert cfg.store_uri.startswith("sqlite:///") and cfg.store_uri.endswith("mlflow.db")
    assert set(PAPER_FINETUNE) <= set(cfg.finetune)
    assert isinstance(cfg.finetune["xnli"], TrainSettings)


def test_equal_settings_hash_alike_and_unknown_task_keys_are_rejected():
    from ablate.execute import plan_keys
    from ablate.recipes import load

    a = resolve(None, None, {"task": "mnli"})
    b = resolve(None, None, parse_assignments(["task=mnli", "finetune.xnli.epochs=2"]))  # restates the default
    assert plan_keys(load("stilts").plan(a), 1, a) == plan_keys(load("stilts").plan(b), 1, b)
    with pytest.raises(AblateError, match="Unknown task in 'finetune' settings .* 'xnl'. Did you mean 'xnli'"):
        resolve(None, None, parse_assignments(["finetune.xnl.epochs=1"]))
    with pytest.raises(AblateError, match="eval_batch_size"):
        resolve(None, None, {"eval_batch_size": 0})
