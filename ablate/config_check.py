"""Validation of a resolved RunConfig: every rule a setting must satisfy, with one clear message
per violation (what was wrong and what would be valid)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ablate import compute
from ablate.errors import AblateError, unknown
from ablate.mixing.settings import check as check_multitask
from ablate.train_settings import MT_MIXES

if TYPE_CHECKING:
    from ablate.config import RunConfig


TRACKING_SCHEMES = ("sqlite", "file", "http", "https", "postgresql", "mysql", "mssql", "databricks")


def check(cfg: RunConfig) -> None:
    if not cfg.experiment.strip():
        raise AblateError("--experiment must be a non-empty MLflow experiment name (default: ablate).")
    if not cfg.targets:
        raise AblateError("--targets needs at least one target task (e.g. xnli,pawsx or xtreme; see `ablate tasks`).")
    from ablate.tasks import check_language_sets, check_target_languages

    check_language_sets(cfg.targets, cfg.mix_language_sets)
    check_target_languages(cfg.targets, dict(cfg.target_languages))
    if cfg.tracking_uri is not None:
        scheme = cfg.tracking_uri.partition(":")[0].partition("+")[0]  # postgresql+psycopg2 -> postgresql
        if "://" not in cfg.tracking_uri or scheme not in TRACKING_SCHEMES:
            raise AblateError(f"--tracking-uri '{cfg.tracking_uri}' is not an MLflow tracking URI: use one of the schemes "
                              f"{', '.join(TRACKING_SCHEMES)} (e.g. http://127.0.0.1:5000), or omit it for sqlite "
                              "inside --output-dir.")
    if cfg.data not in ("hub", "fixtures"):
        raise unknown("data source", cfg.data, ["hub", "fixtures"])
    if cfg.device not in ("auto", "cpu", "cuda"):
        raise unknown("device", cfg.device, ["auto", "cpu", "cuda"])
    if cfg.devices < 1:
        raise AblateError(f"devices must be >= 1 (data-parallel training processes per phase), got {cfg.devices}.")
    for group in ("intermediate", "finetune"):
        for task, s in getattr(cfg, group).items():
            if s.batch_size % cfg.devices:  # each process takes batch_size / devices examples per step
                raise AblateError(f"devices={cfg.devices} must divide {group}.{task}.batch_size={s.batch_size} "
                                  "(the global batch is kept; each process takes batch_size / devices per step).")
    if cfg.data_dir and not Path(cfg.data_dir).expanduser().is_dir():
        raise AblateError(f"--data-dir '{cfg.data_dir}' does not exist or is not a directory.")
    if cfg.data == "fixtures" and cfg.data_dir:
        raise AblateError(f"--data-dir is not read when data=fixtures (the --preset {cfg.preset} data): drop it, or "
                          "add --set data=hub to read your local copies instead of the shipped fixtures.")
    if cfg.eval_batch_size < 1 or cfg.max_eval_examples < 0:
        raise AblateError(f"eval_batch_size must be >= 1 and max_eval_examples >= 0 (0 = all), got "
                          f"{cfg.eval_batch_size} and {cfg.max_eval_examples}.")
    if not cfg.seeds:
        raise AblateError("At least one seed is needed (e.g. --seeds 1,2,3).")
    if any(seed < 0 for seed in cfg.seeds):
        raise AblateError(f"Seeds must be integers >= 0, got {list(cfg.seeds)}.")
    if len(set(cfg.seeds)) != len(cfg.seeds):
        raise AblateError(f"Seeds must be distinct, got {list(cfg.seeds)}.")
    compute.check(cfg.compute)
    if cfg.mt["mix"] not in MT_MIXES:
        raise unknown("--mt-mix value", cfg.mt["mix"], MT_MIXES)
    check_multitask(cfg)
    if cfg.mt["min_chrf"] is not None and not isinstance(cfg.mt["min_chrf"], (int, float)):
        raise AblateError(f"mt.min_chrf expects a number, got {cfg.mt['min_chrf']!r}.")
    from ablate.mlm.settings import check as check_mlm

    check_mlm(cfg.mlm)
    for split in cfg.eval_splits:
        if split not in ("validation", "test"):
            raise unknown("evaluation split", split, ["validation", "test"])
    for name, group in (("intermediate", cfg.intermediate), ("finetune", cfg.finetune)):
        for task, s in group.items():
            bad = [f"{k}={getattr(s, k):g} (must be {rule})" for k, rule, ok in (
                ("batch_size", ">= 1", s.batch_size >= 1), ("grad_accum", ">= 1", s.grad_accum >= 1),
                ("max_seq_length", ">= 8", s.max_seq_length >= 8), ("epochs", "> 0", s.epochs > 0),
                ("max_query_length", "0 or >= 8", s.max_query_length == 0 or s.max_query_length >= 8),
                ("learning_rate", "> 0", s.learning_rate > 0), ("max_steps", ">= 0", s.max_steps >= 0),
                ("max_train_examples", ">= 0", s.max_train_examples >= 0),
                ("eval_every", ">= 1", s.eval_every >= 1)) if not ok]
            if bad:
                raise AblateError(f"Training settings {name}.{task} are not usable: {', '.join(bad)}.")
