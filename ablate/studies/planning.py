"""What a study still needs: which of its runs the MLflow store already holds (finished, same
settings), which are missing, which phases those need with the phase cache's sharing counted,
and a cost estimate from the measured runtimes of stored phases. Loads no model and no data.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ablate.grid import RunRequest
from ablate.studies.matrix import Matrix

# Run params that say where or how a run was tracked, or that `ablate run` fills in at run time
# (revisions pinned when the Hub is reachable): they never make a finished run a different one.
NOT_COMPARED = ("output_dir", "tracking_uri", "experiment", "seeds", "offline", "device",
                "dataset_revisions", "model_revision", "data_dir")
# Settings groups only one phase kind reads: every run logs them, but they make two runs
# different only when the run has that phase (stilts with other mt.langs is the same stilts).
READ_BY = {"mt": "translate"}
# Compared on their own above (targets as a set: `--targets tatoeba,xnli` is `xnli,tatoeba`).
COMPARED_APART = ("targets", "recipe", "task", "model", "preset")


@dataclass
class PhaseNeed:
    kind: str
    key: str
    name: str  # e.g. intermediate:mnli
    model_part: str  # the key's model part: phases of the same model cost alike
    runs: int = 0  # missing runs that read it (the sharing)


@dataclass
class StudyPlan:
    matrix: Matrix
    done: dict[RunRequest, Any]  # request -> its RunRecord (the newest finished match)
    missing: list[RunRequest]
    phases: dict[tuple[str, str], PhaseNeed]  # distinct phases of the missing runs
    stored: set[tuple[str, str]]  # those already in the phase store
    phase_uses: int = 0  # phase executions the missing runs would do without sharing
    estimate_s: float | None = None
    estimate_note: str = ""
    per_phase_s: dict[tuple[str, str], float | None] = field(default_factory=dict)

    @property
    def to_build(self) -> list[PhaseNeed]:
        return [p for k, p in self.phases.items() if k not in self.stored]


def base_layer(output_dir: str | None, tracking_uri: str | None, experiment: str | None) -> dict[str, Any]:
    return {k: v for k, v in {"output_dir": output_dir, "tracking_uri": tracking_uri,
                              "experiment": experiment}.items() if v is not None}


def make(matrix: Matrix, base: Mapping[str, Any]) -> StudyPlan:
    from ablate.keys import KeyMaker
    from ablate.store import PhaseStore

    done = finished_runs(matrix.requests, base)
    missing = [r for r in matrix.requests if r not in done]
    phases: dict[tuple[str, str], PhaseNeed] = {}
    uses = 0
    store = None
    keymakers: dict[tuple, KeyMaker] = {}
    for request in missing:
        plan, cfg = request.plan(base)
        store = store or PhaseStore(cfg.output_dir)
        # A KeyMaker caches data and model digests: share one between configs that agree on
        # everything those digests read (the rest of a key comes from the plan's phase settings).
        ident = (cfg.model, cfg.model_revision, cfg.data, cfg.data_dir, tuple(sorted(cfg.dataset_revisions.items())))
        km = keymakers.setdefault(ident, KeyMaker(cfg))
        keys = km.plan_keys(plan, request.seed)
        for p in plan.order():
            key, parts = keys[p.name]
            need = phases.setdefault((p.kind, key), PhaseNeed(p.kind, key, p.name, parts["model"]))
            need.runs += 1
            uses += 1
    stored = {k for k in phases if store is not None and store.is_complete(*k)}
    out = StudyPlan(matrix, done, missing, phases, stored, uses)
    if store is not None:
        _estimate(out, store)
    return out


def finished_runs(requests, base: Mapping[str, Any]) -> dict[RunRequest, Any]:
    """request -> the newest FINISHED parent run with its recipe, task, model, seed, preset,
    targets and every compared setting (an empty mapping when the store does not exist yet)."""
    from ablate.records import Arm

    if not requests:
        return {}
    store = open_store(requests[0].resolve(base))
    if store is None:
        return {}
    found: dict[RunRequest, Any] = {}
    cache: dict[tuple, list] = {}
    for request in requests:
        plan, cfg = request.plan(base)
        arm = Arm(request.recipe, request.arm_task)
        runs = cache.setdefault((arm, cfg.model), store.runs(arm, cfg.model))
        want = expected_params(cfg, {p.kind for p in plan.phases})
        targets = {p.task for p in plan.phases if p.kind in ("evaluate", "retrieve")}
        for run in sorted(runs, key=lambda r: -r.start_time):
            if (run.finished and run.seed == request.seed and set(run.targets) == targets
                    and run.tags.get("preset") == cfg.preset and matches(run.params, want)):
                found[request] = run
                break
    return found


def expected_params(cfg, kinds: set[str]) -> dict[str, str]:
    """The settings a finished run must agree on, given the phase kinds of its plan."""
    out = {}
    for k, v in cfg.flat().items():
        group = k.split(".")[0]
        if group in NOT_COMPARED or k in COMPARED_APART or (group in READ_BY and READ_BY[group] not in kinds):
            continue
        out[k] = v
    return out


def matches(params: Mapping[str, str], want: Mapping[str, str]) -> bool:
    """Every setting the run logged agrees with the request's (a run logs only its tasks' ones)."""
    return all(want[k] == v for k, v in params.items() if k in want)


def open_store(cfg):
    """The records Store of `cfg`'s tracking URI, or None when nothing was tracked there yet."""
    from pathlib import Path

    from ablate.errors import AblateError
    from ablate.records import Store

    uri = cfg.store_uri
    if uri.startswith("sqlite:///") and not Path(uri[len("sqlite:///"):]).is_file():
        return None
    try:
        return Store(uri, cfg.experiment)
    except AblateError:  # no such experiment yet
        return None


def _estimate(plan: StudyPlan, store) -> None:
    """Median runtime of stored phases with the same kind, name and model; else of the same kind
    and model (any task); phases with neither are listed as unmeasured, not guessed."""
    measured: dict[tuple[str, str, str], list[float]] = {}
    for kind in {k for k, _ in plan.phases}:
        for name, model, runtime in _stored_runtimes(store, kind):
            measured.setdefault((kind, name, model), []).append(runtime)
            measured.setdefault((kind, "*", model), []).append(runtime)
    total, exact, rough, unmeasured = 0.0, 0, 0, 0
    for k, need in plan.phases.items():
        if k in plan.stored:
            continue
        same = measured.get((need.kind, need.name, need.model_part))
        similar = measured.get((need.kind, "*", need.model_part))
        value = statistics.median(same or similar) if (same or similar) else None
        plan.per_phase_s[k] = value
        exact, rough, unmeasured = exact + bool(same), rough + (not same and bool(similar)), unmeasured + (value is None)
        total += value or 0.0
    if exact + rough:
        plan.estimate_s = total
    plan.estimate_note = (f"{exact} phases measured on the same task and model, {rough} estimated from the same "
                          f"phase kind and model, {unmeasured} with no stored measurement (not counted)")


def _stored_runtimes(store, kind: str):
    """(phase name, model part, runtime in s) of every complete stored phase of `kind`."""
    import json

    folder = store.root / kind
    for d in sorted(folder.iterdir()) if folder.is_dir() else ():
        try:
            entry = json.loads((d / "entry.json").read_text())
            runtime = json.loads((d / "result.json").read_text()).get("info", {}).get("runtime_s")
        except (OSError, ValueError):
            continue  # partial or pre-metadata entries
        if isinstance(runtime, (int, float)):
            yield entry.get("phase", ""), entry.get("parts", {}).get("model", ""), float(runtime)
