"""Signatures, plans and the content-addressed phase store."""

from __future__ import annotations

import os

import pytest

from ablate.config import resolve
from ablate.errors import AblateError
from ablate.execute import plan_keys
from ablate.plan import Phase, Plan
from ablate.recipes import load
from ablate.signature import Signature
from ablate.store import PhaseStore, write_json


def test_signature_fixed_order_round_trip_and_formatting():
    sig = Signature.build({"seeds": [1, 2], "recipe": "stilts", "task": None, "model": "xlm-roberta-large@abc",
                           "lr": 1e-05, "select": True}, extra={"mt": "nllb-600M", "cfg": "ab12"}, version="9.9")
    text = sig.format()
    assert text == "recipe:stilts|model:xlm-roberta-large@abc|seeds:1,2|lr:1e-05|select:yes|mt:nllb-600M|cfg:ab12|version:9.9"
    assert Signature.parse(text) == sig and Signature.parse(text).format() == text
    with pytest.raises(AblateError, match="may not contain"):
        Signature.build({"recipe": "a|b"})
    with pytest.raises(AblateError, match="extra"):
        Signature.build({"colour": "red"})
    with pytest.raises(AblateError, match="must end with version"):
        Signature.parse("recipe:stilts|model:x")


def test_plan_validation():
    a, b = Phase("a", "finetune", "xnli", inputs=("b",)), Phase("b", "finetune", "xnli", inputs=("a",))
    with pytest.raises(AblateError, match="cycle"):
        Plan("r", "q", (a, b))
    with pytest.raises(AblateError, match="reads 'zz'"):
        Plan("r", "q", (Phase("a", "finetune", "xnli", inputs=("zz",)),))
    with pytest.raises(AblateError, match="two phases"):
        Plan("r", "q", (Phase("a", "finetune", "xnli"), Phase("a", "evaluate", "xnli")))


def _keys(recipe, **overrides):
    task = {"task": "mnli"} if recipe != "baseline" else {}
    cfg = resolve("smoke", None, {**task, **overrides})
    return plan_keys(load(recipe).plan(cfg), 1, cfg)


def test_intermediate_key_is_shared_by_targets_and_recipes_but_not_by_seeds_or_settings():
    k1 = _keys("stilts", targets="xnli")
    k2 = _keys("stilts", targets="pawsx,xnli")
    assert k1["intermediate:mnli"] == k2["intermediate:mnli"]
    assert k1["finetune:xnli"] == k2["finetune:xnli"]  # same target, same encoder: reused
    cfg = resolve("smoke", None, {"task": "mnli"})
    plan = load("stilts").plan(cfg)
    assert plan_keys(plan, 1, cfg)["intermediate:mnli"] != plan_keys(plan, 2, cfg)["intermediate:mnli"]
    k3 = _keys("stilts", targets="xnli", intermediate={"mnli": {"learning_rate": 1e-4}})
    assert k3["intermediate:mnli"] != k1["intermediate:mnli"] and k3["finetune:xnli"] != k1["finetune:xnli"]
    k4 = _keys("stilts", targets="xnli", experiment="other", output_dir="/elsewhere")
    assert k4 == k1  # where results go does not change what they are
    base = _keys("baseline", targets="xnli")
    assert base["finetune:xnli"] != k1["finetune:xnli"]  # baseline starts from the pretrained model


def test_store_is_atomic(tmp_path):
    store = PhaseStore(tmp_path)
    with pytest.raises(RuntimeError, match="boom"):
        with store.building("finetune", "k1") as tmp:
            (tmp / "weights.bin").write_text("half")
            raise RuntimeError("boom")
    assert not store.is_complete("finetune", "k1")
    assert not list((tmp_path / "phases" / "finetune").iterdir())
    with pytest.raises(RuntimeError, match="without writing"):
        with store.building("finetune", "k1") as tmp:
            pass
    with store.building("finetune", "k1") as tmp:
        write_json(tmp / "result.json", {"metrics": {"a": 1.0}})
    assert store.is_complete("finetune", "k1") and store.result("finetune", "k1")["metrics"] == {"a": 1.0}


def test_stale_partial_directory_of_a_dead_process_is_cleaned(tmp_path):
    store = PhaseStore(tmp_path)
    stale = tmp_path / "phases" / "evaluate" / "k2.partial-999999999"
    stale.mkdir(parents=True)
    live = tmp_path / "phases" / "evaluate" / f"k2.partial-{os.getppid()}"
    live.mkdir()
    with store.building("evaluate", "k2") as tmp:
        write_json(tmp / "result.json", {})
    assert not stale.exists() and live.exists()  # another live process's work is left alone
    assert store.is_complete("evaluate", "k2")
