"""`ablate compare`: select arms by tags, check them, compute every number, log the report.

    ablate compare --baseline baseline --treatment stilts:mnli --output-dir ablate-runs
    ablate compare --from-report <RUN_ID>      # the same runs, B and seed -> the same numbers

A `Comparison` holds everything a renderer or the JSON sidecar needs: the request as resolved
(arms, targets, seeds, B actually used, seed, alpha), the lines of `significance.compute`, the
warnings, the provenance and the methods paragraph.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ablate.errors import AblateError
from ablate.records import Store
from ablate.reports import selection as sel_mod
from ablate.reports import significance as sig
from ablate.signature import Signature
from ablate.tasks import TARGET_GROUPS

REPORT_FILES = ("report.md", "report.html", "report.json")


@dataclass
class Request:
    """What the user asked for; `from_dict(params)` rebuilds it from a report run."""

    arms: list[str]  # baseline first
    targets: str | None = None
    model: str | None = None
    seeds: tuple[int, ...] | None = None
    split: str = "test"
    n_replicates: int = 10_000
    seed: int = 12345
    alpha: float = 0.05
    pinned: list[str] | None = None  # exact source run ids (regeneration)

    def params(self) -> dict[str, str]:
        return {"arms": ",".join(self.arms), "targets": self.targets or "", "model": self.model or "",
                "seeds": ",".join(map(str, self.seeds or ())), "split": self.split,
                "B_requested": str(self.n_replicates), "seed": str(self.seed), "alpha": str(self.alpha)}

    @classmethod
    def from_params(cls, p: dict[str, str], pinned: list[str] | None) -> "Request":
        return cls(p["arms"].split(","), p.get("targets") or None, p.get("model") or None,
                   tuple(int(s) for s in p.get("seeds", "").split(",") if s) or None, p.get("split", "test"),
                   int(p["B_requested"]), int(p["seed"]), float(p["alpha"]), pinned)


@dataclass
class Comparison:
    request: Request
    labels: list[str]
    targets: list[str]
    overall: str  # "xtreme" with all nine tasks, else "average"
    seeds: dict[str, list[int]]
    paired: bool
    n_replicates: int
    replicates_raised: bool
    numbers: sig.Numbers
    warnings: list[str]
    provenance: dict
    signature: str
    methods: str = ""
    report_run_id: str | None = None
    files: dict[str, str] = field(default_factory=dict)

    def lines(self, level: str | None = None, treatment: str | None = None, task: str | None = None):
        return [m for m in self.numbers.lines if (level is None or m.level == level)
                and (treatment is None or m.treatment == treatment) and (task is None or m.task == task)]

    def to_json(self) -> dict:
        """Every number, plus what they are and where they came from (the JSON sidecar)."""
        return _clean({
            "kind": "ablate.compare", "signature": self.signature, "request": asdict(self.request),
            "arms": self.labels, "baseline": self.labels[0], "targets": self.targets, "overall": self.overall,
            "seeds": self.seeds, "paired_seeds": self.paired, "B": self.n_replicates,
            "B_raised": self.replicates_raised, "seed": self.request.seed, "alpha": self.request.alpha,
            "split": self.request.split, "units": "points (metric x 100)",
            "parallel_test_sets": self.numbers.parallel, "resampling_units": self.numbers.n_units,
            "families": family_declaration(self), "warnings": self.warnings, "methods": self.methods,
            "lines": [asdict(m) for m in self.numbers.lines], "provenance": self.provenance,
            "report_run_id": self.report_run_id,
        })


def family_declaration(c: Comparison) -> dict[str, str]:
    n_pairs, n_tasks = len(c.labels) - 1, len(c.targets)
    return {
        "F1": f"{c.overall}-level Δ of each non-baseline arm vs {c.labels[0]} (m = {n_pairs}): Holm.",
        "F2": f"task-level Δ within each pair (m = {n_tasks} tasks): Holm.",
        "F3": "per-language Δ within each (pair, task) (m = its languages): Holm for claims, "
              "Benjamini–Hochberg q for screening, and k̂ of L = languages with Δ > 0 and step-down max-T "
              "adjusted p ≤ α (the adjustment models the correlation a shared seed induces; the overall "
              "level's k̂ counts tasks the same way).",
    }


def run(store: Store, request: Request) -> Comparison:
    """Select, check, compute: a Comparison (no files written, nothing logged)."""
    from ablate.records import Arm

    arms = [Arm.parse(a) for a in request.arms]
    pinned = set(request.pinned) if request.pinned else None
    s = sel_mod.select(store, arms, request.targets, request.model, request.seeds, request.split, pinned)
    tasks, data_prov = [], {}
    for t in s.targets:
        data, prov = sel_mod.load_task(store, s, t)
        tasks.append(data)
        data_prov[t] = prov
    m = sig.family_size(len(arms) - 1, len(s.targets), max(len(v) for v in s.languages.values()))
    from ablate.stats import resolve_replicates

    n_rep, raised = resolve_replicates(request.n_replicates, m, request.alpha)
    warnings = list(s.warnings)
    if raised:
        warnings.append(f"B = {request.n_replicates} is below the resolution rule B ≥ 10·m/α for the largest "
                        f"family (m = {m}, α = {request.alpha}); raised to B = {n_rep}.")
    overall = "xtreme" if set(s.targets) == set(TARGET_GROUPS["xtreme"]) else "average"
    numbers = sig.compute(tasks, s.labels, n_rep, request.seed, request.alpha, s.paired, overall)
    warnings += _disagreement_warnings(numbers, s, request.alpha)
    comparison = Comparison(request, s.labels, s.targets, overall, {k: list(v) for k, v in s.seeds.items()},
                            s.paired, n_rep, raised, numbers, warnings, {}, "")
    comparison.provenance = provenance(store, s, data_prov, comparison)
    sign_lines(comparison, s)
    from ablate.reports.methods import methods_paragraph

    comparison.methods = methods_paragraph(comparison)
    return comparison


def _disagreement_warnings(numbers: sig.Numbers, s: sel_mod.Selection, alpha: float) -> list[str]:
    off = sig.disagreements(numbers.lines, alpha)
    if not off:
        return []
    floor = sig.min_seed_p([len(v) for v in s.seeds.values()], s.paired)
    levels = {}
    for m in off:
        levels[m.level] = levels.get(m.level, 0) + 1
    detail = ", ".join(f"{k} {v}" for k, v in levels.items())
    why = (f" With these seeds the seed-level exact test cannot go below p = {floor:.3g} > α, so it can never "
           "confirm a difference found by the default test: add seeds." if floor > alpha else "")
    return [f"The default (variance-components t) test and the seed-level exact test disagree at α = {alpha} on {len(off)} of "
            f"{len(numbers.lines)} lines ({detail}).{why}"]


def provenance(store: Store, s: sel_mod.Selection, data_prov: dict, c: Comparison) -> dict:
    from ablate.provenance import environment

    runs = {label: {t: {str(seed): r.run_id for seed, r in by_seed.items()} for t, by_seed in per_task.items()}
            for label, per_task in s.chosen.items()}
    used = {r.run_id: r for per_task in s.chosen.values() for by_seed in per_task.values() for r in by_seed.values()}
    env = environment()
    return {
        "store": store.uri, "experiment": store.experiment,
        "source_runs": runs, "source_run_ids": sorted(used),
        "failed_runs": {label: [r.run_id for r in rs if not r.finished] for label, rs in s.runs.items()},
        "fingerprints": {t: {lang: v["fingerprint"] for lang, v in per.items()} for t, per in data_prov.items()},
        "examples": {t: {lang: v["n"] for lang, v in per.items()} for t, per in data_prov.items()},
        "data_tags": {t: sorted({r.tags.get(f"data.{t}.{s.split}", "") for r in used.values()}) for t in s.targets},
        "code": sorted({f"{r.tags.get('git_commit', 'unknown')}{' (dirty)' if r.tags.get('git_dirty') != 'no' else ''}"
                        for r in used.values()}),
        "models": sorted({_model(r) for r in used.values()}),
        "selection_policy": s.selection_policy, "languages": s.languages,
        "B": c.n_replicates, "B_requested": c.request.n_replicates, "seed": c.request.seed, "alpha": c.request.alpha,
        "report_code": env["code"], "python": env["python"],
        "libraries": {k: v for k, v in env["packages"].items() if k in ("ablate", "numpy", "scipy", "mlflow", "matplotlib")}
                     | {"matplotlib": _version("matplotlib")},
    }


def _version(name: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _model(r) -> str:
    rev = r.tags.get("model_revision") or ""
    return r.tags.get("model", "?") + (f"@{rev}" if rev else "")


def _token(label: str) -> str:
    """An arm label as a signature value (':' is reserved): stilts:mnli -> stilts/mnli."""
    return label.replace(":", "/")


def sign_lines(c: Comparison, s: sel_mod.Selection) -> None:
    """A sacrebleu-style signature on every line and one for the whole report."""
    model = ",".join(c.provenance["models"])
    fps = c.provenance["fingerprints"]

    def build(treatment: str, targets, lang: str | None, data: str | None, units: str | None = None) -> str:
        arm = next(a for a in s.arms if a.label == treatment)
        return Signature.build(
            {"recipe": arm.recipe, "task": arm.task, "targets": targets, "model": model, "data": data,
             "seeds": c.seeds[treatment], "select": "en-dev"},
            extra={"vs": _token(c.labels[0]), "lang": lang, "split": c.request.split,
                   "test": "components-t", "units": units, "B": c.n_replicates, "rseed": c.request.seed,
                   "alpha": c.request.alpha, "paired": c.paired},
        ).format()

    for m in c.numbers.lines:
        if m.level == "cell":
            units = "parallel-id" if c.numbers.parallel[m.task] else "example"
            m.signature = build(m.treatment, m.task, m.lang, fps[m.task][m.lang], units)
        elif m.level == "task":
            m.signature = build(m.treatment, m.task, "all", _digest(fps[m.task]))
        else:
            m.signature = build(m.treatment, c.targets, "all", _digest(fps))
    c.signature = Signature.build(
        {"targets": c.targets, "model": model, "data": _digest(fps), "select": "en-dev"},
        extra={"arms": ",".join(_token(a) for a in c.labels), "split": c.request.split, "test": "components-t",
               "B": c.n_replicates, "rseed": c.request.seed, "alpha": c.request.alpha, "paired": c.paired},
    ).format()


def _digest(obj) -> str:
    import hashlib

    return hashlib.sha256(json.dumps(obj, sort_keys=True).encode()).hexdigest()[:16]


def _clean(obj):
    """JSON-safe: NaN/inf -> None, tuples -> lists."""
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if hasattr(obj, "item") and not isinstance(obj, (str, bytes)):
        return _clean(obj.item())
    return obj


def numbers_of(report_json: dict) -> list[dict]:
    """The numeric content of a report's lines (what regeneration must reproduce exactly)."""
    return [{k: v for k, v in line.items()} for line in report_json["lines"]]


def write(c: Comparison, out: Path) -> dict[str, Path]:
    """report.md, report.html, report.json and the figures under `out`."""
    from ablate.reports import figures as figs
    from ablate.reports import render

    out.mkdir(parents=True, exist_ok=True)
    figures = figs.figures(c)
    files = {
        "report.json": out / "report.json",
        "report.md": out / "report.md",
        "report.html": out / "report.html",
    }
    for name, data in figures.items():
        (out / name).write_bytes(data)
        files[name] = out / name
    doc = render.document(c)
    files["report.md"].write_text(render.markdown(doc, figures), encoding="utf-8")
    files["report.html"].write_text(render.html(doc, figures, title="ablate compare"), encoding="utf-8")
    files["report.json"].write_text(json.dumps(c.to_json(), indent=2, sort_keys=False), encoding="utf-8")
    c.files = {k: str(v) for k, v in files.items()}
    return files


def log(c: Comparison, uri: str, experiment: str, out: Path, files: dict[str, Path],
        regenerated_from: str | None = None) -> str:
    """Log the report as its own MLflow run (kind=report) with provenance and the files."""
    from ablate.tracking import Tracker

    tracker = Tracker(uri, experiment)
    tags = {"kind": "report", "report": "compare", "signature": c.signature, "arms": ",".join(c.labels),
            "baseline": c.labels[0], "targets": ",".join(c.targets), "B": c.n_replicates, "seed": c.request.seed,
            "source_run_ids": ",".join(c.provenance["source_run_ids"])[:5000],
            "code": ",".join(c.provenance["report_code"].values()),
            "libraries": ",".join(f"{k}={v}" for k, v in c.provenance["libraries"].items())}
    if regenerated_from:
        tags["regenerated_from"] = regenerated_from
    with tracker.run(f"compare {' vs '.join(c.labels[1:])} vs {c.labels[0]}", tags) as run_id:
        tracker.params(run_id, {**c.request.params(), "B": c.n_replicates})
        metrics = {}
        for m in c.lines(level="overall"):
            key = _token(m.treatment).replace("/", ".")
            metrics.update({f"{key}.delta": m.delta, f"{key}.low": m.low, f"{key}.high": m.high,
                            f"{key}.p": m.p, f"{key}.p_holm": m.p_holm})
        tracker.metrics(run_id, {k: v for k, v in metrics.items() if v is not None and math.isfinite(v)})
        c.report_run_id = run_id
        files["report.json"].write_text(json.dumps(c.to_json(), indent=2), encoding="utf-8")
        tracker.json_artifact(run_id, "provenance.json", {**c.provenance, "request": asdict(c.request)})
        tracker.artifacts(run_id, out, [p.name for p in files.values()])
    return run_id


def request_from_report(store: Store, run_id: str) -> Request:
    """The request a report run was made with, pinned to its exact source runs."""
    info = store.run_info(run_id)
    if info["tags"].get("kind") != "report" or info["tags"].get("report") != "compare":
        raise AblateError(f"Run {run_id} is not a compare report (tags kind=report, report=compare); "
                          f"it has kind={info['tags'].get('kind')!r}.")
    prov = json.loads(store.artifact(run_id, "provenance.json").read_text())
    return Request.from_params(info["params"], prov["source_run_ids"])


def stored_numbers(store: Store, run_id: str) -> list[dict]:
    return numbers_of(json.loads(store.artifact(run_id, "report.json").read_text()))
