"""The reproducibility items a tracked experiment answers (runs, variation, settings, data,
compute, code, commands to reproduce), and the ones only a person can answer."""

from __future__ import annotations

import json
import shlex
from collections import Counter

import numpy as np

from ablate.records import Store

MANUAL_ITEMS = (
    "Limitations: which conclusions could change with more seeds, other models (e.g. XLM-R Large vs the model "
    "used here) or full-size data?",
    "Risks and misuse: could the models or findings cause harm if used outside research?",
    "Licenses: have the licenses of every dataset been confirmed (CCGbank is LDC-licensed; XTREME components "
    "vary), and does redistribution of models/predictions comply?",
    "Hyper-parameter search: what was searched, how many trials, on which split? (Tracked runs record only the "
    "final settings.)",
    "Was the test set used for any decision (model, checkpoint, threshold, task selection)?",
    "Deviations from the paper's protocol (model size, presets, data subsets, MT system) and why.",
    "Compute budget beyond these runs (failed explorations, GPU type and hours) and its environmental cost.",
    "Intermediate-task data sampling (multi-task mixing, subsampling): is it covered by a seed, and was it varied?",
    "Human annotation, consent and personal information: not applicable unless new data were collected — confirm.",
)


def auto_items(store: Store, runs: dict[str, list], n_replicates: int, seed: int) -> list[dict]:
    """[{item, answer (Markdown), data}] filled from the tracked runs."""
    from ablate import languages as L
    from ablate.tasks import get_task

    finished = {a: [r for r in rs if r.finished] for a, rs in runs.items()}
    latest = {a: max(rs, key=lambda r: r.start_time) for a, rs in finished.items() if rs}
    targets = sorted({t for rs in finished.values() for r in rs for t in r.targets})
    phases = {a: _phase_infos(store, r) for a, r in latest.items()}
    items = []

    def add(item: str, answer: str, data=None):
        items.append({"item": item, "answer": answer, "data": data})

    counts = {a: dict(Counter(r.status for r in rs)) for a, rs in runs.items()}
    per_target = {a: {t: sum(t in r.targets for r in rs) for t in targets} for a, rs in runs.items()}
    add("Number of runs (incl. failed)", "; ".join(
        f"{a}: {len(rs)} ({', '.join(f'{v} {k.lower()}' for k, v in counts[a].items())})" for a, rs in runs.items()),
        {"status": counts, "per_target": per_target})
    seeds = {a: sorted({r.seed for r in rs}) for a, rs in finished.items()}
    add("Seeds", "; ".join(f"{a}: {', '.join(map(str, s)) or 'none finished'}" for a, s in seeds.items()), seeds)
    add("Mean, variation and the test used",
        "Mean ± SD over fine-tuning seeds (ddof = 1); variance-components t test (seed spread + test-set "
        "variance over parallel ids for translated test sets, Welch–Satterthwaite df; no p at averaged levels "
        f"with < 4 seeds per arm) with Holm/BH within declared families, P(A>B) from {n_replicates:,} seed "
        f"resamples (seed {seed}) and the seed-level exact permutation test beside it (`ablate compare`).")
    metrics = {t: get_task(t).metric for t in targets}
    add("Metric definitions", "; ".join(f"{t}: {_METRIC_TEXT.get(m, m)}" for t, m in metrics.items())
        + ". Scores ×100; a task is the mean over its languages; XTREME is the mean of the nine task scores.", metrics)
    hyper = {a: {k: v for k, v in r.params.items() if k.split(".")[0] in ("intermediate", "finetune", "retrieval")
                 or k in ("model", "model_revision", "preset", "max_eval_examples", "eval_splits")}
             for a, r in latest.items()}
    hashes = {a: sorted({r.tags.get("config_hash", "?") for r in rs}) for a, rs in finished.items()}
    add("All hyperparameters", "; ".join(f"{a}: " + ", ".join(f"{k}={v}" for k, v in sorted(h.items()))
                                         + f" (config hash {', '.join(hashes[a])})" for a, h in hyper.items()),
        {"params": hyper, "config_hashes": hashes})
    selection = {a: {name: info.get("tags", {}).get("selection") for name, info in ph.items()
                     if info.get("tags", {}).get("selection")} for a, ph in phases.items()}
    add("Checkpoint selection rule", "; ".join(f"{a}: " + ", ".join(f"{k} → {v}" for k, v in s.items())
                                               for a, s in selection.items() if s) or "no training phases", selection)
    dev_test = {a: {t: _dev_test(rs, t) for t in targets} for a, rs in finished.items()}
    add("Dev score next to every test score", "; ".join(
        f"{a} {t}: test {v['test']}, dev {v['dev']}" for a, d in dev_test.items() for t, v in d.items() if v),
        dev_test)
    runtime = {a: [r.runtime_s for r in rs if r.runtime_s is not None] for a, rs in finished.items()}
    phase_rt = {a: {n: i.get("info", {}).get("runtime_s") for n, i in ph.items()} for a, ph in phases.items()}
    total = sum(sum(v) for v in runtime.values())
    add("Runtime per result and total compute", "; ".join(
        f"{a}: {np.mean(v):.0f} s per run (phases of the latest run: "
        + ", ".join(f"{n} {s:.0f} s" for n, s in phase_rt[a].items() if s is not None) + ")"
        for a, v in runtime.items() if v) + f". Total wall-clock of finished runs: {total / 3600:.2f} h.",
        {"runtime_s": runtime, "phases_s": phase_rt, "total_s": total})
    env = {a: _json(store, r.run_id, "environment.json") for a, r in latest.items()}
    devices = {a: sorted({i.get("info", {}).get("device") for i in ph.values() if i.get("info", {}).get("device")})
               for a, ph in phases.items()}
    add("Hardware", "; ".join(f"{a}: {e.get('platform', '?')}, {e.get('cpu_count', '?')} CPUs, GPU "
                              f"{e.get('gpu') or 'none'}, device {', '.join(devices[a]) or '?'}"
                              for a, e in env.items()), {"environment": env, "devices": devices})
    params = {a: sorted({i.get("info", {}).get("parameters") for i in ph.values() if i.get("info", {}).get("parameters")})
              for a, ph in phases.items()}
    add("Parameter count", "; ".join(f"{a}: {', '.join(f'{p:,}' for p in v) or 'not recorded'}"
                                     for a, v in params.items()), params)
    fps = {t: {k.split(".", 2)[2]: sorted({r.tags[k] for rs in finished.values() for r in rs if k in r.tags})
               for k in {k for rs in finished.values() for r in rs for k in r.tags if k.startswith(f"data.{t}.")}}
           for t in targets}
    sizes = {a: {n: {k: i["info"][k] for k in ("train_examples", "dev_examples") if k in i.get("info", {})}
                 for n, i in ph.items() if i.get("info", {}).get("train_examples") is not None}
             for a, ph in phases.items()}
    add("Dataset statistics and fingerprints", "; ".join(
        f"{t} {split}: {', '.join(v)}" + (" (DIFFERENT across runs)" if len(v) > 1 else "")
        for t, d in fps.items() for split, v in sorted(d.items())) + ". Training/dev sizes: " + "; ".join(
        f"{a} {n}: " + ", ".join(f"{k}={v}" for k, v in s.items()) for a, d in sizes.items() for n, s in d.items()),
        {"fingerprints": fps, "sizes": sizes})
    add("Language names", "; ".join(
        f"{t}: " + ", ".join(f"{lang} ({L.NAMES.get(lang, '?')})" for lang in get_task(t).languages) for t in targets))
    sources = {t: sorted({s.describe() for s in get_task(t).evaluation.values()}) for t in targets}
    revisions = {a: r.params.get("dataset_revisions", "{}") for a, r in latest.items()}
    data_source = sorted({r.tags.get("data_source", "?") for rs in finished.values() for r in rs})
    add("Data sources and revisions", f"source {', '.join(data_source)}; " + "; ".join(
        f"{t}: {', '.join(s)}" for t, s in sources.items()) + "; pinned revisions: " + "; ".join(
        f"{a}: {v}" for a, v in revisions.items()), {"sources": sources, "revisions": revisions})
    drops = {a: {n: {k: v for k, v in i.get("info", {}).items() if "drop" in k or "lost" in k or "skipped" in k}
                 for n, i in ph.items()} for a, ph in phases.items()}
    drops = {a: {n: d for n, d in v.items() if d} for a, v in drops.items()}
    add("Preprocessing and drop counts", "; ".join(f"{a} {n}: {d}" for a, v in drops.items() for n, d in v.items())
        or "no drop counts recorded by these phases (training sizes above are after preprocessing)", drops)
    code = {a: sorted({f"{r.tags.get('git_commit', 'unknown')[:12]}{' dirty' if r.tags.get('git_dirty') != 'no' else ''}"
                       for r in rs}) for a, rs in runs.items()}
    pkgs = {a: e.get("packages", {}) for a, e in env.items()}
    add("Code version, dirty flag and environment", "; ".join(f"{a}: {', '.join(v)}" for a, v in code.items())
        + ". Python " + ", ".join(sorted({str(e.get('python')) for e in env.values()})) + "; " + ", ".join(
        f"{k} {v}" for k, v in next(iter(pkgs.values()), {}).items() if v), {"code": code, "packages": pkgs})
    commands = reproduce_commands(latest, seeds, store)
    add("Commands to reproduce each number", "\n".join(f"- `{c}`" for c in commands), commands)
    return items


_METRIC_TEXT = {"accuracy": "accuracy = Σcorrect/Σn", "em_f1": "(EM + F1)/2 from per-question EM and F1 (SQuAD/MLQA scripts)",
                "f1": "F1 = 2Σtp/(Σpred + Σgold) (seqeval spans; BUCC pairs)"}


def reproduce_commands(latest: dict, seeds: dict, store: Store) -> list[str]:
    """Per arm: `ablate rerun` of its latest run and the expanded `ablate run` for all its seeds,
    both from the config the run logged; the comparison command last."""
    from ablate.errors import AblateError
    from ablate.reports.reproduce import run_command, run_config

    where = f"--tracking-uri {shlex.quote(store.uri)} --experiment {shlex.quote(store.experiment)}"
    out = []
    for a, r in latest.items():
        commit = f"at commit {r.tags.get('git_commit', '?')[:12]}"
        try:
            command = run_command(run_config(store, r.run_id, tuple(seeds[a])))
        except AblateError as e:
            out.append(f"{_tag_command(r, seeds[a])}   # APPROXIMATE ({e}) {commit}")
            continue
        out += [f"ablate rerun {r.run_id} {where}   # {a} seed {r.seed}, from its logged config, {commit}",
                f"{command}   # {a}, seeds {','.join(map(str, seeds[a]))}, {commit}"]
    labels = list(latest)
    if len(labels) > 1:
        out.append(f"ablate compare --arms {','.join(labels)} {where}")
    return out


def _tag_command(r, seeds) -> str:
    """The command as far as the run's tags tell it (runs that logged no config.json)."""
    task = r.tags.get("intermediate_task", "none")
    if r.tags.get("recipe") == "multitask":  # its arm names a task set: mnli-squad-hellaswag or all
        arm = ["--tasks", task.replace("-", ",")]
    else:
        arm = ["--task", task] if task != "none" else []
    parts = ["ablate", "run", r.tags.get("recipe", "?")] + arm
    parts += ["--targets", r.tags.get("targets", ""), "--seeds", ",".join(map(str, seeds)),
              "--preset", r.tags.get("preset", "paper"), "--model", r.tags.get("model", "?")]
    if r.tags.get("model_revision"):
        parts += ["--set", f"model_revision={r.tags['model_revision']}"]
    return shlex.join(parts)


def _dev_test(rs, task: str) -> dict:
    from ablate.metric_names import metric_key
    from ablate.tasks import get_task

    m = get_task(task).metric
    vals = {}
    for split, label in (("test", "test"), ("validation", "dev")):
        xs = [r.metrics[metric_key(task, "avg", m, split)] for r in rs if metric_key(task, "avg", m, split) in r.metrics]
        vals[label] = (f"{np.mean(xs):.2f} ± {np.std(xs, ddof=1):.2f}" if len(xs) > 1 else
                       f"{xs[0]:.2f}" if xs else "—")
    return vals if any(v != "—" for v in vals.values()) else {}


def _phase_infos(store: Store, run) -> dict[str, dict]:
    """phase name -> {'info', 'tags'} for one run's phases (phase.json + child tags)."""
    out = {}
    for name, child in run.children.items():
        try:
            info = store.phase_info(run, name).get("info", {})
        except Exception:
            info = {}
        out[name] = {"info": info, "tags": store.run_info(child)["tags"]}
    return out


def _json(store: Store, run_id: str, path: str) -> dict:
    try:
        return json.loads(store.artifact(run_id, path).read_text())
    except Exception:
        return {}


# --- output --------------------------------------------------------------------------------------

