"""The multi-task phase as pure data, and what `ablate plan` says about its sampler.

The phase's settings hold everything its output depends on: the task set (in the paper's order),
the sampler (strategy, cap, temperature), the total number of training examples when one is set
(`multitask.total_train_examples`), each task's own training settings and the loop-level
settings (`intermediate.*`), the model and every task's data spec. Its key therefore changes with
any of them; no target and no recipe name is in it.

The expected steps shown by `ablate plan` come from training sizes known without loading
data: row counts of the shipped fixtures, or the paper's published sizes for Hub and local data
(the run itself weighs the examples it actually loaded and logs the realised schedule).
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from ablate.config import RunConfig
from ablate.errors import AblateError
from ablate.mixing import settings as S
from ablate.mixing.total import split_total
from ablate.tasks.multilingual_tasks import is_multilingual
from ablate.mixing.sampler import TaskSampler, planned_steps
from ablate.phases_plan import data_spec, model_spec
from ablate.plan import Phase
from ablate.tasks import get_task

# Training examples per task as the paper reports them (docs/paper.md; CCG: sentences, unverified).
PAPER_SIZES = {"anli_plus": 1_104_934, "mnli": 392_702, "qqp": 363_846, "squad": 87_599, "squad_v2": 130_319,
               "hellaswag": 39_905, "commonsense_qa": 9_741, "cosmos_qa": 25_262, "ccg": 38_015}


def phase(cfg: RunConfig) -> Phase:
    """Phase 2 of the multitask recipe: one shared encoder trained on every chosen task."""
    tasks = S.tasks_of(cfg)
    if not tasks:
        raise AblateError("Recipe 'multitask' needs --tasks: two or more intermediate tasks, or all "
                          "(e.g. --tasks mnli,squad,hellaswag; see `ablate tasks`).")
    for t in tasks:
        get_task(t, "intermediate")
    mt = cfg.multitask
    settings = {
        "model": model_spec(cfg), "data": {t: data_spec(cfg, t) for t in tasks}, "tasks": list(tasks),
        "sampler": {"strategy": mt["sampling"], "cap": mt["cap"], "temperature": mt["temperature"]},
        "train": asdict(cfg.intermediate_settings("*")),
        "per_task": {t: asdict(cfg.intermediate_settings(t)) for t in tasks},
    }
    if any(is_multilingual(get_task(t)) for t in tasks):  # published multilingual data: English part in or out
        settings["mix"] = cfg.mt["mix"]
    if mt["total_train_examples"] is not None:  # absent otherwise: keys of runs without one stay as they were
        settings["total_train_examples"] = int(mt["total_train_examples"])
    return Phase(name="intermediate:multitask", kind="multitask", task=S.arm_task(tasks), settings=settings,
                 tasks=tasks)


def planning_sizes(cfg: RunConfig, tasks) -> tuple[dict[str, int], str]:
    """(training examples per task, where the numbers come from), without loading any data."""
    if cfg.data == "fixtures":
        sizes, where = {t: fixture_rows(t) for t in tasks}, "rows of the shipped fixtures"
    else:
        sizes, where = {t: PAPER_SIZES.get(t, 0) for t in tasks}, "the paper's training sizes"
    for t in tasks:  # a volume ablation's subsample caps the size
        cap = cfg.intermediate_settings(t).max_train_examples
        if cap:
            sizes[t] = min(sizes[t], cap)
    total = cfg.multitask["total_train_examples"]
    if total is not None and (cfg.data == "fixtures" or sum(sizes.values()) >= total):  # each task's share
        sizes, where = split_total(sizes, int(total)), f"equal shares of {int(total):,} examples over {where}"
    elif total is not None:  # published sizes are approximate (0 where unknown): the loaded data decides
        where += f"; the total of {int(total):,} is split when phase 2 has loaded the data"
    return sizes, where


def fixture_rows(task: str) -> int:
    """Rows of the task's shipped training fixtures (0 where there are none)."""
    from ablate.data.load import FIXTURES, _find_local

    rows = 0
    for src in get_task(task).train:
        if src.hub_id == "local/ccgbank":  # file-only: one row per sentence of the fixture .tsv
            from ablate.data.ccg import FIXTURE_DIR, read_dir

            rows += len(read_dir(FIXTURE_DIR, src.split))
            continue
        path = _find_local(FIXTURES, src)
        if path is not None and path.suffix == ".jsonl":
            rows += sum(1 for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip())
    return rows


def sampler_rows(p: Phase, cfg: RunConfig) -> tuple[str, list[tuple[str, int, float, float, float]], int, str]:
    """(sampler description, rows (task, size, P, expected steps, expected epochs), planned steps,
    where the sizes come from) for a multi-task phase."""
    sizes, where = planning_sizes(cfg, p.tasks)
    sampler_settings = p.settings["sampler"]
    sampler = TaskSampler(sizes, sampler_settings["strategy"], cap=sampler_settings["cap"],
                          temperature=sampler_settings["temperature"])
    per_step = {t: s["batch_size"] * s["grad_accum"] for t, s in p.settings["per_task"].items()}
    loop = p.settings["train"]
    total = planned_steps(sizes, per_step, loop["epochs"], loop["max_steps"])
    expected = sampler.expected_steps(total)
    rows = [(t, sizes[t], sampler.probabilities[t], expected[t],
             expected[t] * per_step[t] / sizes[t] if sizes[t] else 0.0) for t in p.tasks]
    return sampler.describe(), rows, total, where


def sampler_tables(plan, cfg: RunConfig) -> list:
    """A rich Table per multi-task phase of `plan`: P(task) and the expected steps per task."""
    from rich.table import Table

    tables = []
    for p in plan.phases:
        if p.kind != "multitask":
            continue
        described, rows, total, where = sampler_rows(p, cfg)
        table = Table(title=f"{p.name}: sampler {described}, {total} optimizer steps planned "
                            f"(sizes: {where})")
        for col in ("task", "train examples", "P(task)", "expected steps", "expected epochs"):
            table.add_column(col, justify="left" if col == "task" else "right")
        for task, size, prob, steps, epochs in rows:
            table.add_row(task, f"{size:,}", f"{prob:.3f}", f"{steps:,.1f}", f"{epochs:.2f}")
        tables.append(table)
    return tables
