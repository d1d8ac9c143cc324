"""From a study's tidy rows to each analysis's arrays, and from its results to report blocks.

Each `section_<analysis>` returns a Section: document blocks (ablate.reports.render format), the
JSON payload, figures (PNG bytes) and the terminal summary lines. The volume study's section is
in ablate.studies.volume_section.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from ablate.metrics.xtreme_score import CATEGORIES
from ablate.studies import figures as figs
from ablate.studies.observations import MACRO_F1, Row, seed_matrix, task_scores
from ablate.tasks.groups import group_of


@dataclass
class Section:
    blocks: list = field(default_factory=list)
    data: dict = field(default_factory=dict)
    figures: dict[str, bytes] = field(default_factory=dict)
    summary: list[str] = field(default_factory=list)


def category_of(task: str) -> str:
    """XTREME's category; XTREME-R's additions by the XTREME-R paper's categories (LAReQA is
    retrieval there, `_xr` variants as their XTREME task, XCOPA classification first)."""
    from ablate.metrics.xtreme_r_score import CATEGORIES as R_CATEGORIES

    base = task.removesuffix("_xr")
    return next((c for cats in (CATEGORIES, R_CATEGORIES, {"retrieval": ("lareqa",)})
                 for c, members in cats.items() if base in members), "other").replace("tagging", "structured_prediction")


def _f(x, digits: int = 2) -> str:
    return "—" if x is None or not np.isfinite(x) else f"{x:+.{digits}f}"


def _p(x) -> str:
    return "—" if x is None or not np.isfinite(x) else f"{x:.3g}"


def section_gains(rows: list[Row], options: dict, alpha: float, by_group: bool, per_arm=None) -> Section:
    """Granularity (arms grouped by task granularity) or arms (one group per arm) vs baseline.

    ``per_arm(model, arms, tasks)`` -> (compare lines, note): each arm vs the baseline per task and
    overall from the compare machinery (per-example statistics, its calibrated test, Holm
    families), shown beside the group lines when the runs have what it needs."""
    from ablate.studies.analyses import granularity as gr

    sec = Section()
    scores = task_scores(rows)
    for model in sorted({k[1] for k in scores}):
        arm_scores = {k[0]: v for k, v in scores.items() if k[1] == model}
        if "baseline" not in arm_scores:
            sec.blocks.append(("p", f"{model}: no finished baseline runs — gains are measured from the baseline arm, "
                                    "so nothing can be reported for this model."))
            continue
        tasks = [t for t in arm_scores["baseline"] if all(t in v for v in arm_scores.values())]
        mats = {a: seed_matrix(v, tasks) for a, v in arm_scores.items()}
        groups = {a: ((group_of(a.split(":", 1)[1]) or a) if by_group else a) for a in mats if a != "baseline"}
        lines = gr.gains(mats, tasks, "baseline", groups, {t: category_of(t) for t in tasks}, alpha)
        seeds = {a: m.shape[0] for a, m in mats.items()}
        what = "group" if by_group else "arm"
        sec.blocks.append(("h", 2, f"Gain over the baseline per {what} and target category — {model}"))
        sec.blocks.append(("table", [what, "arms", "category", "tasks", "gain", f"{100 * (1 - alpha):g} % CI", "p", "p (Holm)", "verdict"],
                           [[m.group, ", ".join(m.arms), m.category, ", ".join(m.tasks), _f(m.gain), f"[{_f(m.low)}, {_f(m.high)}]",
                             _p(m.p), _p(m.p_holm), m.verdict] for m in lines]))
        statements = gr.support(lines, seeds, alpha)
        sec.blocks.append(("list", statements))
        sec.data[model] = {"lines": [asdict(m) for m in lines], "seeds": seeds, "tasks": tasks, "support": statements}
        sec.figures[f"gains-{_slug(model)}.png"] = figs.gains(lines, f"{model}: gain over baseline (points)", alpha)
        if per_arm is not None:
            compare_lines, note = per_arm(model, ["baseline", *groups], tasks)
            sec.blocks.append(("h", 3, f"Each arm vs the baseline, per task and overall (compare machinery) — {model}"))
            if compare_lines:
                sec.blocks.append(("table", ["arm", "level", "task", "Δ", f"{100 * (1 - alpha):g} % CI", "p", "p (Holm)", "note"],
                                   [[m.treatment, m.level, m.task or "all", _f(m.delta), "—" if m.refused else f"[{_f(m.low)}, {_f(m.high)}]",
                                     _p(m.p), _p(m.p_holm), m.refused or ""] for m in compare_lines]))
                sec.data[model]["compare"] = [asdict(m) for m in compare_lines]
            sec.blocks.append(("p", note))
        sec.summary += [f"{model} {m.group} / {m.category}: {_f(m.gain)} [{_f(m.low)}, {_f(m.high)}] — {m.verdict}" for m in lines]
    return sec


def section_typology(rows: list[Row], options: dict, alpha: float, n_rep: int, rng) -> Section:
    from ablate.studies import uriel
    from ablate.studies.analyses import typology as ty
    from ablate.stats import holm

    sec = Section()
    families = options.get("families", list(uriel.FAMILIES))
    shipped = set(uriel.languages())
    table, lines, scatter = [], [], {}
    arms = sorted({(r.arm, r.model) for r in rows if r.metric == "score"})
    for arm, model in arms:
        mine = [r for r in rows if r.arm == arm and r.model == model and r.metric == "score"]
        for task in sorted({r.task for r in mine}):
            values: dict[str, dict[int, float]] = {}
            for r in mine:
                if r.task == task:
                    values.setdefault(r.lang, {})[r.seed] = r.value
            seeds = sorted(set.intersection(*(set(v) for v in values.values())))
            english = values.get("en")
            langs = [lang for lang in sorted(values) if lang != "en" and lang in shipped]
            if not langs or not seeds:
                continue
            score = np.array([[values[lang][s] for lang in langs] for s in seeds])
            pivot = np.array([english[s] for s in seeds])[:, None] if english else 100.0
            degradation = pivot - score
            for family in families:
                d = np.array([uriel.distance(family, "en", lang) for lang in langs])
                c = ty.correlate(d, degradation, rng, n_rep, n_rep, alpha)
                lines.append({"arm": arm, "model": model, "task": task, "family": family,
                              "degradation": "English − language" if english else "100 − score (no English test set)",
                              **asdict(c), "langs": langs})
                if family == families[0]:
                    scatter[f"{arm} / {task}"] = (langs, d, degradation.mean(axis=0))
    adjusted = holm(np.array([m["p"] if np.isfinite(m["p"]) else 1.0 for m in lines])) if lines else []
    for m, ph in zip(lines, adjusted):
        m["p_holm"] = float(ph)
        table.append([m["arm"], m["model"], m["task"], m["family"], str(m["languages"]), _f(m["rho"]),
                      f"[{_f(m['low'])}, {_f(m['high'])}]", _p(m["p"]), _p(m["p_holm"]), m["verdict"]])
    sec.blocks.append(("h", 2, "Spearman ρ: URIEL distance from English vs zero-shot degradation"))
    sec.blocks.append(("p", "Degradation = English score − language score per seed (retrieval tasks: 100 − score, "
                            "English being the pivot). p: permutation over languages; interval: bootstrap over "
                            f"languages and seeds; Holm over all {len(lines)} lines (exploratory across families)."))
    sec.blocks.append(("table", ["arm", "model", "task", "family", "L", "ρ", f"{100 * (1 - alpha):g} % CI", "p", "p (Holm)", "verdict"], table))
    said: dict[tuple[str, str, str], list[str]] = {}  # (arm, task, statement) -> its families
    for m in lines:
        said.setdefault((m["arm"], m["task"], m["support"]), []).append(m["family"])
    sec.blocks.append(("list", [f"{arm} / {task} ({', '.join(fams) if len(fams) < len(families) else 'every family'}): {text}"
                                for (arm, task, text), fams in said.items()]))
    sec.data = {"lines": lines, "families": families}
    if scatter:
        sec.figures["typology.png"] = figs.scatter(scatter, f"URIEL {families[0]} distance from English")
    sec.summary = [f"{m['arm']} {m['task']} {m['family']}: ρ = {_f(m['rho'])} — {m['verdict']}; {m['support']}" for m in lines
                   if m["family"] == families[0]]
    return sec


def section_size(rows: list[Row], options: dict, models: list[str], alpha: float, n_rep: int, rng) -> Section:
    from ablate.studies.analyses import size

    sec = Section()
    task_a, task_b = options.get("task_a", "mnli"), options.get("task_b", "ccg")
    arm_a, arm_b = f"stilts:{task_a}", f"stilts:{task_b}"
    present = [m for m in models if any(r.model == m for r in rows)]
    out = []
    for metric in ("score", MACRO_F1):
        scores = task_scores(rows, metric)
        if not scores:
            sec.blocks.append(("p", "macro-F1: not logged by these runs (not available yet) — the XTREME metric only."
                               if metric == MACRO_F1 else "No scores."))
            continue
        for small in present[:1]:
            for large in present[1:]:
                cells, missing = {}, []
                for task, arm in ((task_a, arm_a), (task_b, arm_b)):
                    for model in (large, small):
                        per = next((v for k, v in scores.items() if k[0] == arm and k[1] == model), None)
                        if per is None:
                            missing.append(f"{arm} on {model}")
                            continue
                        tasks = sorted(per)
                        cells[(task, model)] = seed_matrix(per, tasks).mean(axis=1)  # average over targets
                if missing or min(len(v) for v in cells.values()) < 2:
                    sec.blocks.append(("p", f"{metric}: {large} vs {small} needs ≥ 2 finished seeds of each of "
                                            f"{arm_a}, {arm_b} on both models; missing: {', '.join(missing) or 'seeds'}."))
                    continue
                res = size.interaction(cells, task_a, task_b, large, small, rng, metric, n_rep, alpha)
                out.append(res)
    sec.blocks.append(("h", 2, f"Task × model size: ({task_a} − {task_b}) on the larger model minus on the smaller"))
    sec.blocks.append(("table", ["metric", "larger", "smaller", f"{task_a}−{task_b} (larger)", f"{task_a}−{task_b} (smaller)",
                                 "DiD", f"{100 * (1 - alpha):g} % CI (t)", "bootstrap CI", "p", "verdict"],
                       [[r.metric, r.large, r.small, _f(r.difference_large), _f(r.difference_small), _f(r.did.estimate),
                         f"[{_f(r.did.low)}, {_f(r.did.high)}]", f"[{_f(r.boot_low)}, {_f(r.boot_high)}]", _p(r.did.p), r.verdict]
                        for r in out]))
    sec.blocks.append(("list", [r.support for r in out]))
    sec.data = {"interactions": [asdict(r) for r in out], "task_a": task_a, "task_b": task_b}
    if out:
        sec.figures["interaction.png"] = figs.interaction(out[0], cells_of(rows, arm_a, arm_b, out[0]))
    sec.summary = [f"{r.metric} {r.large} vs {r.small}: DiD {_f(r.did.estimate)} [{_f(r.did.low)}, {_f(r.did.high)}] — {r.verdict}"
                   for r in out]
    return sec


def cells_of(rows, arm_a, arm_b, res) -> dict[str, list[float]]:
    scores = task_scores(rows, res.metric)
    out = {}
    for arm in (arm_a, arm_b):
        out[arm] = []
        for model in (res.small, res.large):
            per = next(v for k, v in scores.items() if k[0] == arm and k[1] == model)
            out[arm].append(float(seed_matrix(per, sorted(per)).mean()))
    return out


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in text).strip("-")
