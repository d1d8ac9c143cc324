"""The compute section: each setting resolves per device and reaches TrainingArguments or the
model (no GPU needed: devices are described by `ablate.compute.Device`)."""

from __future__ import annotations

import pytest

from ablate import compute
from ablate.compute import COMPUTE_DEFAULTS, Device
from ablate.errors import AblateError

CPU = Device(cuda=False)
AMPERE = Device(cuda=True, bf16=True, tf32=True)
VOLTA = Device(cuda=True, bf16=False, tf32=False)


def settings(**kw):
    return {**COMPUTE_DEFAULTS, **kw}


@pytest.mark.parametrize("device,precision,tf32,pin", [
    (CPU, "fp32", None, False),  # no TF32 hardware: torch's setting is left alone
    (AMPERE, "bf16", True, True),
    (VOLTA, "fp16", None, True),  # no bf16: fp16 with loss scaling
])
def test_auto_resolves_per_device(device, precision, tf32, pin):
    r = compute.resolve(settings(), device)
    assert (r.precision, r.tf32, r.pin_memory) == (precision, tf32, pin)
    kwargs = compute.training_arguments(r)
    assert (kwargs["bf16"], kwargs["fp16"], kwargs["tf32"], kwargs["dataloader_pin_memory"]) == (
        precision == "bf16", precision == "fp16", tf32, pin)


@pytest.mark.parametrize("requested,device,message", [
    (dict(precision="fp16"), CPU, "needs a CUDA GPU"),
    (dict(precision="bf16"), VOLTA, "no bf16 support"),
    (dict(tf32=True), CPU, "Ampere"),
])
def test_what_the_device_cannot_do_is_refused(requested, device, message):
    with pytest.raises(AblateError, match=message):
        compute.resolve(settings(**requested), device)


def test_explicit_settings_win_over_auto():
    r = compute.resolve(settings(precision="fp32", tf32=False, pin_memory=False, compile=True,
                                 dataloader_workers=3, attention="eager"), AMPERE)
    assert compute.training_arguments(r) == {"bf16": False, "fp16": False, "tf32": False, "torch_compile": True,
                                             "dataloader_num_workers": 3, "dataloader_pin_memory": False}
    assert compute.model_kwargs(r) == {"attn_implementation": "eager"}


def test_cpu_settings_reach_training_arguments_and_the_model(tmp_path):
    from transformers import TrainingArguments

    from ablate.models import build_tiny, load_with_head

    r = compute.resolve(settings(precision="bf16", compile=True, dataloader_workers=2, attention="eager"), CPU)
    args = TrainingArguments(output_dir=str(tmp_path), use_cpu=True, report_to="none", **compute.training_arguments(r))
    model = load_with_head(str(build_tiny("tiny-xlmr")), "sequence_classification", seed=1, num_labels=2,
                           **compute.model_kwargs(r))
    assert compute.used(args, model) == {"precision": "bf16", "tf32": None, "attention": "eager", "compile": True,
                                         "dataloader_workers": 2, "pin_memory": False}


def test_bad_values_get_one_clear_error():
    from ablate.config import resolve

    with pytest.raises(AblateError, match="Did you mean 'bf16'"):
        resolve("smoke", None, {"compute": {"precision": "bf61"}})
    with pytest.raises(AblateError, match="Did you mean 'precision'"):
        resolve("smoke", None, {"compute": {"precison": "bf16"}})
    with pytest.raises(AblateError, match="dataloader_workers expects an integer"):
        resolve("smoke", None, {"compute": {"dataloader_workers": -1}})


def test_numerics_are_in_training_keys_and_precision_in_the_signature():
    from ablate.config import resolve
    from ablate.execute import plan_keys, signature
    from ablate.recipes import load

    def plan_of(**compute_settings):
        cfg = resolve("smoke", None, {"recipe": "stilts", "task": "mnli", "targets": "xnli",
                                      "compute": compute_settings})
        return load("stilts").plan(cfg), cfg

    plan, cfg = plan_of()
    bf16_plan, bf16_cfg = plan_of(precision="bf16")
    keys, bf16_keys = plan_keys(plan, 1, cfg), plan_keys(bf16_plan, 1, bf16_cfg)
    assert keys["intermediate:mnli"] != bf16_keys["intermediate:mnli"]
    assert keys["finetune:xnli"] != bf16_keys["finetune:xnli"]
    # speed-only settings keep the keys: the same model comes out
    fast_plan, fast_cfg = plan_of(dataloader_workers=2, flops_per_second=1e14, compile=True)
    assert plan_keys(fast_plan, 1, fast_cfg) == keys
    assert "prec:fp32" in signature(plan, cfg, 1).format()  # smoke on this CPU: auto -> fp32
    assert "prec:bf16" in signature(bf16_plan, bf16_cfg, 1).format()
