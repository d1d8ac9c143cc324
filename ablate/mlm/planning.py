"""The stilts-mlm intermediate phase as pure data, and what `ablate plan` says about it.

Its settings carry everything that determines the trained encoder besides the task's: corpus
id, config pattern, revision, the resolved languages, α, the token budget, the MLM ratio and the
held-out size; the key adds the corpus files' content (local) or revision (Hub).
"""

from __future__ import annotations

import math
from dataclasses import asdict
from pathlib import Path

from ablate.config import RunConfig
from ablate.mixing.planning import fixture_rows
from ablate.mlm import corpus
from ablate.mlm.settings import is_local, resolve_langs
from ablate.plan import Phase
from ablate.tasks import get_task
from ablate.tasks.multilingual_tasks import is_multilingual

KIND = "mlm_intermediate"


def mlm_settings(cfg: RunConfig) -> dict:
    keys = ("corpus", "config", "revision", "alpha", "budget", "ratio", "heldout_sequences")
    return {**{k: cfg.mlm[k] for k in keys}, "langs": resolve_langs(cfg.mlm["langs"])}


def intermediate(cfg: RunConfig, task: str) -> Phase:
    """Phase 2 of stilts-mlm: the task's head and the pretrained LM head on one encoder, one
    objective per optimizer step (MLM with probability `mlm.ratio`); outputs the encoder."""
    from ablate.phases_plan import data_spec, model_spec

    spec = get_task(task, "intermediate")
    mlm = mlm_settings(cfg)
    srcs = corpus.sources(cfg, mlm["langs"])  # refuses a language without local text now
    remote = [s for s in srcs.values() if s.kind == "hub"]
    if remote and cfg.offline:
        raise corpus.unreachable(remote[0], "offline: the preset or --set offline=true forbids the Hub", mlm["langs"])
    settings = {"model": model_spec(cfg), "data": data_spec(cfg, task),
                "train": asdict(cfg.intermediate_settings(task)), "mlm": mlm}
    if is_multilingual(spec):  # published multilingual data: English part in or out, as in stilts
        settings["mix"] = cfg.mt["mix"]
    return Phase(name=f"intermediate-mlm:{task}", kind=KIND, task=task, settings=settings)


def describe(cfg: RunConfig, phase: Phase) -> list[str]:
    """Lines for `ablate plan`: languages with their sampling shares, budget and step shares."""
    from ablate.mlm.sampling import smoothed_shares, split_budget

    mlm = phase.settings["mlm"]
    srcs = corpus.sources(cfg, mlm["langs"])
    ratio = mlm["ratio"]
    lines = [f"{phase.name}: per optimizer step P(mlm) = {ratio:g}, P({phase.task}) = {1 - ratio:g}; "
             f"MLM corpus {mlm['corpus']} ({'local' if all(s.path for s in srcs.values()) else 'Hub'}), "
             f"budget {mlm['budget']:,} tokens, α = {mlm['alpha']:g}"]
    if all(s.path is not None for s in srcs.values()):
        shares = smoothed_shares(corpus.sizes(srcs), mlm["alpha"])
        budget = split_budget(shares, mlm["budget"])
        lines.append("MLM languages (share q, budget tokens): "
                     + ", ".join(f"{lang} {shares[lang]:.3f} {budget[lang]:,}" for lang in mlm["langs"]))
    else:
        lines.append(f"MLM languages: {', '.join(mlm['langs'])} (shares q ∝ p^α from the Hub sizes, at run time)")
    train = phase.settings["train"]
    size = (fixture_rows(phase.task) or None) if cfg.data == "fixtures" else None
    if size is None:
        lines.append(f"Expected optimizer steps: {phase.task} as many as stilts gives it (epochs × training examples "
                     f"/ {train['batch_size'] * train['grad_accum']} per step), mlm {ratio / (1 - ratio):.3g} × that"
                     + (f", {train['max_steps']:,} at most" if train["max_steps"] else "")
                     + " (the training size is known at run time)")
    else:
        size = min(size, train["max_train_examples"]) if train["max_train_examples"] else size
        task_steps = math.ceil(train["epochs"] * size / (train["batch_size"] * train["grad_accum"]))
        total = total_steps(task_steps, ratio, train["max_steps"])
        lines.append(f"Expected optimizer steps: {phase.task} {total * (1 - ratio):,.1f}, mlm {total * ratio:,.1f} "
                     f"of {total:,} ({size:,} fixture training rows)")
    lines.append(f"(fewer if the task's English dev score stops improving for {train['patience']} evaluations, "
                 f"one every {train['eval_every']} steps)")
    return lines


def total_steps(task_steps: int, ratio: float, max_steps: int) -> int:
    """Optimizer steps of the phase: the task keeps the steps single-task stilts gives it, so
    ceil(task steps / (1 - ratio)) in all, capped by `max_steps` (> 0)."""
    total = math.ceil(round(task_steps / (1 - ratio), 9))  # 12 / (1 - 0.9) is 120.00000000000003 in floats
    return min(total, max_steps) if max_steps else total


def signature_fragment(phase: Phase) -> dict:
    """The run signature's MLM fragment: corpus[@revision] (local: `local.<dir name>`), languages,
    ratio, α and budget — the values used."""
    mlm = phase.settings["mlm"]
    name = f"local.{Path(mlm['corpus']).expanduser().name}" if is_local(mlm["corpus"]) else mlm["corpus"]
    if mlm["revision"]:
        name += f"@{mlm['revision']}"
    return {"mlm": name.replace(":", "_").replace("|", "_"), "mlm_langs": mlm["langs"], "mlm_ratio": mlm["ratio"],
            "mlm_alpha": mlm["alpha"], "mlm_budget": mlm["budget"]}


def preflight(cfg: RunConfig, phase: Phase, offline: bool) -> None:
    """Before any run is opened: every language's text must be reachable (offline, a Hub corpus
    is not; online, the Hub must list each language's config)."""
    srcs = corpus.sources(cfg, phase.settings["mlm"]["langs"])
    remote = {lang: s for lang, s in srcs.items() if s.kind == "hub"}
    if remote and offline:
        first = next(iter(remote.values()))
        raise corpus.unreachable(first, "working offline: the Hub is unreachable or HF_HUB_OFFLINE=1", list(srcs))
    corpus.sizes(remote)  # lists each config's files: an unknown id or config fails here
