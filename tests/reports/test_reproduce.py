"""Exact commands to reproduce: the expanded `ablate run` command, parsed back by the CLI, resolves
to the same config (`--set`, `--config` content and MT flags included), and `ablate rerun` reruns a
tracked run from the config it logged."""

from __future__ import annotations

import shlex

import pytest

from ablate.reports.reproduce import logged_config, run_command


@pytest.fixture
def capture(monkeypatch):
    """Run the real CLI up to the executor and return the config it would run."""
    import ablate.cli as cli

    seen = []
    monkeypatch.setattr(cli, "run_plan", lambda plan, cfg, quiet=False: seen.append(cfg))

    def run(*argv) -> object:
        try:
            cli.main(list(argv))
        except SystemExit as e:
            assert e.code == 0, e
        return seen[-1]

    return run


def _cases(tmp_path):
    config = tmp_path / "settings.yaml"
    config.write_text("max_eval_examples: 8\nretrieval:\n  layer: 3\neval_splits: [test]\n"
                      "finetune:\n  pawsx:\n    warmup_ratio: 0.2\n")
    return [
        ["run", "stilts", "--task", "mnli", "--targets", "xnli,pawsx", "--seeds", "1,2", "--preset", "smoke",
         "--config", str(config), "--set", "finetune.*.epochs=2", "--set", "finetune.xnli.epochs=1",
         "--set", "finetune.xnli.learning_rate=3e-05", "--set", "intermediate.mnli.max_train_examples=64",
         "--experiment", "exp one", "-o", str(tmp_path / "out dir")],
        ["run", "mt-translate", "--task", "mnli", "--targets", "xnli", "--preset", "smoke", "--langs", "de,fr",
         "--mt-model", "tiny-nllb", "--mt-model", "fr=tiny-nllb", "--mt-mix", "en+translated", "--min-chrf", "12.5",
         "--set", 'dataset_revisions={"google/xtreme": "abc123", "org/data.v2": "def"}', "--device", "cpu"],
        ["run", "baseline", "--targets", "xnli,tydiqa", "--seeds", "3", "--set", "model_revision=0123abcd",
         "--set", "eval_batch_size=16", "--set", "retrieval.max_seq_length=128", "--set", "offline=true"],
    ]


def test_expanded_command_resolves_to_the_same_config(capture, tmp_path):
    for argv in _cases(tmp_path):
        cfg = capture(*argv)
        command = run_command(cfg)
        assert command.startswith("ablate run ")
        again = capture(*shlex.split(command)[1:])
        assert again.to_dict() == cfg.to_dict(), command
        assert logged_config(cfg.to_dict()).to_dict() == cfg.to_dict()


def test_expanded_command_spells_out_sets_config_and_mt_flags(capture, tmp_path):
    first, mt, _ = (run_command(capture(*argv)) for argv in _cases(tmp_path))
    for needed in ("--set max_eval_examples=8", "--set retrieval.layer=3", "--set 'finetune.*.epochs=2.0'",
                   "--set finetune.xnli.epochs=1.0", "--set finetune.xnli.learning_rate=3.0e-05",
                   "--set finetune.pawsx.warmup_ratio=0.2", "--experiment 'exp one'"):
        assert needed in first, needed
    assert "--config" not in first
    for needed in ("--set mt.langs=de,fr", "--set mt.mix=en+translated", "--set mt.min_chrf=12.5",
                   '"org/data.v2": "def"', "--device cpu"):
        assert needed in mt, needed


@pytest.fixture(scope="module")
def tracked(tmp_path_factory):
    """A parent run shaped like `ablate run` logs it (kind=run tags, the resolved config.json) and a
    phase child."""
    from ablate.config import resolve
    from ablate.tracking import Tracker

    root = tmp_path_factory.mktemp("rerun")
    cfg = resolve("smoke", None, {"recipe": "stilts", "task": "mnli", "targets": "xnli,pawsx", "seeds": "1,2",
                                  "finetune": {"*": {"epochs": 2}, "xnli": {"learning_rate": 3e-05}},
                                  "max_eval_examples": 8, "output_dir": str(root / "out")})
    uri = f"sqlite:///{root / 'mlflow.db'}"
    tracker = Tracker(uri, "ablate")
    parent = tracker.start("stilts:mnli seed=2", {"kind": "run", "recipe": "stilts", "seed": 2})
    tracker.json_artifact(parent, "config.json", cfg.to_dict())
    tracker.end(parent)
    child = tracker.start("evaluate:xnli", {"kind": "phase"}, parent=parent)
    tracker.end(child)
    return uri, cfg, parent, child


def test_rerun_runs_the_logged_config_for_the_runs_seed(capture, tracked, capsys):
    from dataclasses import replace

    uri, cfg, parent, _ = tracked
    again = capture("rerun", parent, "--tracking-uri", uri)
    assert again.to_dict() == replace(cfg, seeds=(2,), tracking_uri=uri).to_dict()
    out = capsys.readouterr().out
    assert "Equivalent command: ablate run stilts --task mnli" in out and "--seeds 2" in out
    assert capture("rerun", parent, "--tracking-uri", uri, "--seeds", "1,2,5").seeds == (1, 2, 5)


def test_rerun_refuses_bad_input_in_one_line(tracked, capsys):
    from ablate.cli import main

    uri, _, parent, child = tracked
    for run_id, extra, message in ((child, [], "not an `ablate run` parent run"), ("deadbeef", [], "No run 'deadbeef'"),
                                   (parent, ["--seeds", "1,x"], "expects")):
        with pytest.raises(SystemExit) as e:
            main(["rerun", run_id, "--tracking-uri", uri, "--print", *extra])
        err = capsys.readouterr().err
        assert e.value.code == 2 and message in err and "Traceback" not in err
        assert len(err.strip().splitlines()) == 1, err
