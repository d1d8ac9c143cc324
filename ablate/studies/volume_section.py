"""The volume study's report section: learning curves over intermediate-data volume, and each
multi-task arm vs each single-task arm at the same total number of examples (ablate.studies.sections
holds the other analyses' sections and the shared Section format)."""

from __future__ import annotations

from dataclasses import asdict

import numpy as np

from ablate.studies import figures as figs
from ablate.studies.observations import Row, seed_matrix, task_scores
from ablate.studies.sections import Section, _f, _p


def section_volume(rows: list[Row], options: dict, axes: tuple, alpha: float, compare_at=None) -> Section:
    """Learning curves per arm, and each multi-task arm vs each single-task arm at equal volume.

    A single-task run's volume is the `axis` setting (its one task's examples); a multi-task run's
    is the `total_axis` setting (examples summed over its tasks). ``compare_at(model, reference,
    arm, volume)`` -> (compare lines, note): the pair at that volume from the compare machinery
    (per-example statistics), shown beside the seed-level lines when the runs have what it needs."""
    from ablate.studies.analyses import volume as vo
    from ablate.stats import holm

    sec = Section()
    axis, total_axis = options.get("axis", axes[0] if axes else ""), options.get("total_axis")
    if axis not in axes:
        sec.blocks.append(("p", f"The volume axis '{axis}' is not swept by this grid (axes: {', '.join(axes) or 'none'})."))
        return sec
    i, j = axes.index(axis), axes.index(total_axis) if total_axis in axes else None
    scores = task_scores(rows)
    curves: dict[str, tuple[np.ndarray, list]] = {}
    counted: dict[str, str] = {}  # curve -> what its volume counts
    baseline, unplaced = None, []
    for (arm, model, ax), per in sorted(scores.items(), key=lambda kv: (kv[0][0], kv[0][1], _volume(kv[0][2], i, j) or 0)):
        values = seed_matrix(per, sorted(per)).mean(axis=1)
        volume = _volume(ax, i, j)
        if volume is None:
            if arm == "baseline":
                baseline = values
            else:
                unplaced.append(arm)
            continue
        name = f"{arm} ({model})"
        counted[name] = _counted(arm) if j is not None and ax[i] is None else "one task"
        vols, rows_ = curves.get(name, (np.array([], int), []))
        curves[name] = (np.append(vols, int(volume)), [*rows_, values])
    points, trends = [], []
    for arm, (vols, vals) in list(curves.items()):
        s = min(len(v) for v in vals)
        mat = np.array([v[:s] for v in vals])
        curves[arm] = (vols, mat)
        points += vo.points(arm, vols, mat, alpha)
        t = vo.trend(arm, vols, mat, alpha)
        if t is not None:
            trends.append(t)
    model_of = {c: c.rsplit(" (", 1)[1][:-1] for c in curves}
    pairs = [(m, r) for m in curves if counted[m] != "one task" for r in curves
             if counted[r] == "one task" and model_of[r] == model_of[m]]
    equal = vo.matched(curves, pairs, alpha)
    sec.blocks.append(("h", 2, "Learning curves over intermediate-data volume"))
    sec.blocks.append(("table", ["arm", "examples (0 = all)", "counted", "seeds", "mean", f"{100 * (1 - alpha):g} % CI"],
                       [[p.arm, str(p.volume), counted[p.arm], str(p.seeds), f"{p.mean:.2f}", f"[{p.low:.2f}, {p.high:.2f}]"]
                        for p in points]))
    sec.blocks.append(("table", ["arm", "points per 10× examples", f"{100 * (1 - alpha):g} % CI", "p", "verdict"],
                       [[t.arm, _f(t.slope), f"[{_f(t.low)}, {_f(t.high)}]", _p(t.p), t.verdict] for t in trends]))
    compared = []
    if equal:
        sec.blocks.append(("h", 2, "Multi-task vs one task at the same total number of examples"))
        sec.blocks.append(("p", "Difference = multi-task − single task (points) at each total, Welch t over seed means, "
                                f"Holm over all {len(equal)} (total, pair) lines."))
        sec.blocks.append(("table", ["multi-task", "vs", "examples (total)", "difference", f"{100 * (1 - alpha):g} % CI", "p", "p (Holm)"],
                           [[e.arm, e.reference, str(e.volume), _f(e.difference), f"[{_f(e.low)}, {_f(e.high)}]", _p(e.p), _p(e.p_holm)]
                            for e in equal]))
        if compare_at is not None:
            compared, note = _compared(equal, model_of, compare_at)
            sec.blocks.append(("h", 3, "The same pairs through the compare machinery"))
            if compared:
                tested = [m for m in compared if m["level"] == "overall" and m["p"] is not None]  # refused: no p
                for m, ph in zip(tested, holm(np.array([m["p"] for m in tested])) if tested else []):
                    m["p_holm_totals"] = float(ph)  # the overall Δ is tested once per total: Holm over them
                sec.blocks.append(("table", ["multi-task", "vs", "examples (total)", "level", "task", "Δ", f"{100 * (1 - alpha):g} % CI",
                                             "p", "p (Holm)", "note"],
                                   [[m["treatment"], m["baseline"], str(m["volume"]), m["level"], m["task"] or "all", _f(m["delta"]),
                                     "—" if m["refused"] else f"[{_f(m['low'])}, {_f(m['high'])}]", _p(m["p"]),
                                     _p(m.get("p_holm_totals", m["p_holm"])), m["refused"] or ""] for m in compared]))
            sec.blocks.append(("p", note))
    else:
        sec.blocks.append(("p", "Multi-task vs single task at equal example counts: needs a multi-task arm swept on "
                                f"'{total_axis or 'multitask.total_train_examples'}' at the single task's volumes (spec "
                                "options total_axis, grid task_sets); this grid has none — not reported."))
    seeds = min((p.seeds for p in points), default=0)
    sec.blocks.append(("list", [f"{seeds} seeds per point: the trend test pools all points (N − 2 degrees of freedom); "
                                "single points with few seeds have wide intervals.",
                                "Volume 0 (the whole training set) is shown but left out of the trend (its size differs per task).",
                                "A multi-task run's volume is its total over all its tasks, split equally between them "
                                "(a task with fewer rows gives all it has; the others share the rest).",
                                *(f"{a}: on no volume axis of this grid — left out." for a in dict.fromkeys(unplaced)),
                                *(vo.trend_support(t) for t in trends)]))
    sec.data = {"axis": axis, "total_axis": total_axis, "points": [{**asdict(p), "counted": counted[p.arm]} for p in points],
                "trends": [asdict(t) for t in trends], "equal_volume": [asdict(e) for e in equal],
                "baseline_mean": float(np.mean(baseline)) if baseline is not None else None}
    if compared:
        sec.data["compare"] = compared
    if points:
        sec.figures["learning-curves.png"] = figs.curves(points, sec.data["baseline_mean"])
    sec.summary = [f"{t.arm}: {_f(t.slope)} points per 10× examples [{_f(t.low)}, {_f(t.high)}] — {t.verdict}" for t in trends]
    sec.summary += [f"{e.arm} − {e.reference} at {e.volume} examples: {_f(e.difference)} [{_f(e.low)}, {_f(e.high)}], "
                    f"p (Holm) {_p(e.p_holm)}" for e in equal]
    return sec


def _counted(arm: str) -> str:
    """What a multi-task arm's volume counts: `multitask:mnli-squad` -> "total over 2 tasks"."""
    from ablate.mixing.settings import ALL, PAPER_TASKS

    task_set = arm.split(":", 1)[1]
    return f"total over {len(PAPER_TASKS) if task_set == ALL else len(task_set.split('-'))} tasks"


def _volume(ax: tuple, i: int, j: int | None):
    """A run's volume: the single-task axis, else the multi-task total (None: on neither)."""
    return ax[i] if ax[i] is not None else (ax[j] if j is not None else None)


def _compared(equal, model_of: dict[str, str], compare_at) -> tuple[list[dict], str]:
    """The compare machinery's task and overall lines for every (total, pair) of ``equal``."""
    out, notes = [], []
    for e in equal:
        model = model_of[e.arm]
        lines, note = compare_at(model, e.reference.rsplit(" (", 1)[0], e.arm.rsplit(" (", 1)[0], e.volume)
        out += [{**asdict(m), "volume": e.volume} for m in lines if m.level in ("task", "overall")]
        notes.append(note)
    return out, " ".join(dict.fromkeys(notes))
