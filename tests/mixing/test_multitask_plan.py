"""Planning the multitask recipe: pure, keyed by the task set and the sampler, shown by `ablate plan`."""

from __future__ import annotations

import pytest

from ablate.config import resolve
from ablate.recipes import load


def _plan(**layer):
    cfg = resolve("smoke", None, {"recipe": "multitask", "targets": "xnli", **layer})
    return cfg, load("multitask").plan(cfg)


def _phase2_key(**layer) -> str:
    from ablate.keys import KeyMaker

    cfg, plan = _plan(**layer)
    return KeyMaker(cfg).plan_keys(plan, 1)["intermediate:multitask"][0]


def test_the_plan_hands_the_shared_encoder_to_every_target():
    _, plan = _plan(multitask={"tasks": "hellaswag,mnli,squad"}, targets="xnli,tatoeba")
    phase2 = plan.phase("intermediate:multitask")
    assert phase2.kind == "multitask" and phase2.tasks == ("mnli", "squad", "hellaswag")  # the paper's order
    assert phase2.task == "mnli-squad-hellaswag"
    assert plan.phase("finetune:xnli").inputs == plan.phase("retrieve:tatoeba").inputs == (phase2.name,)
    per_task = phase2.settings["per_task"]
    assert per_task["squad"]["max_seq_length"] == per_task["mnli"]["max_seq_length"] == 64  # smoke
    paper_cfg = resolve(None, None, {"recipe": "multitask", "multitask": {"tasks": "mnli,squad"}})
    per_task = load("multitask").plan(paper_cfg).phase("intermediate:multitask").settings["per_task"]
    assert per_task["squad"]["max_seq_length"] == 384 and per_task["mnli"]["max_seq_length"] == 256


def test_all_means_the_papers_nine_tasks():
    from ablate.mixing.settings import PAPER_TASKS
    from ablate.run_summary import _title

    cfg, plan = _plan(multitask={"tasks": "all"})
    phase2 = plan.phase("intermediate:multitask")
    assert phase2.tasks == PAPER_TASKS and len(PAPER_TASKS) == 9 and phase2.task == "all"
    assert _title(plan, cfg) == "multitask --tasks all"  # the run's title, not the nine names
    cfg, plan = _plan(multitask={"tasks": "squad,mnli"})
    assert _title(plan, cfg) == "multitask --tasks mnli,squad"


def test_phase_key_follows_the_task_set_and_the_sampler_not_the_flag_order():
    base = _phase2_key(multitask={"tasks": "mnli,squad"})
    assert _phase2_key(multitask={"tasks": "squad,mnli"}) == base
    changed = [
        _phase2_key(multitask={"tasks": "mnli,squad,hellaswag"}),
        _phase2_key(multitask={"tasks": "mnli,squad", "sampling": "uniform"}),
        _phase2_key(multitask={"tasks": "mnli,squad", "sampling": "temperature", "temperature": 2}),
        _phase2_key(multitask={"tasks": "mnli,squad", "sampling": "temperature", "temperature": 3}),
        _phase2_key(multitask={"tasks": "mnli,squad", "sampling": "capped", "cap": 10}),
        _phase2_key(multitask={"tasks": "mnli,squad"}, intermediate={"squad": {"max_seq_length": 96}}),
        _phase2_key(multitask={"tasks": "mnli,squad"}, intermediate={"*": {"learning_rate": 1e-4}}),
    ]
    assert len({base, *changed}) == len(changed) + 1
    # the targets are not in phase 2's key: every target and later recipe reuses the encoder
    assert _phase2_key(multitask={"tasks": "mnli,squad"}, targets="pawsx") == base


def test_config_file_takes_the_task_set(tmp_path):
    path = tmp_path / "mt.yaml"
    path.write_text("multitask:\n  tasks: [squad, mnli]\n  sampling: capped\n  cap: 50\n")
    cfg = resolve("smoke", path, {"recipe": "multitask"})
    assert cfg.multitask["tasks"] == ["squad", "mnli"] and cfg.multitask["cap"] == 50
    assert load("multitask").plan(cfg).phase("intermediate:multitask").settings["sampler"] == {
        "strategy": "capped", "cap": 50, "temperature": None}


def test_plan_shows_sampler_probabilities_and_expected_steps():
    from ablate.mixing.planning import planning_sizes, sampler_rows

    cfg, plan = _plan(multitask={"tasks": "mnli,squad,ccg", "sampling": "temperature", "temperature": 2},
                      intermediate={"*": {"max_steps": 0, "epochs": 2}})
    sizes, where = planning_sizes(cfg, ("mnli", "squad", "ccg"))
    assert where == "rows of the shipped fixtures" and all(n > 0 for n in sizes.values())
    described, rows, total, _ = sampler_rows(plan.phase("intermediate:multitask"), cfg)
    weights = {t: n ** 0.5 for t, n in sizes.items()}
    assert described == "temperature(T=2)"
    assert total == sum(-(-2 * n // 8) for n in sizes.values())  # ceil(epochs * n / (batch 8 x accum 1))
    for task, size, p, steps, epochs in rows:
        assert size == sizes[task]
        assert p == pytest.approx(weights[task] / sum(weights.values()))
        assert steps == pytest.approx(p * total) and epochs == pytest.approx(steps * 8 / size)


def test_plan_command_prints_the_sampler_table(tmp_path, capsys):
    from ablate.cli import main

    main(["plan", "multitask", "--tasks", "mnli,squad", "--sampling", "capped", "--cap", "50", "--targets", "xnli",
          "--preset", "smoke", "-o", str(tmp_path)])
    out = capsys.readouterr().out
    assert "sampler capped(cap=50)" in out and "expected steps" in out and "P(task)" in out
    assert not (tmp_path / "phases").exists()  # planning builds nothing


def test_planning_imports_no_torch():
    import subprocess
    import sys

    code = ("import sys; from ablate.config import resolve; from ablate.recipes import load; "
            "from ablate.mixing.planning import sampler_tables; "
            "cfg = resolve('paper', None, {'recipe': 'multitask', 'multitask': {'tasks': 'all'}}); "
            "sampler_tables(load('multitask').plan(cfg), cfg); print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_approximate_rerun_command_names_the_task_set():
    """A run without its config.json is re-run from its tags: the arm's task set becomes --tasks."""
    from types import SimpleNamespace

    from ablate.reports.reproducibility import _tag_command

    tags = {"recipe": "multitask", "intermediate_task": "mnli-squad", "targets": "xnli", "preset": "smoke",
            "model": "tiny-xlmr"}
    command = _tag_command(SimpleNamespace(tags=tags), [1, 2])
    assert "--tasks mnli,squad" in command and "--task " not in command
    _, plan = _plan(multitask={"tasks": "mnli,squad"})
    assert plan.phase("intermediate:multitask").task == tags["intermediate_task"]  # the same arm again


def test_a_published_multilingual_task_keys_its_english_part_like_stilts():
    # Without `mix` in the phase, a multitask run over xnli_translate_train trained on English +
    # translations whatever --mt-mix said, under one key.
    _, plan = _plan(multitask={"tasks": "mnli,xnli_translate_train"})
    assert plan.phase("intermediate:multitask").settings["mix"] == "translated"  # stilts' default
    _, english_only = _plan(multitask={"tasks": "mnli,squad"})
    assert "mix" not in english_only.phase("intermediate:multitask").settings
    assert (_phase2_key(multitask={"tasks": "mnli,xnli_translate_train"})
            != _phase2_key(multitask={"tasks": "mnli,xnli_translate_train"}, mt={"mix": "en+translated"}))


@pytest.mark.parametrize("tasks, code", [("mnli,xnli_translate_train", 0), ("mnli,squad", 2)])
def test_mt_mix_is_taken_only_where_a_multitask_set_has_multilingual_data(tasks, code, cli, tmp_path):
    r = cli("plan", "multitask", "--tasks", tasks, "--mt-mix", "en+translated", "--targets", "xnli",
            "--preset", "smoke", "-o", str(tmp_path / "out"))
    assert r.code == code, r.err
    if code:
        assert "would ignore it: drop it" in r.err and len(r.err.strip().splitlines()) == 1
