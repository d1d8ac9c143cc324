"""The machine a benchmark ran on, printed next to every figure (ratios differ across CPUs)."""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import subprocess

from ablate.provenance import package_versions

FLAGS = ("avx2", "avx512f", "avx512_bf16", "avx512_vnni", "avx_vnni", "amx_bf16", "amx_int8", "amx_tile")
PACKAGES = ("torch", "transformers", "datasets", "tokenizers", "ctranslate2", "numpy")


def describe() -> dict:
    """CPU model, the SIMD/matrix flags that decide kernel speed, cores, threads and versions."""
    model, flags = platform.processor() or "unknown", set()
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10).stdout
        for line in out.splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "Model name":
                model = value.strip()
            elif key.strip() == "Flags":
                flags = set(value.split())
    except (OSError, subprocess.SubprocessError):
        pass
    versions = package_versions(PACKAGES)
    return {
        "date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": model, "cores": len(os.sched_getaffinity(0)), "flags": [f for f in FLAGS if f in flags],
        "load_1min": round(os.getloadavg()[0], 1), "python": platform.python_version(), "versions": versions,
    }


def line(info: dict | None = None) -> str:
    info = info or describe()
    v = info["versions"]
    return (f"{info['date']} | {info['cpu']} | {info['cores']} cores (load {info['load_1min']}) | "
            f"flags: {' '.join(info['flags']) or 'none of ' + '/'.join(FLAGS[:4])} | "
            f"torch {v['torch']} transformers {v['transformers']} ctranslate2 {v['ctranslate2']}")


if __name__ == "__main__":
    print(line())


def publish(result: dict, report, json_path=None) -> None:
    """A benchmark's ending: the machine next to its figures (ratios differ across CPUs), the
    report text, and the JSON file when asked for."""
    result["machine"] = describe()
    print(line(result["machine"]))
    print(report(result))
    if json_path:
        json_path.write_text(json.dumps(result, indent=1))
