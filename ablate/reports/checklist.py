"""`ablate checklist`: the paper's claims judged on the tracked runs, the reproducibility items the
runs answer, and the items only a person can answer (listed open, never auto-answered).

    ablate checklist --experiment ablate --output-dir ablate-runs --out checklist.md

Claims use the same machinery as `ablate compare` (guard rails, crossed bootstrap); the rules
are in `claims.py`. Output: Markdown + a JSON sidecar, also logged as an MLflow run (kind=report).
"""

from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path

import numpy as np

from ablate.errors import AblateError
from ablate.records import Store
from ablate.reports import claims as cl
from ablate.reports import compare
from ablate.reports.reproducibility import MANUAL_ITEMS, auto_items

def build(store: Store, model: str | None = None, n_replicates: int = 10_000, seed: int = 12345,
          alpha: float = 0.05) -> dict:
    """The checklist as one JSON-able dict: claims, auto items, open items, provenance."""
    arms = store.arms(model)
    if not arms:
        raise AblateError(f"No tracked runs in experiment '{store.experiment}' ({store.uri}): run a recipe first.")
    labels = [a.label for a in arms]
    runs = {a.label: store.runs(a, model) for a in arms}
    claim_rows = evaluate_claims(store, labels, model, n_replicates, seed, alpha)
    return {
        "kind": "ablate.checklist", "experiment": store.experiment, "store": store.uri, "arms": labels,
        "B": n_replicates, "seed": seed, "alpha": alpha,
        "claims": claim_rows, "auto": auto_items(store, runs, n_replicates, seed), "open": list(MANUAL_ITEMS),
        "source_run_ids": sorted(r.run_id for rs in runs.values() for r in rs),
    }


# --- claims --------------------------------------------------------------------------------------

def evaluate_claims(store: Store, labels: list[str], model, n_replicates: int, seed: int, alpha: float) -> list[dict]:
    """Every claim of `claims.CLAIMS`, with status, measured Δ/CI/p and the paper's figure."""
    rows = []
    for claim in cl.CLAIMS:
        outcomes, notes, signature = _outcomes(store, claim, labels, model, n_replicates, seed, alpha)
        rows.append({"claim": claim, "outcomes": outcomes, "notes": notes, "signature": signature})
    # One family for the headline (average-gain) claims: Holm over those that could be measured.
    headline = [r for r in rows if r["claim"].rule in ("gain", "best_gain") and r["outcomes"]]
    if headline:
        from ablate.stats import holm

        for r, ph in zip(headline, holm(np.array([r["outcomes"][0].p for r in headline]))):
            r["outcomes"][0].p_holm = float(ph)
    out = []
    for r in rows:
        claim, outcomes = r["claim"], r["outcomes"]
        status, reason = cl.judge(claim, outcomes, alpha)
        if not outcomes and r["notes"]:
            reason = "; ".join(r["notes"])
        main = outcomes[0] if len(outcomes) == 1 else None
        out.append({
            "id": claim.id, "claim": claim.text, "source": claim.source, "rule": claim.rule,
            "paper_figure": claim.figure, "split": claim.split, "status": status, "reason": reason,
            "measured": None if main is None else {"delta": main.delta, "low": main.low, "high": main.high,
                                                   "p": main.p, "p_holm": main.p_holm,
                                                   "figure_in_ci": None if claim.figure is None else
                                                   bool(main.low <= claim.figure <= main.high)},
            "comparisons": [vars(o) for o in outcomes], "notes": r["notes"], "signature": r["signature"],
        })
    return out


def _outcomes(store, claim: cl.Claim, labels, model, n_replicates, seed, alpha):
    """(outcomes, notes, signature) for one claim; guard-rail refusals become notes."""
    treatments = [label for label in labels if cl.matches(claim.treatment, label) and label != "baseline"]
    notes: list[str] = []
    targets = ",".join(claim.targets) if claim.targets else None

    def run(arms: list[str]):
        try:
            return compare.run(store, compare.Request(arms, targets, model, None, claim.split, n_replicates,
                                                      seed, alpha), workers=1)
        except AblateError as e:
            notes.append(f"{' vs '.join(reversed(arms))}: " + str(e).replace("\n  - ", " ").replace(":  ", ": "))
            return None

    if claim.rule == "not_beaten":
        pairs = [(b, t) for t in treatments for b in labels
                 if cl.matches(claim.baseline, b) and b.split(":", 1)[-1] == t.split(":", 1)[-1]]
        if not pairs:
            return [], [f"needs arms {claim.treatment} and {claim.baseline} with the same intermediate task"], ""
        found = [(c, c.lines(level="overall")[0]) for c in (run([b, t]) for b, t in pairs) if c is not None]
        return [_outcome(m, "average") for _, m in found], notes, found[0][0].signature if found else ""
    if claim.baseline not in labels or not treatments:
        return [], [f"needs arms {claim.baseline} and {claim.treatment}"], ""
    if claim.rule == "gain":
        c = run([claim.baseline, treatments[0]])
        return ([_outcome(c.lines(level="overall")[0], "average")] if c else []), notes, c.signature if c else ""
    if claim.rule == "best_gain":
        c = run([claim.baseline, *treatments])
        return ([_best_per_task(c, alpha)] if c else []), notes, c.signature if c else ""
    outcomes, signature = [], ""
    for t in treatments:  # most_gain / all_positive / no_gain: one pair at a time (targets may differ)
        c = run([claim.baseline, t])
        if c is not None:
            outcomes += [_outcome(m, m.task) for m in c.lines(level="task")]
            signature = signature or c.signature
    return outcomes, notes, signature


def _outcome(m, scope: str) -> cl.Outcome:
    return cl.Outcome(m.treatment, m.baseline, scope, m.delta, m.low, m.high, m.p, m.p_holm)


def _best_per_task(c, alpha: float) -> cl.Outcome:
    """Mean over tasks of the best arm's task Δ (chosen post hoc by Δ̂: optimistic), same replicates."""
    from ablate.stats import summarize

    best = {t: max(c.lines(level="task", task=t), key=lambda m: m.delta) for t in c.targets}
    reps = np.mean([c.numbers.task_replicates[(m.treatment, t)] for t, m in best.items()], axis=0)
    res = summarize(float(np.mean([m.delta for m in best.values()])), reps, 1 - alpha)
    arms = ",".join(sorted({m.treatment for m in best.values()}))
    return cl.Outcome(arms, c.labels[0], "best per task", res.delta, res.low, res.high, res.p)


def markdown(c: dict) -> str:
    lines = [f"# Reproduction checklist — experiment `{c['experiment']}`", "",
             f"Arms tracked: {', '.join(c['arms'])}. Claims are judged with `ablate compare` "
             f"(B ≥ {c['B']:,}, seed {c['seed']}, α = {c['alpha']}); rules in `ablate/reports/claims.py`.", "",
             "## (a) The paper's claims", "",
             "| claim | paper | measured Δ̂ [CI] | p (Holm) | status | why |", "|---|---|---|---|---|---|"]
    for r in c["claims"]:
        m = r["measured"]
        paper = "—" if r["paper_figure"] is None else f"+{r['paper_figure']}"
        meas = "—" if m is None else f"{m['delta']:+.2f} [{m['low']:+.2f}, {m['high']:+.2f}]"
        p = "—" if m is None else f"{m['p']:.3g}" + (f" ({m['p_holm']:.3g})" if m["p_holm"] is not None else "")
        lines.append(f"| {r['claim']} | {paper} | {meas} | {p} | **{r['status']}** | {r['reason']} ({r['split']}) |")
    lines += ["", "## (b) Filled from the tracked runs", ""]
    for item in c["auto"]:
        lines += [f"### {item['item']}", "", item["answer"], ""]
    lines += ["## (c) Open — to be answered by a person", ""]
    lines += [f"- [ ] {q}" for q in c["open"]]
    if c.get("report_run_id"):
        lines += ["", f"Logged as MLflow run `{c['report_run_id']}` (kind=report)."]
    return "\n".join(lines) + "\n"


def write(c: dict, out: Path) -> dict[str, Path]:
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    md, js = out, out.with_suffix(".json")
    md.write_text(markdown(c), encoding="utf-8")
    js.write_text(json.dumps(compare._clean(c), indent=2, default=str), encoding="utf-8")
    return {"md": md, "json": js}


def log(c: dict, uri: str, experiment: str, files: dict[str, Path]) -> str:
    from ablate.tracking import Tracker

    tracker = Tracker(uri, experiment)
    status = Counter(r["status"] for r in c["claims"])
    with tracker.run("checklist", {"kind": "report", "report": "checklist", "arms": ",".join(c["arms"]),
                                         "B": c["B"], "seed": c["seed"],
                                         "source_run_ids": ",".join(c["source_run_ids"])[:5000]}) as run_id:
        tracker.params(run_id, {"B": c["B"], "seed": c["seed"], "alpha": c["alpha"], "arms": ",".join(c["arms"])})
        tracker.metrics(run_id, {f"claims.{k.replace(' ', '_')}": v for k, v in status.items()})
        c["report_run_id"] = run_id
        files["md"].write_text(markdown(c), encoding="utf-8")
        files["json"].write_text(json.dumps(compare._clean(c), indent=2, default=str), encoding="utf-8")
        tracker.artifacts(run_id, files["md"].parent, [files["md"].name, files["json"].name])
    return run_id


def terminal(c: dict, console) -> None:
    from rich.table import Table

    table = Table(title="Claims (PAPER.md)")
    for h in ("claim", "paper", "measured Δ̂ [CI]", "status"):
        table.add_column(h, overflow="fold")
    for r in c["claims"]:
        m = r["measured"]
        table.add_row(r["id"], "—" if r["paper_figure"] is None else f"+{r['paper_figure']}",
                      "—" if m is None or not math.isfinite(m["delta"]) else f"{m['delta']:+.2f} [{m['low']:+.2f}, {m['high']:+.2f}]",
                      r["status"])
    console.print(table)
