"""`ablate plan stilts-mlm` and the --mlm-* flags: what the plan says, and bad input in one line."""

from __future__ import annotations

import pytest

SMOKE = ("--task", "mnli", "--targets", "xnli", "--preset", "smoke")


def test_plan_shows_languages_shares_budget_and_ratio(cli, tmp_path):
    res = cli("plan", "stilts-mlm", *SMOKE, "--mlm-langs", "de,sw,hi", "--mlm-ratio", "0.25", "-o", str(tmp_path))
    assert res.code == 0, res.err
    out = " ".join(res.out.split())
    assert "intermediate-mlm:mnli" in out and "finetune:xnli" in out
    assert "P(mlm) = 0.25, P(mnli) = 0.75" in out
    assert "budget 6,000 tokens, α = 0.3" in out
    from ablate.config import resolve
    from ablate.mlm import corpus
    from ablate.mlm.sampling import smoothed_shares, split_budget

    cfg = resolve("smoke", None, {"mlm": {"langs": "de,sw,hi"}})
    shares = smoothed_shares(corpus.sizes(corpus.sources(cfg, ["de", "sw", "hi"])), 0.3)
    budget = split_budget(shares, 6000)
    for lang in ("de", "sw", "hi"):
        assert f"{lang} {shares[lang]:.3f} {budget[lang]:,}" in out


@pytest.mark.parametrize("max_steps", [0, 5])
def test_plan_shows_the_expected_steps_per_objective(cli, tmp_path, max_steps):
    """The task keeps the steps single-task stilts gives it (epochs x rows / examples per step);
    MLM adds ratio / (1 - ratio) times as many; max_steps caps the total."""
    import math

    from ablate.config import resolve
    from ablate.data.load import load_raw
    from ablate.tasks import get_task

    res = cli("plan", "stilts-mlm", *SMOKE, "--mlm-ratio", "0.25", "--set", f"intermediate.mnli.max_steps={max_steps}",
              "-o", str(tmp_path))
    assert res.code == 0, res.err
    cfg = resolve("smoke")
    rows = sum(len(load_raw(src, cfg)) for src in get_task("mnli").train)  # the rows the run loads
    s = cfg.intermediate_settings("mnli")
    total = math.ceil(math.ceil(s.epochs * rows / (s.batch_size * s.grad_accum)) / 0.75)
    total = min(total, max_steps) if max_steps else total
    out = " ".join(res.out.split())
    assert f"Expected optimizer steps: mnli {0.75 * total:.1f}, mlm {0.25 * total:.1f} of {total} ({rows} fixture" in out


@pytest.mark.parametrize("task_steps, ratio, cap, total", [(12, 0.9, 0, 120), (12, 0.25, 0, 16), (3, 0.5, 0, 6),
                                                          (10, 0.3, 0, 15), (12, 0.9, 50, 50)])
def test_total_steps_gives_the_task_its_stilts_steps(task_steps, ratio, cap, total):
    from ablate.mlm.planning import total_steps

    assert total_steps(task_steps, ratio, cap) == total  # not one more from float rounding (12 / 0.1)


def test_plan_on_the_hub_says_shares_come_at_run_time(cli, tmp_path):
    res = cli("plan", "stilts-mlm", "--task", "squad", "--targets", "xquad", "--mlm-corpus", "wikimedia/wikipedia",
              "--mlm-ratio", "0.5", "-o", str(tmp_path))
    assert res.code == 0, res.err
    out = " ".join(res.out.split())
    assert "MLM corpus wikimedia/wikipedia (Hub)" in out and "from the Hub sizes, at run time" in out
    assert "MLM corpus wikimedia/wikipedia has no pinned revision" in out
    # no size before the data is loaded: the rule, with MLM's 1:1 step ratio at --mlm-ratio 0.5
    assert "Expected optimizer steps: squad as many as stilts gives it" in out and "mlm 1 × that" in out


@pytest.mark.parametrize("flags, message", [
    (("--mlm-ratio", "1.5"), "--mlm-ratio must be a number strictly between 0 and 1"),
    (("--mlm-ratio", "0"), "--mlm-ratio must be a number strictly between 0 and 1"),
    (("--mlm-langs", "xnil"), "Unknown MLM language (or target task) 'xnil'. Did you mean 'xnli'?"),
    (("--mlm-langs", "de,gr"), "Unknown MLM language (or target task) 'gr'."),
    (("--mlm-corpus", "nosuch-org/corpus"), "MLM corpus 'nosuch-org/corpus' (config 20231101.ar) cannot be reached"),
])
@pytest.mark.parametrize("command", ["plan", "run"])
def test_bad_input_is_one_line_exit_2_and_leaves_nothing(cli, tmp_path, command, flags, message):
    out = tmp_path / "out"
    res = cli(command, "stilts-mlm", *SMOKE, *flags, "-o", str(out))
    assert res.code == 2
    line = " ".join(res.err.split())
    assert res.err.count("error:") == 1 and message in line and "Traceback" not in res.err
    assert not out.exists()


def test_mlm_language_with_no_text(cli, tmp_path):
    text = tmp_path / "text"
    text.mkdir()
    (text / "de.txt").write_text("eins zwei drei\n", encoding="utf-8")
    res = cli("run", "stilts-mlm", *SMOKE, "--mlm-corpus", str(text), "--mlm-langs", "de,sw", "-o", str(tmp_path / "o"))
    assert res.code == 2
    assert "MLM language 'sw' has no text" in " ".join(res.err.split()) and not (tmp_path / "o").exists()


@pytest.mark.parametrize("mlm_flags", [
    ("--mlm-langs", "de,sw", "--mlm-ratio", "0.25", "--set", "mlm.alpha=0.5", "--set", "mlm.revision=abc123"),
    ("--mlm-langs", "pawsx", "--set", "mlm.budget=1000"),
    ("--mlm-langs", "sw",),
])
def test_the_reproduce_command_carries_the_mlm_settings(monkeypatch, mlm_flags):
    import shlex

    import ablate.cli as cli
    from ablate.reports.reproduce import run_command

    seen = []
    monkeypatch.setattr(cli, "run_plan", lambda plan, cfg, quiet=False: seen.append(cfg))
    cli.main(["run", "stilts-mlm", "--task", "mnli", "--targets", "xnli", *mlm_flags])
    command = run_command(seen[-1])
    assert "mlm." in command
    cli.main(shlex.split(command)[1:])
    assert seen[-1].to_dict() == seen[-2].to_dict(), command


def test_mlm_flags_on_another_recipe_are_refused(cli, tmp_path):
    res = cli("plan", "stilts", *SMOKE, "--mlm-ratio", "0.3", "-o", str(tmp_path))
    assert res.code == 2 and "configure stilts-mlm; recipe 'stilts' would ignore them" in " ".join(res.err.split())
