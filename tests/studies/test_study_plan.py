"""Study specs, their run matrices, resuming, and bad input — at plan level (nothing trains)."""

from __future__ import annotations

import re

import pytest

from ablate.errors import AblateError
from ablate.studies import matrix, planning, spec
from tests.studies.conftest import main, write_runs


def test_every_shipped_study_loads_and_its_smoke_grid_runs_offline():
    from ablate.models import TINY_MODELS

    assert set(spec.available()) == {"granularity", "multilingual", "size", "volume", "typology", "paper"}
    for name in spec.available():
        s = spec.load(name)
        for preset in ("paper", "smoke"):
            assert matrix.build(s, preset).requests
        assert all(m in TINY_MODELS for m in s.grid("smoke").models)
    assert spec.load("size").grid("smoke").models == ("tiny-xlmr", "tiny-xlmr-2x")  # the size axis offline


@pytest.mark.parametrize("name", ["granularity", "multilingual", "size", "volume", "typology", "paper"])
def test_every_run_of_a_shipped_paper_grid_plans(name):
    # Grids are products; after the multitask, MLM and XTREME-R merges three paper grids held runs
    # `ablate run` refuses (multitask without --tasks, mt-translate into Mewsli-X's pl, XTREME and
    # XTREME-R sets of one task in one run). Planning is pure, so every run is planned here.
    for request in matrix.build(spec.load(name), "paper").requests:
        plan, _ = request.plan()
        assert plan.phases


def test_volume_spec_plans_exactly_its_matrix():
    m = matrix.build(spec.load("volume"), "smoke")
    assert m.axes == ("intermediate.*.max_train_examples", "multitask.total_train_examples")
    got = [(r.recipe, r.arm_task, r.seed, *matrix.axis_values(r, m.axes).values()) for r in m.requests]
    assert got == [("baseline", None, 1, None, None), ("baseline", None, 2, None, None)] + [
        ("stilts", "mnli", seed, n, None) for n in (16, 32, 64) for seed in (1, 2)] + [
        ("multitask", "mnli-squad-hellaswag", seed, None, n) for n in (16, 32, 64) for seed in (1, 2)]
    cfg = m.requests[2].resolve()
    assert cfg.intermediate_settings("mnli").max_train_examples == 16  # the axis reaches the phase settings
    plan, cfg = m.requests[-1].plan()  # the multi-task arm: the total reaches its phase, not a per-task cap
    phase = plan.phase("intermediate:multitask")
    assert phase.settings["total_train_examples"] == 64 and cfg.intermediate_settings("mnli").max_train_examples == 0
    assert m.requests[-1].label.startswith("multitask --tasks mnli,squad,hellaswag ")
    paper = matrix.build(spec.load("volume"), "paper")
    multi = [r for r in paper.requests if r.recipe == "multitask"]
    assert paper.left_out == () and len(paper.requests) == 5 + 25 + 20 and {r.arm_task for r in multi} == {"all"}
    assert sorted({matrix.axis_values(r, paper.axes)["multitask.total_train_examples"] for r in multi}) == [1000, 4000, 16000, 64000]


def test_granularity_groups_expand_into_the_paper_grid():
    m = matrix.build(spec.load("granularity"), "paper")
    tasks = [r.task for r in m.requests if r.seed == 1]
    assert tasks == [None, "ccg", "squad", "squad_v2", "mnli", "qqp", "anli_plus", "hellaswag", "commonsense_qa", "cosmos_qa"]
    assert len(m.requests) == 50 and m.left_out == ()  # XTREME-R's mewslix is available now
    assert all("mewslix" in r.targets for r in m.requests)


def test_plan_resumes_without_redoing_finished_runs(tmp_path):
    m = matrix.build(spec.load("paper"), "smoke")  # baseline, stilts:mnli, stilts:squad x seeds 1, 2
    finished, failed, other = m.requests[:3], m.requests[3], m.requests[4]
    write_runs(tmp_path, list(finished), lambda r, t, lang: 50.0)
    write_runs(tmp_path, [failed], lambda r, t, lang: 50.0, status="FAILED")
    # same recipe, task and seed, but a different learning rate: another run, not this one
    write_runs(tmp_path, [other], lambda r, t, lang: 50.0, param_override={"intermediate.squad.learning_rate": "0.1"})
    p = planning.make(m, {"output_dir": str(tmp_path)})
    assert set(p.done) == set(finished) and p.missing == list(m.requests[3:])
    # 3 missing runs: each has its own phases (no phase store yet), the baseline's fine-tunes are separate
    assert len(p.stored) == 0 and len(p.phases) == p.phase_uses > 0
    code = main("study", "plan", "paper", "--preset", "smoke", "-o", str(tmp_path))
    assert code == 0


def test_shared_phases_are_counted_once():
    m = matrix.build(spec.load("paper"), "paper")
    p = planning.make(m, {"output_dir": "/nonexistent-ablate-store"})
    # XQuAD and MLQA share SQuAD's fine-tune in every run: fewer distinct phases than uses
    assert len(p.phases) < p.phase_uses and not p.done


def _spec_file(tmp_path, text: str):
    path = tmp_path / "mine.toml"
    path.write_text(text)
    return str(path)


GOOD = '''name = "mine"
question = "q?"
analysis = "arms"
[paper]
recipes = ["baseline", "stilts"]
tasks = ["mnli"]
targets = ["xnli"]
models = ["xlm-roberta-large"]
seeds = [1, 2]
[smoke]
recipes = ["baseline", "stilts"]
tasks = ["TASK"]
targets = ["xnli"]
models = ["MODEL"]
seeds = [1]
AXES
'''


@pytest.mark.parametrize("task,model,axes,message", [
    ("mnlii", "tiny-xlmr", "", "unknown task 'mnlii'. Did you mean 'mnli'?"),
    ("mnli", "xlm-roberta-larg", "", "unknown model 'xlm-roberta-larg'. Did you mean 'xlm-roberta-large'?"),
    ("mnli", "tiny-xlmr", 'axes = { "intermediat.*.max_train_examples" = [10] }', "Did you mean 'intermediate'?"),
    ("@pairs", "tiny-xlmr", "", "task group (in Study spec mine.toml [smoke]) '@pairs'. Did you mean '@pair'?"),
])
def test_a_user_spec_naming_unknown_things_fails_clearly(tmp_path, task, model, axes, message):
    path = _spec_file(tmp_path, GOOD.replace("TASK", task).replace("MODEL", model).replace("AXES", axes))
    with pytest.raises(AblateError, match=re.escape(message)):
        spec.load(path)
    assert spec.load(_spec_file(tmp_path, GOOD.replace("TASK", "@pair").replace("MODEL", "tiny-xlmr").replace("AXES", "")))


@pytest.mark.parametrize("edit,message", [
    (('tasks = ["mnli"]\ntargets', 'tasks = []\ntargets'), "recipes stilts train an intermediate task: list 'tasks'"),
    (("AXES", "settings = { finetune = { xnli = { epoks = 1 } } }"), "Did you mean 'epochs'?"),
    (("seeds = [1]", "seeds = [1, 1]"), "'seeds' must be distinct integers"),
    (('analysis = "arms"', 'analysis = "arm"'), "Unknown analysis (in mine.toml) 'arm'. Did you mean 'arms'?"),
])
def test_a_malformed_spec_fails_clearly(tmp_path, edit, message):
    text = GOOD.replace("TASK", "mnli").replace("MODEL", "tiny-xlmr").replace(*edit).replace("AXES", "")
    with pytest.raises(AblateError, match=re.escape(message)):
        spec.load(_spec_file(tmp_path, text))


SMOKE_GRID = 'recipes = ["baseline", "stilts"]\ntasks = ["mnli"]\ntargets = ["xnli"]\nmodels = ["tiny-xlmr"]'


@pytest.mark.parametrize("recipes, sets, axes, message", [
    ('"multitask"', None, "", "recipe multitask trains several tasks at once: list 'task_sets'"),
    ('"multitask"', '[["mnli", "squadd"]]', "", "Did you mean 'squad'?"),
    ('"multitask"', '[["@token"]]', "", "--tasks @token is a single task"),
    ('"multitask"', '["mnli"]', "", "'task_sets' must be a list of task lists"),
    ('"multitask"', '[["mnli", "squad", "ccg"]]', 'axes = { "multitask.total_train_examples" = [3, 2] }',
     "with multitask.total_train_examples = 2: multitask.total_train_examples = 2 is fewer than the 3 tasks"),
    ("", '[["mnli", "squad"]]', "", "'task_sets' are read only by the multitask recipe"),
])
def test_a_specs_multitask_arm_is_checked(tmp_path, recipes, sets, axes, message):
    def text(recipes, sets, axes):
        grid = SMOKE_GRID.replace('"stilts"]', f'"stilts", {recipes}]') if recipes else SMOKE_GRID
        grid = grid.replace("targets", (f"task_sets = {sets}\n" if sets else "") + "targets")
        return GOOD.replace("TASK", "mnli").replace("MODEL", "tiny-xlmr").replace("AXES", axes).replace(SMOKE_GRID, grid)

    with pytest.raises(AblateError, match=re.escape(message)):
        spec.load(_spec_file(tmp_path, text(recipes, sets, axes)))
    good = spec.load(_spec_file(tmp_path, text('"multitask"', '[["@span", "mnli"]]', 'axes = { "multitask.total_train_examples" = [3] }')))
    requests = [r for r in matrix.build(good, "smoke").requests if r.recipe == "multitask"]
    assert [(r.arm_task, r.settings["multitask"]["total_train_examples"]) for r in requests] == [("mnli-squad-squad_v2", 3)]


def test_requires_declares_what_is_not_available_yet(tmp_path, capsys):
    text = GOOD.replace("TASK", "mnli").replace("MODEL", "tiny-xlmr").replace("AXES", "")
    text = text.replace('recipes = ["baseline", "stilts"]\ntasks = ["mnli"]', 'recipes = ["baseline", "stilts", "adapters"]\ntasks = ["mnli"]')
    with pytest.raises(AblateError, match=r"unknown recipe 'adapters'.*requires = \[\"recipe:adapters\"\]"):
        spec.load(_spec_file(tmp_path, text))
    s = spec.load(_spec_file(tmp_path, 'requires = ["recipe:adapters"]\n' + text))
    assert s.unavailable() == ["recipe:adapters"] and matrix.build(s, "paper").left_out == ("recipe:adapters",)
    assert main("study", "plan", _spec_file(tmp_path, 'requires = ["recipe:adapters"]\n' + text), "-o", str(tmp_path)) == 0
    assert "not available yet: recipe:adapters" in capsys.readouterr().out


def test_unknown_study_is_one_line_with_did_you_mean(capsys):
    assert main("study", "plan", "granularty") == 2
    err = capsys.readouterr().err
    assert "Unknown study 'granularty'. Did you mean 'granularity'?" in " ".join(err.split())
    assert "Traceback" not in err


def test_report_before_any_run_names_the_missing_runs_and_the_command(tmp_path, capsys):
    assert main("study", "report", "typology", "--preset", "smoke", "-o", str(tmp_path), "--out", str(tmp_path / "r")) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "No finished runs of study 'typology' (smoke)" in err
    assert "ablate run stilts --task mnli --targets xnli,tatoeba --model tiny-xlmr --seeds 1" in err
    assert f"ablate study run typology --preset smoke -o {tmp_path}" in err
    assert not (tmp_path / "r").exists()  # nothing half-written


def test_settings_a_run_does_not_read_do_not_make_it_another_run(tmp_path):
    # multilingual's smoke grid sets mt.langs = de, fr for every recipe; only mt-translate reads it
    m = matrix.build(spec.load("multilingual"), "smoke")
    other_langs = {"mt.langs": "['de']"}
    write_runs(tmp_path, list(m.requests), lambda r, t, lang: 50.0, param_override=other_langs)
    p = planning.make(m, {"output_dir": str(tmp_path)})
    assert {r.recipe for r in p.done} == {"baseline", "stilts"}  # a stilts run with other mt.langs is the same run
    assert {r.recipe for r in p.missing} == {"mt-translate"}  # it translated other languages: not the same


def test_targets_in_another_order_are_the_same_runs(tmp_path):
    # typology's smoke grid has targets xnli, tatoeba; a user's spec with tatoeba, xnli finds its runs
    m = matrix.build(spec.load("typology"), "smoke")
    write_runs(tmp_path, list(m.requests), lambda r, t, lang: 50.0)
    mine = tmp_path / "mine.toml"
    mine.write_text((spec._specs_dir() / "typology.toml").read_text().replace('["xnli", "tatoeba"]', '["tatoeba", "xnli"]'))
    reordered = matrix.build(spec.load(str(mine)), "smoke")
    assert [r.targets for r in reordered.requests] == [("tatoeba", "xnli")] * 2
    assert len(planning.make(reordered, {"output_dir": str(tmp_path)}).done) == 2
