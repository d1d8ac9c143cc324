"""`ablate study report`: the study's finished runs -> its analysis -> Markdown, HTML, JSON,
figures, and an MLflow report run (tags kind=report, report=study), like `ablate compare`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ablate.errors import AblateError
from ablate.reports.compare import _clean  # the JSON-safe conversion compare's sidecar uses
from ablate.studies.spec import Spec

MAX_LISTED = 8  # missing runs named in an error or warning before "and N more"


@dataclass
class StudyReport:
    spec: Spec
    preset: str
    store_uri: str
    experiment: str
    blocks: list
    data: dict
    figures: dict[str, bytes]
    summary: list[str]
    source_run_ids: list[str]
    params: dict[str, str]
    report_run_id: str | None = None


def build(spec: Spec, preset: str, base: dict[str, Any], n_rep: int, seed: int, alpha: float,
          run_command: str) -> StudyReport:
    from ablate.studies import matrix as matrix_mod
    from ablate.studies import observations, planning, sections

    m = matrix_mod.build(spec, preset)
    cfg = m.requests[0].resolve(base)
    done = planning.finished_runs(m.requests, base)
    missing = [r for r in m.requests if r not in done]
    if not done:
        raise AblateError(f"No finished runs of study '{spec.name}' ({preset}) in {cfg.store_uri}: all "
                          f"{len(missing)} are missing ({_listed(missing)}). Make them with: {run_command}")
    rows = observations.collect(m, done)
    rng = np.random.default_rng(seed)
    options = dict(spec.options)
    if spec.analysis in ("granularity", "arms"):
        per_arm = _compare_lines(cfg, done, n_rep, seed, alpha)
        sec = sections.section_gains(rows, options, alpha, by_group=spec.analysis == "granularity", per_arm=per_arm)
    elif spec.analysis == "typology":
        sec = sections.section_typology(rows, options, alpha, n_rep, rng)
    elif spec.analysis == "size":
        sec = sections.section_size(rows, options, list(spec.grid(preset).models), alpha, n_rep, rng)
    else:
        compare_at = _compare_at(cfg, done, m.axes, options, n_rep, seed, alpha)
        from ablate.studies.volume_section import section_volume

        sec = section_volume(rows, options, m.axes, alpha, compare_at)
    warnings = []
    if missing:
        warnings.append(f"{len(missing)} of {len(m.requests)} runs are missing ({_listed(missing)}): the analysis uses "
                        f"the {len(done)} finished ones. Make the rest with: {run_command}")
    logged = {f"metric:{r.metric}" for r in rows}  # a metric is available once the runs log it
    warnings += [f"not available yet: {r} (left out of this study)" for r in spec.unavailable() if r not in logged]
    if preset == "smoke":
        warnings.append("SMOKE RUNS: a tiny random model on tiny fixtures — this report exercises the machinery and "
                        "says nothing about the research question.")
    head = [("h", 1, f"ablate study {spec.name} ({preset})"), ("p", " ".join(spec.question.split()))]
    if warnings:
        head += [("h", 2, "Warnings"), ("list", warnings)]
    figures_blocks = [("img", name, name) for name in sec.figures]
    ids = sorted({r.run_id for r in done.values()})
    prov = [("h", 2, "Provenance"), ("list", [f"store: {cfg.store_uri} (experiment {cfg.experiment})",
                                              f"{len(ids)} source runs; resampling seed {seed}, replicates {n_rep}, α = {alpha}",
                                              f"spec: {spec.path.name}"])]
    params = {"study": spec.name, "preset": preset, "analysis": spec.analysis, "replicates": str(n_rep),
              "seed": str(seed), "alpha": str(alpha)}
    data = {"kind": "ablate.study", "study": spec.name, "preset": preset, "analysis": spec.analysis,
            "question": spec.question, "units": "points (metric x 100)", "warnings": warnings,
            "runs": {"matrix": len(m.requests), "finished": len(done), "missing": [r.label for r in missing]},
            "source_run_ids": ids, "params": params, "results": sec.data}
    return StudyReport(spec, preset, cfg.store_uri, cfg.experiment, head + sec.blocks + figures_blocks + prov, data,
                       sec.figures, warnings[:1] + sec.summary, ids, params)


def _compare_lines(cfg, done: dict, n_rep: int, seed: int, alpha: float):
    """A `per_arm` callback for section_gains: `ablate compare` pinned to the study's own runs."""
    from ablate.reports import compare
    from ablate.studies.planning import open_store

    store = open_store(cfg)

    def per_arm(model: str, arms: list[str], tasks: list[str]):
        runs = [r.run_id for r in done.values() if r.tags.get("model") == model]
        try:
            c = compare.run(store, compare.Request(arms, ",".join(tasks), model, None, "test", n_rep, seed, alpha, runs))
        except AblateError as e:
            return [], f"The compare machinery cannot test these runs: {e}"
        lines = [m for m in c.numbers.lines if m.level in ("task", "overall")]
        return lines, (f"Variance-components t over seeds and test examples, Holm within families "
                       f"(as `ablate compare --arms {','.join(arms)} --targets {','.join(tasks)} --model {model}`).")

    return per_arm


def _compare_at(cfg, done: dict, axes: tuple, options: dict, n_rep: int, seed: int, alpha: float):
    """A `compare_at` callback for section_volume: `ablate compare` of two arms pinned to the
    study's runs at one volume (a single task's count, a multi-task run's total)."""
    from ablate.reports import compare
    from ablate.studies.matrix import axis_values
    from ablate.studies.observations import arm_label
    from ablate.studies.planning import open_store

    store = open_store(cfg)
    axis, total = options.get("axis", axes[0] if axes else ""), options.get("total_axis")

    def volume(request) -> int | None:
        values = axis_values(request, axes)
        return values.get(axis) if values.get(axis) is not None else values.get(total)

    def compare_at(model: str, reference: str, arm: str, n: int):
        runs = [(q, r) for q, r in done.items() if r.tags.get("model") == model and arm_label(q) in (reference, arm)
                and volume(q) == n]
        targets = sorted(set.intersection(*(set(r.targets) for _, r in runs)))
        try:
            c = compare.run(store, compare.Request([reference, arm], ",".join(targets), model, None, "test", n_rep, seed,
                                                   alpha, [r.run_id for _, r in runs]))
        except AblateError as e:
            return [], f"The compare machinery cannot test these runs: {e}"
        return c.numbers.lines, ("Variance-components t over seeds and test examples per total (as `ablate compare "
                                 f"--arms {reference},{arm}` on the runs at that total); p (Holm): the overall Δ "
                                 "over the totals, the task Δ within its total.")

    return compare_at


def _listed(requests) -> str:
    shown = [f"ablate run {r.label}" for r in requests[:MAX_LISTED]]
    more = len(requests) - len(shown)
    return "; ".join(shown) + (f"; and {more} more" if more > 0 else "")


def write(r: StudyReport, out: Path) -> dict[str, Path]:
    from ablate.reports import render

    out.mkdir(parents=True, exist_ok=True)
    files = {"report.json": out / "report.json", "report.md": out / "report.md", "report.html": out / "report.html"}
    for name, png in r.figures.items():
        (out / name).write_bytes(png)
        files[name] = out / name
    files["report.md"].write_text(render.markdown(r.blocks, r.figures), encoding="utf-8")
    files["report.html"].write_text(render.html(r.blocks, r.figures, title=f"ablate study {r.spec.name}"), encoding="utf-8")
    files["report.json"].write_text(json.dumps(_clean(r.data), indent=2), encoding="utf-8")
    return files


def log(r: StudyReport, files: dict[str, Path]) -> str:
    from ablate.tracking import Tracker

    tracker = Tracker(r.store_uri, r.experiment)
    tags = {"kind": "report", "report": "study", "study": r.spec.name, "preset": r.preset, "analysis": r.spec.analysis,
            "source_run_ids": ",".join(r.source_run_ids)[:5000]}
    with tracker.run(f"study {r.spec.name} ({r.preset})", tags) as run_id:
        tracker.params(run_id, r.params)
        r.report_run_id = run_id
        r.data["report_run_id"] = run_id
        files["report.json"].write_text(json.dumps(_clean(r.data), indent=2), encoding="utf-8")
        tracker.artifacts(run_id, files["report.json"].parent, [p.name for p in files.values()])
    return run_id
