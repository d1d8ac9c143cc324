"""Which runs a comparison uses, and the guard rails that refuse an unfair one.

Arms are chosen by tags (`Store.runs`: one query per arm); per task the newest finished run per
seed. Refused (AblateError, every problem listed): an unknown arm or target, seeds that differ
within an arm or only partly between arms, languages missing in one arm, a different checkpoint
selection policy, different data fingerprints, a logged metric that does not re-derive from its
per-example statistics. Warned (kept in the report): dirty code, fewer than 5 seeds, failed runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ablate.errors import AblateError, did_you_mean
from ablate.metric_names import logged_task, metric_key
from ablate.records import Arm, Cell, RunRecord, Store
from ablate.reports.metric_choice import check_metric, has_metric, with_metric
from ablate.reports.significance import MIN_CALIBRATED_SEEDS, TaskData, points, stat_columns
from ablate.tasks import TARGET_GROUPS, expand_targets, get_task

MIN_SEEDS = 5  # below this the seed-level test cannot reach p < 0.05 (2/2^5 = 0.0625)
RTOL, ATOL = 1e-6, 1e-6  # re-derived vs logged metric, in points (float sums, JSON round trips)


@dataclass
class Selection:
    """The runs behind a comparison, after the guard rails."""

    arms: list[Arm]  # baseline first
    runs: dict[str, list[RunRecord]]  # label -> every parent run of the arm (failed included)
    chosen: dict[str, dict[str, dict[int, RunRecord]]]  # label -> task -> seed -> run
    targets: list[str]
    languages: dict[str, list[str]]
    seeds: dict[str, tuple[int, ...]]
    paired: bool
    split: str
    model: str | None
    selection_policy: dict[str, str] = field(default_factory=dict)  # task -> policy tag
    warnings: list[str] = field(default_factory=list)
    metric: str | None = None  # one metric for every task (--metric), None = each task's own

    def metric_of(self, task: str) -> str:
        return self.metric or get_task(task, "target").metric

    @property
    def labels(self) -> list[str]:
        return [a.label for a in self.arms]


def parse_arms(baseline: str | None, treatment: str | None, arms: str | None) -> list[Arm]:
    """`--baseline B --treatment T` or `--arms B,T1,T2` (first = baseline) -> arms."""
    if arms:
        if baseline or treatment:
            raise AblateError("Give either --arms or --baseline/--treatment, not both.")
        out = [Arm.parse(a) for a in arms.split(",") if a.strip()]
    elif treatment:
        out = [Arm.parse(baseline or "baseline"), *(Arm.parse(t) for t in treatment.split(",") if t.strip())]
    else:
        raise AblateError("Name the arms: --baseline baseline --treatment stilts:mnli, or "
                          "--arms baseline,stilts:mnli,...")
    if len(out) < 2:
        raise AblateError(f"A comparison needs at least two arms; got {[a.label for a in out]}.")
    if len({a.label for a in out}) != len(out):
        raise AblateError(f"Arms must be distinct; got {[a.label for a in out]}.")
    return out


def select(store: Store, arms: list[Arm], targets: str | None = None, model: str | None = None,
           seeds: tuple[int, ...] | None = None, split: str = "test",
           pinned: set[str] | None = None, metric: str | None = None) -> Selection:
    """Find each arm's runs and check that they can be compared (raises AblateError otherwise).

    `metric` scores every task by that metric (e.g. macro_f1) instead of each task's own."""
    check_metric(metric)
    problems: list[str] = []
    warnings: list[str] = []
    runs: dict[str, list[RunRecord]] = {}
    known = None
    for arm in arms:
        found = store.runs(arm, model)
        if pinned is not None:
            found = [r for r in found if r.run_id in pinned]
        if not found:
            known = known if known is not None else [a.label for a in store.arms(model)]
            problems.append(f"No runs of arm '{arm.label}'{f' with model {model}' if model else ''} in experiment "
                            f"'{store.experiment}'.{did_you_mean(arm.label, known)} Available: {', '.join(known) or 'none'}.")
        runs[arm.label] = found
    _raise(problems)

    evaluated = {label: {t for r in rs if r.finished for t in r.targets} for label, rs in runs.items()}
    if targets:
        names = tuple(t.strip() for t in targets.split(",") if t.strip())
        wanted = list(expand_targets(names))
        for t in wanted:
            lacking = [label for label, ev in evaluated.items() if t not in ev]
            if lacking:
                problems.append(f"Target '{t}' has no finished run in arm(s) {', '.join(lacking)}.")
        problems += [f"Target '{t}' has no {metric} (it is logged for {', '.join(with_metric(metric))})."
                     for t in wanted if metric and not has_metric(t, metric)]
    else:
        shared = set.intersection(*evaluated.values())
        order = list(TARGET_GROUPS["xtreme"])
        wanted = sorted(shared, key=lambda t: (order.index(t) if t in order else len(order), t))
        if metric:
            skipped = [t for t in wanted if not has_metric(t, metric)]
            wanted = [t for t in wanted if t not in skipped]
            if skipped:
                warnings.append(f"--metric {metric}: left out target(s) {', '.join(skipped)}, which have no {metric}.")
        if not wanted:
            problems.append("The arms share no evaluated target task: "
                            + "; ".join(f"{k}: {', '.join(sorted(v)) or 'none'}" for k, v in evaluated.items()) + ".")
    _raise(problems)

    chosen: dict[str, dict[str, dict[int, RunRecord]]] = {}
    arm_seeds: dict[str, tuple[int, ...]] = {}
    for label, rs in runs.items():
        chosen[label] = {}
        for t in wanted:
            per_seed = store.latest_per_seed(rs, t)
            if seeds:
                missing = [s for s in seeds if s not in per_seed]
                if missing:
                    problems.append(f"Arm '{label}' has no finished run of seed(s) {_join(missing)} for '{t}'.")
                per_seed = {s: r for s, r in per_seed.items() if s in seeds}
            chosen[label][t] = per_seed
        seed_sets = {t: tuple(ps) for t, ps in chosen[label].items()}
        union = sorted(set().union(*map(set, seed_sets.values())))
        for t, ss in seed_sets.items():
            if set(ss) != set(union):
                problems.append(f"Arm '{label}' is missing seed(s) {_join(sorted(set(union) - set(ss)))} for "
                                f"'{t}' (it has {_join(ss) or 'none'}; other targets have {_join(union)}).")
        arm_seeds[label] = tuple(union)
    _raise(problems)
    problems += _settings_drift(chosen)
    _raise(problems)

    seed_lists = list(arm_seeds.values())
    paired = all(s == seed_lists[0] for s in seed_lists)
    if not paired:
        common = set.intersection(*map(set, seed_lists))
        if common:
            problems.append("Seeds differ between arms: " + "; ".join(f"{k}: {_join(v)}" for k, v in arm_seeds.items())
                            + f". Missing seeds in one arm? Run them, or restrict with --seeds {_join(sorted(common))}.")
        else:
            warnings.append("The arms use different seed lists: seeds are resampled independently (unpaired) "
                            "and the seed-level test permutes labels.")

    languages: dict[str, list[str]] = {}
    for t in wanted:
        spec = get_task(t, "target")
        task_metric = metric or spec.metric
        have = {(label, s): _languages(r, t, task_metric, split) for label in runs for s, r in chosen[label][t].items()}
        union = [lang for lang in spec.languages if any(lang in v for v in have.values())]
        union += sorted({lang for v in have.values() for lang in v} - set(union))
        for (label, s), v in have.items():
            missing = [lang for lang in union if lang not in v]
            if missing:
                problems.append(f"Arm '{label}' seed {s} has no {split} results for {t} language(s) "
                                f"{', '.join(missing)} (other runs have them).")
        if not union:
            problems.append(f"No {split} {task_metric} results for '{t}' in any arm (was the {split} split evaluated"
                            + (f"; runs made before ablate logged {metric} need their evaluation rerun" if metric else "")
                            + ")?")
        languages[t] = union
    _raise(problems)

    policies: dict[str, str] = {}
    for t in wanted:
        phase = f"finetune:{t}"
        seen: dict[str, set[str]] = {}
        for label in runs:
            for s, r in chosen[label][t].items():
                if phase in r.children:
                    policy = store.run_info(r.children[phase])["tags"].get("selection", "unrecorded")
                    seen.setdefault(policy, set()).add(label)
        if len(seen) > 1:
            problems.append(f"Checkpoint selection differs for '{t}': "
                            + "; ".join(f"{p} ({', '.join(sorted(ls))})" for p, ls in seen.items()) + ".")
        policies[t] = next(iter(seen)) if seen else "none (no training)"
    _raise(problems)

    for label, rs in runs.items():
        bad = [r for r in rs if not r.finished]
        if bad:
            warnings.append(f"Arm '{label}': {len(bad)} run(s) not finished ("
                            + ", ".join(f"seed {r.seed} {r.status.lower()}" for r in bad) + "); they are not used.")
        used = {r.run_id: r for by_seed in chosen[label].values() for r in by_seed.values()}
        warnings += _duplicates(label, rs, chosen[label])
        dirty = sorted({r.seed for r in used.values() if r.tags.get("git_dirty") != "no"})
        if dirty:
            warnings.append(f"Arm '{label}': seed(s) {_join(dirty)} ran from uncommitted (dirty) or unknown code.")
        if len(arm_seeds[label]) < MIN_SEEDS:
            warnings.append(f"Arm '{label}' has {len(arm_seeds[label])} seed(s) (< {MIN_SEEDS}): the seed-level "
                            "test is coarse and the default test's seed variance rests on few degrees of freedom (wide intervals)"
                            + (", so the task and overall levels get no p." if len(arm_seeds[label]) < MIN_CALIBRATED_SEEDS else "."))
    return Selection(list(arms), runs, chosen, wanted, languages, arm_seeds, paired, split, model, policies, warnings,
                     metric)



def load_task(store: Store, sel: Selection, task: str) -> tuple[TaskData, dict]:
    """Every arm's statistics for `task`, aligned by example id, after the data guard rails.

    Returns the task data and provenance {lang: {'fingerprint', 'n', 'run_ids'}}.
    """
    metric = sel.metric_of(task)
    g = points(metric)
    problems: list[str] = []
    stats: dict[str, list[np.ndarray]] = {}
    parallel: dict[str, np.ndarray] = {}
    prov: dict[str, dict] = {}
    for lang in sel.languages[task]:
        cells = [store.cell(sel.chosen[label][task], task, sel.split, lang) for label in sel.labels]
        base = cells[0]
        fps = {(label, s): fp for label, c in zip(sel.labels, cells) for s, fp in zip(c.seeds, c.fingerprints)}
        if len(set(fps.values())) > 1:
            problems.append(f"{task}/{lang}: arms evaluated on different data (fingerprints "
                            + "; ".join(f"{label} seed {s}: {fp or 'none'}" for (label, s), fp in fps.items()) + ").")
            continue
        arrays = []
        wanted_cols = stat_columns(metric, base.stat_names)
        for label, c in zip(sel.labels, cells):
            missing = [col for col in wanted_cols if col not in c.stat_names]
            if missing:
                problems.append(f"{task}/{lang} ({label}): statistics {', '.join(missing)} are missing; the "
                                f"{metric} needs {', '.join(wanted_cols)} (found {', '.join(c.stat_names)}).")
                continue
            u = c.stats[:, :, [c.stat_names.index(col) for col in wanted_cols]]
            if c is not base:
                u = _align(u, c, base, task, lang, label, problems)
                if u is None:
                    continue
            problems += _rederive(c, u, g, metric, label)
            arrays.append(u)
        if len(arrays) == len(cells):
            stats[lang] = arrays
            parallel[lang] = base.parallel_ids
            prov[lang] = {"fingerprint": base.fingerprints[0], "n": int(base.stats.shape[1]),
                          "run_ids": {label: list(c.run_ids) for label, c in zip(sel.labels, cells)}}
    _raise(problems)
    return TaskData(task, metric, stats, parallel), prov


def _align(u: np.ndarray, cell: Cell, base: Cell, task: str, lang: str, label: str, problems: list[str]):
    """Reorder `cell`'s rows to the baseline's example ids; None (and a problem) if the sets differ."""
    if np.array_equal(cell.ids, base.ids):
        return u
    position = {x: i for i, x in enumerate(cell.ids.tolist())}
    if set(position) != set(base.ids.tolist()):
        problems.append(f"{task}/{lang}: arm '{label}' evaluated different examples than the baseline.")
        return None
    return u[:, [position[x] for x in base.ids.tolist()], :]


def _rederive(cell: Cell, u: np.ndarray, g, metric: str, label: str) -> list[str]:
    """The metric each seed logged (×100, as the evaluation logs it) must equal g(Σ stats)."""
    logged = cell.metric_logged.get(metric)
    if logged is None:
        return [f"{cell.task}/{cell.lang} ({label}): no logged '{metric}' to check the statistics against."]
    derived = g(u.sum(axis=1))
    return [f"{cell.task}/{cell.lang} ({label}, seed {s}): the logged {metric} {want:.6g} does not re-derive "
            f"from the per-example statistics ({got:.6g})."
            for s, want, got in zip(cell.seeds, logged, derived)
            if not np.isclose(want, got, rtol=RTOL, atol=ATOL)]


def _languages(run: RunRecord, task: str, metric: str, split: str) -> set[str]:
    prefix = metric_key(logged_task(task, run.metrics), "", "", split).rstrip(".")
    suffix = f".{metric}"
    return {k[len(prefix) + 1:-len(suffix)] for k in run.metrics
            if k.startswith(prefix + ".") and k.endswith(suffix) and k.count(".") == prefix.count(".") + 2} - {"avg"}


# Params that decide a target's numbers besides the seed. Within an arm every chosen run must
# agree on them (else seeds of different settings get averaged); across arms the shared part must
# agree (else the comparison is not of recipes alone). Intermediate and MT settings legitimately
# differ between arms, so they are checked within an arm only.
_WITHIN_ARM = ("model", "model_revision", "data", "data_dir", "dataset_revisions", "max_eval_examples",
               "retrieval.", "intermediate.", "mt.")
_ACROSS_ARMS = ("model", "model_revision", "data", "dataset_revisions", "max_eval_examples", "retrieval.")


def _relevant(params: dict[str, str], task: str, prefixes: tuple[str, ...]) -> dict[str, str]:
    """The params named by `prefixes` (a key itself or its dotted children) and finetune.<task>.*."""
    keep = [p.rstrip(".") for p in prefixes] + [f"finetune.{task}"]
    return {k: v for k, v in params.items() if any(k == p or k.startswith(p + ".") for p in keep)}


def _settings_drift(chosen: dict[str, dict[str, dict[int, RunRecord]]]) -> list[str]:
    """Problems where runs that are pooled or compared differ in settings other than the seed."""
    problems = []
    reference: dict[str, tuple[str, dict[str, str]]] = {}
    for label, per_task in chosen.items():
        for task, per_seed in per_task.items():
            runs = list(per_seed.values())
            if not runs:
                continue
            first = _relevant(runs[0].params, task, _WITHIN_ARM)
            for r in runs[1:]:
                other = _relevant(r.params, task, _WITHIN_ARM)
                diff = sorted(k for k in set(first) | set(other) if first.get(k) != other.get(k))
                if diff:
                    problems.append(
                        f"Arm '{label}', target '{task}': seed {runs[0].seed} (run {runs[0].run_id[:12]}) and seed "
                        f"{r.seed} (run {r.run_id[:12]}) were run with different settings: "
                        + ", ".join(f"{k}={first.get(k)!r} vs {other.get(k)!r}" for k in diff[:6])
                        + ". Rerun them alike, or restrict with --seeds.")
            across = _relevant(runs[0].params, task, _ACROSS_ARMS)
            if task not in reference:
                reference[task] = (label, across)
                continue
            ref_label, ref = reference[task]
            diff = sorted(k for k in set(ref) | set(across) if ref.get(k) != across.get(k))
            if diff:
                problems.append(
                    f"Target '{task}': arms '{ref_label}' and '{label}' differ in more than the recipe: "
                    + ", ".join(f"{k}={ref.get(k)!r} vs {across.get(k)!r}" for k in diff[:6])
                    + ". Compare runs made with the same model, data and target settings (e.g. --model).")
    return problems


def _duplicates(label: str, runs: list[RunRecord], chosen: dict[str, dict[int, RunRecord]]) -> list[str]:
    """One warning per (seed, target) with several finished parent runs: the newest finished one
    is used (a rerun supersedes the run it repeats); the others are named so nothing is silent."""
    out = []
    for t, per_seed in chosen.items():
        for seed, used in per_seed.items():
            others = [r for r in runs if r.finished and r.seed == seed and t in r.targets and r.run_id != used.run_id]
            if others:
                out.append(f"Arm '{label}', seed {seed}, '{t}': {len(others) + 1} finished runs; used the newest "
                           f"finished, {used.run_id}, and ignored " + ", ".join(r.run_id for r in others) + ".")
    return out


def _join(xs) -> str:
    return ",".join(str(x) for x in xs)


def _raise(problems: list[str]) -> None:
    if problems:
        head = "The arms cannot be compared fairly:" if len(problems) > 1 else "The arms cannot be compared fairly: "
        raise AblateError(head + ("\n  - " + "\n  - ".join(problems) if len(problems) > 1 else problems[0]))
