"""A "not enough runs" verdict on a claim with a paper figure cites the power planner's answer from
the runs it has: the seeds per arm `ablate power` (reports/power.py) says the paper's figure needs."""

from __future__ import annotations

import pytest

from ablate.records import Store
from ablate.reports import checklist
from ablate.reports import claims as cl
from ablate.reports import compare
from ablate.reports import power as pw
from ablate.stats import components as vc

B = 200


@pytest.fixture(scope="module")
def few_seeds(synthetic_store):
    """baseline vs stilts:mnli with 3 seeds per arm: below the 4 the average level needs for a p."""
    store = Store(synthetic_store[1], "ablate")
    c = checklist.build(store, n_replicates=B)
    return store, c, {r["id"]: r for r in c["claims"]}


def _planner_inputs(store: Store) -> pw.Components:
    """The pilot components of the mnli-gain average, as `ablate power` builds them: one compare per
    split the claim reads (XNLI dev, TyDiQA test-only), the overall level = mean of the task levels."""
    parts = []
    for task, split in (("xnli", "validation"), ("tydiqa", "test")):
        c = compare.run(store, compare.Request(["baseline", "stilts:mnli"], task, None, None, split, B))
        (level,) = [x for x in pw.store_levels(c.numbers, "stilts:mnli", False) if x[0] == "task"]
        assert level[1] == task
        parts.append(c.numbers.moments[("stilts:mnli", task, None)])
    return pw.from_moments(vc.mean_moments(parts))


def test_not_enough_runs_cites_the_seeds_the_planner_needs(few_seeds):
    store, c, by_id = few_seeds
    row = by_id["mnli-gain"]
    assert row["status"] == cl.NOT_ENOUGH and row["paper_figure"] == 7.5
    comps = _planner_inputs(store)
    least = pw.minimum_seeds("overall")
    expected = tuple(pw.seeds_needed(x, 7.5, 0.05, 0.8, least) for x in (comps, *comps.bounds()))
    planner = row["planner"]
    assert (planner["seeds"], planner["low"], planner["high"]) == expected
    assert planner["level"] == "overall" and planner["delta"] == 7.5
    s = expected[0]
    assert s is not None and expected[1] <= s <= expected[2]
    # What the number means: the planned power reaches 0.8 at S seeds and not one seed earlier.
    assert pw.planned_power(comps, 7.5, s) >= 0.8
    assert s == least or pw.planned_power(comps, 7.5, s - 1) < 0.8
    sentence = f"needs ≈ {s} seeds per arm to detect the paper's +7.5 (range {expected[1]}–{expected[2]}"
    assert sentence in row["reason"]
    assert sentence in checklist.markdown(c)
    from rich.console import Console

    console = Console(record=True, width=400)
    checklist.terminal(c, console)
    assert sentence in console.export_text()


def test_verdicts_with_a_p_or_without_a_figure_carry_no_planner_answer(few_seeds):
    _, _, by_id = few_seeds
    assert by_id["best-per-task-test"]["planner"] is None  # has a p: judged, nothing to plan
    assert by_id["xnli-no-benefit"]["status"] == cl.NOT_ENOUGH and by_id["xnli-no-benefit"]["planner"] is None


def test_one_seed_says_the_planner_cannot_estimate(tmp_path):
    from conftest import TYDI_LANGS, XNLI_LANGS, write_arm

    from ablate.tracking import Tracker

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    tracker = Tracker(uri, "ablate")
    langs = {"xnli": XNLI_LANGS, "tydiqa": TYDI_LANGS}
    write_arm(tracker, tmp_path / "art", "baseline", None, 1, {"xnli": 0.50, "tydiqa": 0.4}, langs)
    write_arm(tracker, tmp_path / "art", "stilts", "mnli", 1, {"xnli": 0.62, "tydiqa": 0.4}, langs)
    row = next(r for r in checklist.build(Store(uri, "ablate"), n_replicates=B)["claims"] if r["id"] == "mnli-gain")
    assert row["status"] == cl.NOT_ENOUGH
    assert row["planner"]["seeds"] is None
    assert "cannot say how many seeds the paper's +7.5 needs" in row["reason"]
    assert "at least 2 pilot seeds per arm" in row["reason"]


def test_best_per_task_gives_no_p_where_its_task_tests_are_refused(few_seeds):
    """With 3 seeds per arm the task-level tests are refused, so the post-hoc best-arm claim built
    on them must not report a p (it once did: "reproduced", p = 0.0033)."""
    _, _, by_id = few_seeds
    row = by_id["best-per-task-test"]
    assert row["status"] == cl.NOT_ENOUGH
    assert "too few seeds" in row["reason"]
