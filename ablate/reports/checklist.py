"""`ablate checklist`: the paper's claims judged on the tracked runs, the reproducibility items the
runs answer, and the items only a person can answer (listed open, never auto-answered).

    ablate checklist --experiment ablate --output-dir ablate-runs --out checklist.md

Claims use the same machinery as `ablate compare` (guard rails, the variance-components test); the rules
are in `claims.py`, the comparisons in `judge_claims.py`. Smoke runs (tiny or random model) get a
banner and the verdict "smoke", never "reproduced"/"not reproduced". Output: Markdown + a JSON sidecar, also logged as an MLflow run (kind=report).
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
    from ablate.reports.judge_claims import BUCC_GOLDONLY, bucc_goldonly

    arms = store.arms(model)
    if not arms:
        raise AblateError(f"No tracked runs in experiment '{store.experiment}' ({store.uri}): run a recipe first.")
    labels = [a.label for a in arms]
    runs = {a.label: store.runs(a, model) for a in arms}
    smoke = sorted({why for rs in runs.values() for r in rs if r.finished and (why := cl.is_smoke(r.tags))})
    claim_rows = evaluate_claims(store, runs, model, n_replicates, seed, alpha, smoke, bucc_goldonly(runs))
    return {
        "kind": "ablate.checklist", "experiment": store.experiment, "store": store.uri, "arms": labels,
        "B": n_replicates, "seed": seed, "alpha": alpha, "smoke": smoke,
        "bucc_goldonly": BUCC_GOLDONLY if bucc_goldonly(runs) else None,
        "claims": claim_rows, "auto": auto_items(store, runs, n_replicates, seed), "open": list(MANUAL_ITEMS),
        "source_run_ids": sorted(r.run_id for rs in runs.values() for r in rs),
    }


# --- claims --------------------------------------------------------------------------------------

def evaluate_claims(store: Store, runs: dict[str, list], model, n_replicates: int, seed: int, alpha: float,
                    smoke: list[str] | None = None, bucc_goldonly: bool = False) -> list[dict]:
    """Every claim of `claims.CLAIMS`, with status, measured Δ/CI/p, the paper's figure and the
    split each task contributed. `smoke` (reasons) turns every verdict into "smoke"."""
    from ablate.recipes import available
    from ablate.reports.judge_claims import SPLIT_NAMES, Judge

    built = set(available())
    judge = Judge(store, runs, model, n_replicates, seed, alpha, bucc_goldonly)
    rows = []
    for claim in cl.CLAIMS:
        missing = cl.missing_recipes(claim, built)
        if missing:
            rows.append({"claim": claim, "outcomes": [], "splits": {}, "signature": "",
                         "notes": [f"recipe {', '.join(missing)} is not in this version of ablate (built: "
                                   f"{', '.join(sorted(built))}); the claim is judged once it lands"],
                         "status": cl.NOT_BUILT})
            continue
        outcomes, notes, signature, splits = judge.claim(claim)
        rows.append({"claim": claim, "outcomes": outcomes, "notes": notes, "signature": signature, "splits": splits})
    # One family for the headline (average-gain) claims: Holm over those that could be measured.
    headline = [r for r in rows if r["claim"].rule in ("gain", "best_gain") and r["outcomes"]
                and r["outcomes"][0].p is not None]  # refused (too few seeds): no p to adjust
    if headline:
        from ablate.stats import holm

        for r, ph in zip(headline, holm(np.array([r["outcomes"][0].p for r in headline]))):
            r["outcomes"][0].p_holm = float(ph)
    out = []
    for r in rows:
        claim, outcomes = r["claim"], r["outcomes"]
        status, reason = r.get("status"), "; ".join(r["notes"])
        if status is None:
            status, reason = cl.judge(claim, outcomes, alpha)
            if not outcomes and r["notes"]:
                reason = "; ".join(r["notes"])
            elif r["notes"]:
                reason += " (" + "; ".join(r["notes"]) + ")"
        if smoke and status in (cl.REPRODUCED, cl.NOT_REPRODUCED):
            status, reason = cl.SMOKE, f"{reason} — runs of {'; '.join(smoke)}"
        main = outcomes[0] if len(outcomes) == 1 else None
        out.append({
            "id": claim.id, "claim": claim.text, "source": claim.source, "rule": claim.rule,
            "paper_figure": claim.figure, "split": claim.split, "status": status, "reason": reason,
            "splits": {t: SPLIT_NAMES[s] for t, s in r["splits"].items()},
            "measured": None if main is None else {"delta": main.delta, "low": main.low, "high": main.high,
                                                   "p": main.p, "p_holm": main.p_holm, "note": main.note,
                                                   "words": main.words,
                                                   "figure_in_ci": None if claim.figure is None or smoke else
                                                   bool(main.low <= claim.figure <= main.high)},
            "planner": None if main is None else main.planner,  # seeds needed when "not enough runs"
            "comparisons": [{**vars(o), "words": o.words} for o in outcomes], "notes": r["notes"],
            "signature": r["signature"],
        })
    return out


def _splits_text(splits: dict[str, str]) -> str:
    return ", ".join(f"{t} {s}" for t, s in splits.items()) or "—"


def markdown(c: dict) -> str:
    lines = [f"# Reproduction checklist — experiment `{c['experiment']}`", ""]
    if c.get("smoke"):
        lines += [f"> **SMOKE RUNS — this checklist exercises the machinery and says nothing about the paper.** "
                  f"Tracked runs of {'; '.join(c['smoke'])}. Use runs of the paper's model and preset "
                  "(filter with `--model`) to judge the claims.", ""]
    if c.get("bucc_goldonly"):
        lines += [f"> **BUCC:** {c['bucc_goldonly']}", ""]
    lines += [f"Arms tracked: {', '.join(c['arms'])}. Claims are judged with `ablate compare` "
              f"(B ≥ {c['B']:,}, seed {c['seed']}, α = {c['alpha']}); rules in `ablate/reports/claims.py`. "
              "Each task contributes its dev split where it has one and its test split otherwise (column "
              "'splits').", "",
              "## (a) The paper's claims", "",
              "| claim | paper | measured Δ̂ [CI] | p (Holm) | status | why | splits |",
              "|---|---|---|---|---|---|---|"]
    for r in c["claims"]:
        m = r["measured"]
        paper = "—" if r["paper_figure"] is None else f"+{r['paper_figure']}"
        meas = "—" if m is None else f"{m['words']} [{m['low']:+.2f}, {m['high']:+.2f}]"
        p = ("—" if m is None or m["p"] is None else f"{m['p']:.3g}"  # None: refused, too few seeds
             + (f" ({m['p_holm']:.3g})" if m["p_holm"] is not None else ""))
        if m is not None and m.get("note"):
            p += " post hoc"
        lines.append(f"| {r['claim']} | {paper} | {meas} | {p} | **{r['status']}** | {r['reason']} | "
                     f"{_splits_text(r['splits'])} |")
    detailed = [r for r in c["claims"] if len(r["comparisons"]) > 1]
    if detailed:
        lines += ["", "Every Δ row of the claims above (Δ̂ [CI], p, Holm p within the pair's tasks):", ""]
        for r in detailed:
            lines.append(f"- **{r['id']}**")
            lines += [f"  - {o['scope']}: {o['words']} [{o['low']:+.2f}, {o['high']:+.2f}], p = "
                      + ("— (too few seeds)" if o["p"] is None else f"{o['p']:.3g}")
                      + (f", Holm p = {o['p_holm']:.3g}" if o["p_holm"] is not None else "") for o in r["comparisons"]]
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
    status = Counter(r["status"].split(" —")[0] for r in c["claims"])  # MLflow-safe: "smoke", not the sentence
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

    if c.get("smoke"):
        console.print(f"[bold yellow]SMOKE RUNS ({'; '.join(c['smoke'])}): this checklist exercises the machinery "
                      "and says nothing about the paper.[/]")
    if c.get("bucc_goldonly"):
        console.print(f"[yellow]BUCC: {c['bucc_goldonly']}[/]")
    table = Table(title="Claims (docs/paper.md)")
    for h in ("claim", "paper", "measured Δ̂ [CI]", "status", "splits"):
        table.add_column(h, overflow="fold")
    for r in c["claims"]:
        m = r["measured"]
        table.add_row(r["id"], "—" if r["paper_figure"] is None else f"+{r['paper_figure']}",
                      "—" if m is None or not math.isfinite(m["delta"]) else f"{m['words']} [{m['low']:+.2f}, {m['high']:+.2f}]",
                      r["status"], _splits_text(r["splits"]))
    console.print(table)
    for r in c["claims"]:
        if r.get("planner"):
            console.print(f"{r['id']}: {r['status']} — {r['planner']['text']}")
