"""The `compute` settings section: how training uses the hardware (precision, TF32, attention
kernel, torch.compile, data-loader workers and pinning), resolved per device at run time.

    ablate run stilts --task mnli --set compute.precision=bf16 --set compute.compile=true

Gradient accumulation (`finetune.<task>.grad_accum`) and the evaluation batch size
(`eval_batch_size`) are training/evaluation settings of their own. Precision, TF32 and the
attention kernel change the arithmetic, so they are part of every training phase's key
(`numerics`) and precision is in the signature; the rest only change speed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ablate.errors import AblateError, unknown

COMPUTE_DEFAULTS: dict[str, Any] = {
    # auto = bf16 autocast on a GPU that has it (Ampere+), fp16 with loss scaling on older GPUs,
    # fp32 on CPU (CPU bf16 autocast is opt-in: its speed depends on AMX/AVX512-BF16).
    "precision": "auto",
    "tf32": "auto",  # fp32 matmuls on tensor cores (Ampere+ GPUs); auto = on where available
    "attention": "sdpa",  # PyTorch's fused scaled_dot_product_attention; `eager` = the reference path
    "compile": False,  # torch.compile: faster GPU steps after a minutes-long warm-up; off for short runs
    "dataloader_workers": 0,  # collation is cheap next to a forward pass; >0 forks worker processes
    "pin_memory": "auto",  # page-locked host batches for faster host->GPU copies; auto = on with a GPU
    "flops_per_second": None,  # sustained FLOP/s for `ablate plan` hours; None = measured (store) or not shown
}
PRECISIONS = ("auto", "fp32", "bf16", "fp16")
ATTENTION = ("sdpa", "eager")
AUTO_BOOL = ("auto", True, False)
NUMERICS = ("precision", "tf32", "attention")  # the settings that change what a phase computes


def check(compute: Mapping[str, Any]) -> None:
    """One clear error for a bad value (unknown keys are rejected when the layers merge)."""
    if compute["precision"] not in PRECISIONS:
        raise unknown("compute.precision", compute["precision"], PRECISIONS)
    if compute["attention"] not in ATTENTION:
        raise unknown("compute.attention", compute["attention"], ATTENTION)
    for name in ("tf32", "pin_memory"):
        if compute[name] not in AUTO_BOOL:
            raise AblateError(f"compute.{name} expects auto, true or false, got {compute[name]!r}.")
    if not isinstance(compute["compile"], bool):
        raise AblateError(f"compute.compile expects true or false, got {compute['compile']!r}.")
    workers = compute["dataloader_workers"]
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 0:
        raise AblateError(f"compute.dataloader_workers expects an integer >= 0, got {workers!r}.")
    if compute["flops_per_second"] is not None and flops_per_second(compute) is None:
        rate = compute["flops_per_second"]
        raise AblateError(f"compute.flops_per_second expects a positive number such as 1.2e14 (or null), got {rate!r}.")


def flops_per_second(compute: Mapping[str, Any]) -> float | None:
    """The given throughput as a number (YAML reads `1e14` as a string), None if absent or invalid."""
    rate = compute["flops_per_second"]
    if rate is None or isinstance(rate, bool):
        return None
    try:
        value = float(rate)
    except ValueError:
        return None
    return value if value > 0 and math.isfinite(value) else None


def numerics(compute: Mapping[str, Any]) -> dict[str, Any]:
    """The part of a training phase's key that the compute section contributes."""
    return {k: compute[k] for k in NUMERICS}


@dataclass(frozen=True)
class Device:
    """What the device offers (facts, so resolution is testable without a GPU)."""

    cuda: bool
    bf16: bool = False  # torch.cuda.is_bf16_supported()
    tf32: bool = False  # compute capability >= 8.0


def detect(use_cpu: bool) -> Device:
    if use_cpu:
        return Device(cuda=False)
    import torch

    if not torch.cuda.is_available():
        return Device(cuda=False)
    major, _ = torch.cuda.get_device_capability()
    return Device(cuda=True, bf16=torch.cuda.is_bf16_supported(), tf32=major >= 8)


@dataclass(frozen=True)
class Resolved:
    precision: str  # fp32 | bf16 | fp16
    tf32: bool | None  # None: leave torch's setting alone (no TF32 hardware)
    attention: str
    compile: bool
    dataloader_workers: int
    pin_memory: bool


def resolve(compute: Mapping[str, Any], device: Device) -> Resolved:
    """Requested settings -> the values used on `device`; refuses what the device cannot do."""
    precision = compute["precision"]
    if precision == "auto":
        precision = ("bf16" if device.bf16 else "fp16") if device.cuda else "fp32"
    if precision == "fp16" and not device.cuda:
        raise AblateError("compute.precision=fp16 needs a CUDA GPU (loss-scaled fp16 has no CPU kernels); "
                          "on CPU use fp32 or bf16.")
    if precision == "bf16" and device.cuda and not device.bf16:
        raise AblateError("compute.precision=bf16: this GPU has no bf16 support; use fp16 or auto.")
    tf32 = compute["tf32"]
    if tf32 is True and not device.tf32:
        raise AblateError("compute.tf32=true needs an Ampere or newer CUDA GPU; use auto or false.")
    tf32 = None if not device.tf32 else tf32 is True or tf32 == "auto"
    pin = compute["pin_memory"]
    return Resolved(precision=precision, tf32=tf32, attention=compute["attention"], compile=compute["compile"],
                    dataloader_workers=compute["dataloader_workers"],
                    pin_memory=device.cuda if pin == "auto" else bool(pin) and device.cuda)


def training_arguments(r: Resolved) -> dict[str, Any]:
    """Keyword arguments for transformers.TrainingArguments."""
    return {"bf16": r.precision == "bf16", "fp16": r.precision == "fp16", "tf32": r.tf32,
            "torch_compile": r.compile, "dataloader_num_workers": r.dataloader_workers,
            "dataloader_pin_memory": r.pin_memory}


def model_kwargs(r: Resolved) -> dict[str, Any]:
    """Keyword arguments for `from_pretrained` (weights stay fp32: autocast handles precision)."""
    return {"attn_implementation": r.attention}


def used(args, model) -> dict[str, Any]:
    """What the Trainer and model actually run with, read back from them (phase info)."""
    precision = "bf16" if args.bf16 else "fp16" if args.fp16 else "fp32"
    return {"precision": precision, "tf32": args.tf32, "attention": model.config._attn_implementation,
            "compile": args.torch_compile, "dataloader_workers": args.dataloader_num_workers,
            "pin_memory": args.dataloader_pin_memory}



def signature_precision(compute: Mapping[str, Any], device: str) -> str:
    """The training precision for the signature, resolved for this machine's device."""
    return resolve(compute, detect(use_cpu=device == "cpu")).precision
