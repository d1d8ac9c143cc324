"""`ablate export xtreme`: one tracked run → XTREME's submission layout, its gold and a manifest.

    OUT/predictions/<task>/test-<lang>.tsv|json   what the run predicted (evaluate.py --prediction_folder)
    OUT/labels/<task>/test-<lang>.tsv|json        the gold it was scored against (--label_folder)
    OUT/bucc2018_candidates/{dev,test}-<lang>.tsv every mined pair: score, source id, English id,
                                                  whether it cleared the threshold (below it too);
                                                  dev-<lang>.gold.tsv: the gold the threshold was fit on
    OUT/manifest.json                             run, evaluation cap, conventions, logged metrics

Everything comes from the run's evaluation children (their `predictions/test/<lang>.parquet`
artifacts, read through `ablate.records`), so the export shows exactly what was scored — with
`max_eval_examples` set, the first N examples of each language, not the full test sets (the
manifest says so). `python evaluate.py --prediction_folder OUT/predictions --label_folder
OUT/labels` then gives the logged numbers, with two conventions to keep in mind: UD-POS's
primary `f1` follows seqeval 0.0.12 (XTREME's version in 2020; under seqeval ≥ 1.0 evaluate.py
gives `f1_seqeval1`), and BUCC from the Hub copy is gold pairs only (`bucc2018_goldonly.*`).
The output directory is written in a temporary sibling and renamed when complete.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from ablate.errors import AblateError
from ablate.export import xtreme_files as files
from ablate.metric_names import logged_task, metric_key
from ablate.metrics.xtreme_score import TASK_LANGUAGES
from ablate.records import Arm, RunRecord, Store
from ablate.tasks import get_task
from ablate.tasks.tagging import SEQEVAL_VERSIONS
from ablate.xtreme import SCORES

SPLIT = "test"  # the split XTREME's evaluate.py scores


def export(store: Store, run_id: str, out: Path) -> dict:
    """Write the export of parent run `run_id` to `out` (must not exist); returns the manifest."""
    run = find_run(store, run_id)
    out = Path(out)
    if out.exists():
        raise AblateError(f"{out} already exists; give a new directory to --out (nothing was written).")
    tasks = [t for t in run.targets if t in TASK_LANGUAGES]
    if not tasks:
        raise AblateError(f"Run {run_id} evaluated none of XTREME's tasks ({', '.join(TASK_LANGUAGES)}); "
                          f"its targets: {', '.join(run.targets) or 'none'}.")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        manifest = _manifest(run, tasks)
        for task in tasks:
            manifest["tasks"][task] = _export_task(store, run, task, tmp)
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return manifest


def find_run(store: Store, run_id: str) -> RunRecord:
    """The parent run `run_id` with its phase children (a phase child's id names its parent)."""
    info = store.run_info(run_id)
    tags = info["tags"]
    if tags.get("kind") != "run":
        parent = tags.get("mlflow.parentRunId")
        hint = f" It is a phase of run {parent}; export that one." if parent else ""
        raise AblateError(f"Run {run_id} is not a recipe run (kind={tags.get('kind', 'none')!r}).{hint}")
    task = tags.get("intermediate_task", "none")
    arm = Arm(tags.get("recipe", "?"), None if task == "none" else task)
    for record in store.runs(arm):
        if record.run_id == run_id:
            if not record.finished:
                raise AblateError(f"Run {run_id} is {record.status}, not FINISHED; only a complete run is exported.")
            return record
    raise AblateError(f"Run {run_id} was not found among the runs of arm '{arm.label}' in experiment "
                      f"'{store.experiment}'.")


def _manifest(run: RunRecord, tasks: list[str]) -> dict:
    return {
        "format": "XTREME evaluate.py layout (google-research/xtreme): predictions/ and labels/",
        "run_id": run.run_id, "recipe": run.arm.label, "seed": run.seed,
        "signature": run.tags.get("signature", ""), "model": run.tags.get("model", ""),
        "preset": run.tags.get("preset", ""), "split": SPLIT,
        "score": "python evaluate.py --prediction_folder predictions --label_folder labels",
        "logged_scores": {k: run.metrics[k] for k in SCORES if k in run.metrics},
        "tasks": {},
    }


def _export_task(store: Store, run: RunRecord, task: str, root: Path) -> dict:
    spec = get_task(task, "target")
    phase = next((p for p in (f"evaluate:{task}", f"retrieve:{task}") if p in run.children), None)
    if phase is None:
        raise AblateError(f"Run {run.run_id} has no evaluation phase for '{task}'.")
    child = run.children[phase]
    info = json.loads(store.artifact(child, "phase.json").read_text())["info"]
    languages = [lang for lang in info["languages"] if lang in TASK_LANGUAGES[task]]
    name = logged_task(task, run.metrics)
    cap = int(run.params.get("max_eval_examples", 0))  # the run's resolved config (0 = no cap)
    entry = {
        "phase_run_id": child, "metric_name": name, "languages": languages,
        "max_eval_examples": cap or None,
        "cap": f"the first {cap} examples of each language" if cap else "none: the full test set of each language",
        "examples": {}, "logged": {},
        "missing_languages": [lang for lang in TASK_LANGUAGES[task] if lang not in languages],
    }
    if task in SEQEVAL_VERSIONS:
        entry["seqeval"] = {"f1": SEQEVAL_VERSIONS[task][0], "f1_seqeval1": SEQEVAL_VERSIONS[task][1]}
    if task == "bucc2018":
        entry["corpus"] = store.run_info(child)["tags"].get("bucc2018.corpus", "")
        if name != task:
            entry["warning"] = ("gold pairs only (google/xtreme's Hub copy, no distractor sentences): far easier "
                                "than BUCC 2018 and not comparable to published BUCC numbers")
        entry["thresholds"] = {}
    for lang in languages:
        table = _table(store, child, f"predictions/{SPLIT}/{lang}.parquet")
        predicted, gold = _task_files(task, spec, table, lang)
        for folder, text in (("predictions", predicted), ("labels", gold)):
            path = root / folder / task / f"test-{lang}.{files.suffix(task)}"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        entry["examples"][lang] = len(table["id"])
        entry["logged"][lang] = {m: run.metrics[metric_key(name, lang, m)]
                                 for m in _logged_metrics(run, name, lang)}
        if task == "bucc2018":
            entry["thresholds"][lang] = _bucc_candidates(store, child, lang, root)
    return entry


def _task_files(task: str, spec, table: dict, lang: str) -> tuple[str, str]:
    kind = files.KINDS[task]
    if kind == "label":
        names = spec.label_names if task != "tatoeba" else ()
        as_text = (lambda v: names[int(v)]) if names else str
        return (files.label_lines([as_text(v) for v in table["prediction"]]),
                files.label_lines([as_text(v) for v in table["gold"]]))
    if kind == "tags":
        return files.tag_lines(table["prediction"]), files.tag_lines(table["gold"])
    if kind == "pairs":
        def pairs(column):
            return [(s, t) for s, targets in zip(table["source_id"], table[column]) for t in targets]
        return files.pair_lines(pairs("prediction")), files.pair_lines(pairs("gold"))
    golds = [json.loads(g) for g in table["gold"]]
    # ablate prefixes ids with the language; XTREME's files use the dataset's own question ids
    ids = [i[len(lang) + 1:] if i.startswith(f"{lang}:") else i for i in table["id"]]
    return files.squad_predictions(ids, table["prediction"]), files.squad_labels(ids, golds)


def _bucc_candidates(store: Store, child: str, lang: str, root: Path) -> float | None:
    """Every mined pair of both splits with its margin score; returns the threshold used."""
    details = json.loads(store.artifact(child, "details.json").read_text()).get(lang, {})
    for split in ("validation", SPLIT):
        try:
            table = _table(store, child, f"candidates/{split}/{lang}.parquet")
        except AblateError:
            raise AblateError(f"The BUCC phase {child} kept no candidate scores (it was built by an older "
                              "ablate); rerun it to export them.") from None
        lines = "".join(f"{score!r}\t{s}\t{t}\t{int(p)}\n" for score, s, t, p in
                        zip(table["score"], table["source_id"], table["target_id"], table["predicted"]))
        path = root / "bucc2018_candidates" / f"{'dev' if split == 'validation' else split}-{lang}.tsv"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("score\tsource_id\ten_id\tabove_threshold\n" + lines, encoding="utf-8")
    dev = _table(store, child, f"predictions/validation/{lang}.parquet")  # to re-choose the threshold
    gold = [(s, t) for s, targets in zip(dev["source_id"], dev["gold"]) for t in targets]
    (root / "bucc2018_candidates" / f"dev-{lang}.gold.tsv").write_text(files.pair_lines(gold), encoding="utf-8")
    return details.get("threshold")


def _logged_metrics(run: RunRecord, name: str, lang: str) -> list[str]:
    prefix = metric_key(name, lang, "")
    return sorted(k[len(prefix):] for k in run.metrics if k.startswith(prefix) and "." not in k[len(prefix):])


def _table(store: Store, child: str, path: str) -> dict:
    import pyarrow.parquet as pq

    try:
        local = store.artifact(child, path)
    except Exception as e:  # MLflow raises its own error types for a missing artifact
        raise AblateError(f"Phase run {child} has no artifact {path}.") from e
    return pq.read_table(local).to_pydict()
