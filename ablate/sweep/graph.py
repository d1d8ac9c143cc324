"""A sweep as a graph of jobs ("units"), planned from RunRequests without loading anything.

Each unit builds one *root* phase (with any ancestors only it reads) or finishes one run:

- a phase of a shared kind (translation, the intermediate encoder) is always its own unit;
- so is any phase read by several phases, or read by none (an evaluation, a retrieval);
- the rest (a fine-tune read by one evaluation) is built inside its reader's unit;
- one `run` unit per request runs `ablate run` for it once its phases exist: every phase is then
  found in the store, and the parent run with its child per phase is logged as usual.

Units are identified by their root phase's key, so two requests that need the same encoder get
one unit, and a unit's dependencies are the units of the root phases among its ancestors.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ablate.grid import RunRequest

SHARED_KINDS = ("translate", "intermediate")  # built once and read by many later phases


@dataclass
class Unit:
    id: str  # "<phase kind>-<key[:16]>" or "run-<digest>"
    request: RunRequest  # a request whose plan contains the unit's phases
    phase: str | None  # the root phase's name in that plan; None for a run unit
    builds: list[tuple[str, str]] = field(default_factory=list)  # (kind, key) the unit leaves in the store
    deps: list[str] = field(default_factory=list)  # unit ids that must finish first

    @property
    def kind(self) -> str:
        return "run" if self.phase is None else "phase"

    @property
    def label(self) -> str:
        return self.request.label if self.phase is None else f"{self.phase} (seed {self.request.seed})"


def request_dict(r: RunRequest) -> dict[str, Any]:
    return {"recipe": r.recipe, "task": r.task, "targets": list(r.targets), "seed": r.seed,
            "model": r.model, "preset": r.preset, "settings": dict(r.settings)}


def request_from(d: Mapping[str, Any]) -> RunRequest:
    return RunRequest(d["recipe"], d["task"], tuple(d["targets"]), int(d["seed"]), d.get("model"),
                      d.get("preset"), d.get("settings") or {})


def units(requests: list[RunRequest], base: Mapping[str, Any]) -> list[Unit]:
    """Every unit of the sweep, dependencies before dependants."""
    from ablate.execute import config_hash, plan_keys

    planned = []
    readers: dict[str, set[str]] = {}  # phase key -> keys of the phases that read it
    for req in requests:
        plan, cfg = req.plan(base)
        keys = plan_keys(plan, req.seed, cfg)
        planned.append((req, plan, cfg, keys))
        for p in plan.phases:
            readers.setdefault(keys[p.name], set())
            for name in p.inputs:
                readers.setdefault(keys[name], set()).add(keys[p.name])

    out: dict[str, Unit] = {}
    for req, plan, cfg, keys in planned:
        by_name = {p.name: p for p in plan.phases}

        def is_root(name: str) -> bool:
            return by_name[name].kind in SHARED_KINDS or len(readers[keys[name]]) != 1

        def root_ancestors(name: str) -> set[str]:
            found: set[str] = set()
            for dep in by_name[name].inputs:
                found |= {dep} if is_root(dep) else root_ancestors(dep)
            return found

        def own(name: str) -> list[str]:  # the root and the non-root phases built with it
            return [name] + [n for dep in by_name[name].inputs if not is_root(dep) for n in own(dep)]

        run_deps = []
        for p in plan.order():
            if not is_root(p.name):
                continue
            uid = f"{p.kind}-{keys[p.name][:16]}"
            run_deps.append(uid)
            if uid not in out:
                out[uid] = Unit(uid, req, p.name, [(by_name[n].kind, keys[n]) for n in own(p.name)],
                                sorted(f"{by_name[a].kind}-{keys[a][:16]}" for a in root_ancestors(p.name)))
        ident = json.dumps([request_dict(req), config_hash(cfg)], sort_keys=True, default=str)
        rid = "run-" + hashlib.sha256(ident.encode()).hexdigest()[:16]
        out.setdefault(rid, Unit(rid, req, None, [], run_deps))
    return list(out.values())
