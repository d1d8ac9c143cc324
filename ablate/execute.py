"""Run a Plan once per seed: phase order, content-addressed reuse, runners, tracking.

The executor is the only place that talks to both the phase store and the tracker. A phase
whose output is already in the store is not run again; its child run is still recorded
(tag `cached=yes`, same metrics and artifacts), so every parent run is complete on its own.
Each phase is checked and built under its key's lock, so concurrent identical runs build it
once. Before the first seed, runs of this store whose process died are marked KILLED; a new
parent for the same arm, seed and config links the one it replaces (tag `replaces`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field

from ablate.config import RunConfig
from ablate.phases import PhaseContext, PhaseResult, runner
from ablate.plan import INTERMEDIATE_KINDS, Phase, Plan
from ablate.progress import Progress
from ablate.provenance import code_version, environment
from ablate import run_summary
from ablate.signature import Signature
from ablate.keys import KeyMaker
from ablate.metric_names import UNTUNED_TASKS
from ablate.store import ENTRY, PhaseStore, write_json
from ablate.tasks.tagging import SEQEVAL_VERSIONS
from ablate.tracking import Tracker
from ablate import xtreme


@dataclass
class SeedRun:
    seed: int
    run_id: str
    metrics: dict[str, float] = field(default_factory=dict)
    phases: dict[str, dict] = field(default_factory=dict)  # name -> {key, cached, run_id}


def plan_keys(plan: Plan, seed: int, cfg: RunConfig) -> dict[str, str]:
    """Each phase's content key for `seed` (no torch, no data loading: `ablate plan` uses it)."""
    return {name: key for name, (key, _) in KeyMaker(cfg).plan_keys(plan, seed).items()}


def config_hash(cfg: RunConfig) -> str:
    relevant = {k: v for k, v in cfg.to_dict().items() if k not in ("seeds", "output_dir", "tracking_uri", "experiment")}
    return hashlib.sha256(json.dumps(relevant, sort_keys=True).encode()).hexdigest()[:12]


def signature(plan: Plan, cfg: RunConfig, seed: int) -> Signature:
    model = cfg.model + (f"@{cfg.model_revision}" if cfg.model_revision else "")
    return Signature.build(
        {"recipe": plan.recipe, "task": _arm_task(plan, cfg),
         "targets": [p.task for p in plan.phases if p.kind in ("evaluate", "retrieve")], "model": model,
         "data": cfg.data, "seeds": [seed], "select": "en-dev"},
        extra=_extra_fragments(plan, cfg),
    )


def _extra_fragments(plan: Plan, cfg: RunConfig) -> dict:
    """Signature fragments of optional components, in a fixed order, then the config hash."""
    extra: dict = {}
    translate = next((p for p in plan.phases if p.kind == "translate"), None)
    if translate is not None:
        from ablate.mt import references as mt_references
        from ablate.tasks import get_task

        mt = translate.settings["mt"]
        extra.update({"mt": mt["model"].replace(":", "_"), "mt_langs": translate.settings["langs"],
                      "mt_mix": cfg.mt["mix"], "mt_beam": mt["beam_size"], "mt_min_chrf": mt["min_chrf"],
                      "mt_ref": mt_references.label(get_task(translate.task).format, mt["reference"])})
    mixed = next((p for p in plan.phases if p.kind == "intermediate" and "mix" in p.settings), None)
    if mixed is not None and translate is None:  # published multilingual data: English part in or out
        extra["mix"] = mixed.settings["mix"]
    mlm = next((p for p in plan.phases if "mlm" in p.settings), None)
    if mlm is not None:  # stilts-mlm
        from ablate.mlm.planning import signature_fragment

        extra.update(signature_fragment(mlm))
    if any(p.task == "bucc2018" for p in plan.phases):
        from ablate.data.bucc import has_local

        extra["bucc"] = "full" if has_local(cfg.data_dir) and cfg.data != "fixtures" else "goldonly"
    multi = next((p for p in plan.phases if p.kind == "multitask"), None)
    if multi is not None:  # how optimizer steps were shared among the tasks
        from ablate.mixing.sampler import describe

        extra["mix"] = describe(**{k: multi.settings["sampler"][k] for k in ("strategy", "cap", "temperature")})
        extra["ntotal"] = multi.settings.get("total_train_examples")  # a matched-volume run, readable
    tagged = next((p.task for p in plan.phases if p.task in SEQEVAL_VERSIONS), None)
    if tagged is not None:  # the seqeval version behind UD-POS's primary F1
        extra["pos"] = "seqeval" + SEQEVAL_VERSIONS[tagged][0]
    if any(p.kind == "retrieve" and "dual_encoder" in p.settings for p in plan.phases):
        extra["dualenc"] = "yes"  # Mewsli-X / LAReQA fine-tuned as XTREME-R does
    elif any(p.kind == "retrieve" and p.task in UNTUNED_TASKS for p in plan.phases):
        extra["dualenc"] = "no"  # scored untuned: `<task>_untuned.*`
    if cfg.trust_remote_code:  # the model's own code ran: a reader must know (absent = it could not)
        extra["remote_code"] = "yes"
    if any(p.kind in ("intermediate", "finetune") for p in plan.phases):  # the arithmetic training used
        from ablate.compute import signature_precision

        extra["prec"] = signature_precision(cfg.compute, cfg.device)
    if any(p.kind in INTERMEDIATE_KINDS for p in plan.phases) and cfg.intermediate_settings(cfg.task).max_train_examples:
        extra["ntrain"] = cfg.intermediate_settings(cfg.task).max_train_examples  # a volume ablation, readable
    extra["cfg"] = config_hash(cfg)
    return extra


def _arm_task(plan: Plan, cfg: RunConfig) -> str | None:
    """What names the arm's intermediate training: --task, a multi-task phase's task set
    (`all`, `mnli-squad`), or None without phase 2."""
    for p in plan.phases:
        if p.kind in INTERMEDIATE_KINDS:
            return cfg.task
        if p.kind == "multitask":
            return p.task
    return None


def execute(plan: Plan, cfg: RunConfig, tracker: Tracker, progress: Progress,
            run_phase: Callable[[str], Callable[[PhaseContext], PhaseResult]] = runner,
            parent_kind: str = "run") -> list[SeedRun]:
    """`parent_kind` tags the parent run: "run" for `ablate run`; "build" for a sweep job that
    only builds shared phases (records and reports read "run" parents only)."""
    store = PhaseStore(cfg.output_dir)
    order = plan.order()
    code = code_version()
    env = environment()
    task = _arm_task(plan, cfg) or "none"
    keymaker = KeyMaker(cfg)
    killed = tracker.reap_dead()
    for run_id in killed:
        progress.print(f"[yellow]Marked run {run_id} KILLED: the process that ran it is gone.[/]")
    elsewhere = tracker.running_elsewhere()
    if elsewhere:  # the limitation the README states, said where it shows
        progress.print(f"[yellow]{elsewhere} run(s) started on other machines show RUNNING: one whose machine died "
                       "stays so until ablate runs there again (reports count only FINISHED runs).[/]")
    runs = []
    for seed in cfg.seeds:
        sig = signature(plan, cfg, seed)
        keys = keymaker.plan_keys(plan, seed)
        parent_tags = {
            "kind": parent_kind, "recipe": plan.recipe, "intermediate_task": task,
            "targets": ",".join(p.task for p in order if p.kind in ("evaluate", "retrieve")), "seed": seed,
            "model": cfg.model, "model_revision": cfg.model_revision or "", "preset": cfg.preset,
            "data_source": cfg.data, "signature": sig.format(), "config_hash": config_hash(cfg),
            "git_commit": code["commit"], "git_dirty": code["dirty"],
        }
        replaced = [r for r, t in killed.items() if t.get("kind") == parent_kind and all(
            t.get(k) == str(parent_tags[k]) for k in ("recipe", "intermediate_task", "seed", "config_hash"))]
        if replaced:
            parent_tags["replaces"] = ",".join(replaced)
        if cfg.dataset_revisions:
            parent_tags["dataset_revisions"] = json.dumps(dict(cfg.dataset_revisions), sort_keys=True)
        if keymaker.notes:
            parent_tags["key_notes"] = "; ".join(keymaker.notes)
        # The arm as `compare` names it. Also the param `arm`: MLflow's parallel-coordinates plot takes
        # the first three *differing* params alphabetically, and `arm` sorts before `intermediate.*`.
        label = plan.recipe if task == "none" else f"{plan.recipe}:{task}"
        with tracker.run(f"{label} seed={seed}", parent_tags) as parent:
            run = SeedRun(seed, parent)
            tracker.params(parent, {**_params(cfg, plan), "arm": label})
            tracker.json_artifact(parent, "config.json", cfg.to_dict())
            tracker.json_artifact(parent, "environment.json", env)
            with progress.bar(f"[bold]{plan.recipe}[/] seed {seed}", total=len(order)) as bar:
                for phase in order:
                    result, info = _run_phase(plan, phase, seed, keys, cfg, store, tracker, progress, parent, run_phase)
                    run.phases[phase.name] = info
                    if phase.kind in ("evaluate", "retrieve"):
                        run.metrics.update(result.metrics)
                        tracker.tags(parent, {k: v for k, v in result.tags.items() if k.startswith("data.")})
                    bar.advance(1)
            other = sorted(n for n, i in run.phases.items() if i["built_by"].get("commit") != code["commit"]
                           or i["built_by"].get("dirty") != code["dirty"])
            tracker.tags(parent, {"phases_reused": sum(i["cached"] for i in run.phases.values()),
                                  "phases_built_by_other_code": ",".join(other) or "none"})
            run.metrics.update(xtreme.summarize(run.metrics))
            tracker.metrics(parent, run.metrics)
            tracker.tags(parent, {"mlflow.note.content": run_summary.note(plan, cfg, run, sig.format())})
            tracker.json_artifact(parent, "phases.json", run.phases)
        runs.append(run)
    return runs


def _run_phase(plan: Plan, phase: Phase, seed: int, keys: dict[str, tuple[str, dict]], cfg: RunConfig,
               store: PhaseStore, tracker: Tracker, progress: Progress, parent: str,
               run_phase) -> tuple[PhaseResult, dict]:
    key, parts = keys[phase.name]
    code = code_version()

    def waiting() -> None:
        progress.print(f"  [dim]{phase.name}: waiting for another run building {phase.kind}/{key}[/]")

    with store.lock(phase.kind, key, on_wait=waiting):
        cached = store.is_complete(phase.kind, key)
        broken = store.verify(phase.kind, key) if cached else None
        if broken:  # a file changed or went missing since commit: rebuild, never trust it
            progress.print(f"  [yellow]{phase.name}: stored {phase.kind}/{key} failed its check ({broken}): rebuilding[/]")
            store.discard(phase.kind, key)
            cached = False
        built_by = store.entry(phase.kind, key).get("built_by", {}) if cached else dict(code)
        tags = {"kind": "phase", "phase": phase.name, "phase_kind": phase.kind, "phase_key": key,
                "cached": "yes" if cached else "no", "seed": seed, "recipe_task": phase.task,
                **({"rebuilt_because": broken} if broken else {}),
                "built_by_commit": built_by.get("commit", "unrecorded"),
                "built_by_dirty": built_by.get("dirty", "unrecorded"),
                "git_commit": code["commit"], "git_dirty": code["dirty"],
                **{f"key.{p}": v for p, v in parts.items()}}
        if phase.kind in ("finetune", "evaluate"):
            tags["target_task"] = phase.task
        with tracker.run(phase.name, tags, parent=parent) as child:
            if cached:
                progress.print(f"  [dim]{phase.name}: reusing {phase.kind}/{key}[/]")
                result = PhaseResult.from_dict(store.result(phase.kind, key))
            else:
                with store.building(phase.kind, key) as tmp:
                    ctx = PhaseContext(
                        cfg=cfg, phase=phase, seed=seed,
                        inputs={name: store.path(plan.phase(name).kind, keys[name][0]) for name in phase.inputs},
                        out=tmp, log=lambda metrics, step: tracker.metrics(child, metrics, step), progress=progress,
                        resume=store.resume_dir(phase.kind, key),
                    )
                    result = run_phase(phase.kind)(ctx)
                    write_json(tmp / "result.json", result.to_dict())
                    write_json(tmp / ENTRY, {"phase": phase.name, "seed": seed, "parts": parts,
                                             "built_by": built_by, "built_in_run": child})
            tracker.metrics(child, result.metrics)
            tracker.tags(child, result.tags)
            tracker.datasets(child, result.datasets)
            tracker.artifacts(child, store.path(phase.kind, key), result.artifacts)
            tracker.json_artifact(child, "phase.json", {"phase": phase.name, "key": key, "parts": parts,
                                                        "settings": phase.settings, "built_by": built_by,
                                                        "inputs": {n: keys[n][0] for n in phase.inputs},
                                                        "info": result.info})
    return result, {"key": key, "cached": cached, "run_id": child, "kind": phase.kind,
                    "dir": str(store.path(phase.kind, key)), "built_by": built_by}


def _params(cfg: RunConfig, plan: Plan) -> dict[str, str]:
    """The resolved config, flattened, limited to the tasks this plan uses (the full config is
    the config.json artifact)."""
    used = {t for p in plan.phases for t in p.data_tasks}
    flat = cfg.flat()
    out = {}
    for k, v in flat.items():
        group, _, rest = k.partition(".")
        if group in ("intermediate", "finetune"):
            if rest.split(".", 1)[0] not in used:
                continue
        out[k] = v
    out["recipe"] = plan.recipe
    return out
