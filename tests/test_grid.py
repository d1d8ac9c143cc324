"""ablate.grid: a grid expands into one request per (recipe, task, model, seed); each plans like `ablate run`."""

from ablate.grid import RunRequest, expand


def test_expand_multiplies_axes_but_not_baseline_by_tasks():
    runs = expand(["baseline", "stilts"], ["mnli", "squad"], ["xnli"], [1, 2], models=["tiny-xlmr", None])
    baseline = [r for r in runs if r.recipe == "baseline"]
    stilts = [r for r in runs if r.recipe == "stilts"]
    assert len(baseline) == 2 * 2 and {r.task for r in baseline} == {None}
    assert len(stilts) == 2 * 2 * 2
    assert {(r.task, r.seed, r.model) for r in stilts} == {
        (t, s, m) for t in ("mnli", "squad") for s in (1, 2) for m in ("tiny-xlmr", None)}
    assert len(set(runs)) == len(runs) == 12


def test_request_plans_what_ablate_run_would():
    req = RunRequest("stilts", "mnli", ("xnli", "pawsx"), 3, preset="smoke",
                     settings={"intermediate": {"*": {"max_train_examples": 64}}})
    plan, cfg = req.plan({"output_dir": "/tmp/x"})
    assert cfg.seeds == (3,) and cfg.task == "mnli" and cfg.output_dir == "/tmp/x"
    assert cfg.intermediate_settings("mnli").max_train_examples == 64
    assert [p.name for p in plan.order()] == ["intermediate:mnli", "finetune:xnli", "evaluate:xnli",
                                              "finetune:pawsx", "evaluate:pawsx"]
    assert req.label == "stilts --task mnli --targets xnli,pawsx --seeds 3"
