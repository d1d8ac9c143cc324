"""A multi-task run at a matched total number of examples (`multitask.total_train_examples`) and
task groups in --tasks: the split, the rows each task keeps, the key, the signature, the plan, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from ablate.config import resolve
from ablate.errors import AblateError
from ablate.mixing.total import split_total
from ablate.recipes import load


def _plan(**layer):
    cfg = resolve("smoke", None, {"recipe": "multitask", "targets": "xnli", **layer})
    return cfg, load("multitask").plan(cfg)


def test_equal_shares_with_remainders_in_order_and_caps_passed_on():
    assert split_total({"mnli": 96, "qqp": 96, "squad": 96}, 50) == {"mnli": 17, "qqp": 17, "squad": 16}
    # a task with fewer rows than its share gives them all; the others share what it could not take
    assert split_total({"mnli": 1000, "ccg": 3, "squad": 1000}, 100) == {"mnli": 49, "ccg": 3, "squad": 48}
    rng = np.random.default_rng(0)
    for _ in range(200):
        sizes = {f"t{i}": int(n) for i, n in enumerate(rng.integers(1, 60, rng.integers(2, 9)))}
        total = int(rng.integers(len(sizes), sum(sizes.values()) + 1))
        shares = split_total(sizes, total)
        assert sum(shares.values()) == total and all(0 < shares[t] <= sizes[t] for t in sizes)
        uncapped = [shares[t] for t in sizes if shares[t] < sizes[t]]
        assert not uncapped or max(uncapped) - min(uncapped) <= 1  # equal up to the remainder
    with pytest.raises(AblateError, match="more than the 5 training examples"):
        split_total({"a": 2, "b": 3}, 6)


def test_each_task_keeps_its_share_the_same_rows_for_every_seed_stratified():
    from ablate.mixing.phase import build
    from ablate.models import resolve_model

    cfg, plan = _plan(multitask={"tasks": "mnli,qqp,squad", "total_train_examples": 50})
    p = plan.phase("intermediate:multitask")
    path = resolve_model(cfg.model, None)
    built = [build(cfg, p.tasks, p.settings["per_task"], seed, path, None, total=50) for seed in (1, 2, 1)]
    sizes = [{o.name: o.size for o in b.objectives} for b in built]
    assert sizes[0] == {"mnli": 17, "qqp": 17, "squad": 16} and sum(sizes[0].values()) == 50
    digests = [[r["digest"] for r in b.records if r["context"] == "train"] for b in built]
    assert digests[0] == digests[1] == digests[2]  # the data does not vary with the seed (as for one task)
    from ablate.data.load import load_task_split
    from ablate.data.subsample import subsample_rows
    from ablate.phases.train import SELECTION_SEED
    from ablate.tasks import get_task

    full = load_task_split(get_task("mnli"), "train", cfg)
    kept = subsample_rows(full, "classification", 17, SELECTION_SEED)
    want = np.bincount(full["label"], minlength=3) * 17 / len(full)
    assert len(kept) == 17 and np.all(np.abs(np.bincount(kept["label"], minlength=3) - want) < 1)  # label shares kept


def test_the_total_is_in_the_key_the_signature_and_the_plan_rows(cli, tmp_path):
    from ablate.execute import signature
    from ablate.keys import KeyMaker

    def key(**mt):
        cfg, plan = _plan(multitask={"tasks": "mnli,qqp", **mt})
        return KeyMaker(cfg).plan_keys(plan, 1)["intermediate:multitask"][0], str(signature(plan, cfg, 1))

    (off, sig_off), (k32, sig32), (k64, _) = key(), key(total_train_examples=32), key(total_train_examples=64)
    assert len({off, k32, k64}) == 3
    assert "|ntotal:32|" in sig32 and "ntotal" not in sig_off
    r = cli("plan", "multitask", "--tasks", "@pair,squad", "--set", "multitask.total_train_examples=50",
            "--targets", "xnli", "--preset", "smoke", "-o", str(tmp_path))
    assert r.code == 0, r.err
    rows = {line.split("│")[1].strip(): int(line.split("│")[2]) for line in r.out.splitlines()
            if line.count("│") == 6 and line.split("│")[1].strip() in ("anli_plus", "mnli", "qqp", "squad")}
    assert rows == {"anli_plus": 13, "mnli": 13, "qqp": 12, "squad": 12}  # @pair = anli_plus, mnli, qqp
    assert "equal shares of 50 examples" in " ".join(r.out.split())


def test_groups_in_tasks_expand_like_names():
    _, plan = _plan(multitask={"tasks": "@span,hellaswag"})
    assert plan.phase("intermediate:multitask").tasks == ("squad", "squad_v2", "hellaswag")
    assert _plan(multitask={"tasks": "@pair,mnli"})[1].phase("intermediate:multitask").tasks == ("anli_plus", "mnli", "qqp")


@pytest.mark.parametrize("args, message", [
    (["--tasks", "@pairs"], "Unknown task group in --tasks '@pairs'. Did you mean '@pair'?"),
    (["--tasks", "@token"], "--tasks @token is a single task (@token is ccg): that is stilts"),
    (["--tasks", "mnli,qqp,squad", "--set", "multitask.total_train_examples=2"], "is fewer than the 3 tasks"),
    (["--tasks", "mnli,qqp", "--set", "multitask.total_train_examples=-5"], "must be an integer >= 1"),
    (["--tasks", "mnli,qqp", "--set", "multitask.total_train_examples=500"], "more than the 192 training examples"),
    (["--task", "mnli", "--set", "multitask.total_train_examples=50"], "recipe 'stilts' would ignore it"),
])
def test_bad_totals_and_groups_are_one_line(args, message, cli, tmp_path):
    recipe = "stilts" if "--task" in args else "multitask"
    r = cli("plan", recipe, *args, "--targets", "xnli", "--preset", "smoke", "-o", str(tmp_path / "out"))
    assert r.code == 2 and r.out == "" and len(r.err.strip().splitlines()) == 1, (r.code, r.out, r.err)
    assert message in r.err and not (tmp_path / "out").exists()
