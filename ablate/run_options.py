"""The options `ablate plan` and `ablate run` share (typer annotations), kept apart from the
commands so the CLI module stays readable."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

TaskOpt = Annotated[Optional[str], typer.Option("--task", "-t", help="English intermediate task (see `ablate tasks`).")]
TargetsOpt = Annotated[Optional[str], typer.Option("--targets", help="Comma-separated target tasks, `xtreme` (all nine) or `xtreme-r` (all ten).")]
SeedsOpt = Annotated[Optional[str], typer.Option("--seeds", help="Comma-separated seeds; one full pipeline each.")]
PresetOpt = Annotated[Optional[str], typer.Option("--preset", "-p", help="`paper` (default: the published setting) or `smoke` (tiny, offline).")]
ConfigOpt = Annotated[Optional[Path], typer.Option("--config", "-c", help="TOML/YAML/JSON file with settings (overrides the preset).")]
SetOpt = Annotated[Optional[list[str]], typer.Option("--set", help="Override any setting: KEY=VALUE, e.g. finetune.xnli.epochs=1 or finetune.*.max_steps=100.")]
ModelOpt = Annotated[Optional[str], typer.Option("--model", help="Hub id, local model directory, or tiny-xlmr / tiny-xlmr-2x.")]
OutOpt = Annotated[Optional[Path], typer.Option("--output-dir", "-o", help="Phase cache, predictions and the default MLflow store.")]
ExpOpt = Annotated[Optional[str], typer.Option("--experiment", "-e", help="MLflow experiment (shared by all recipes by default).")]
UriOpt = Annotated[Optional[str], typer.Option("--tracking-uri", help="MLflow tracking URI (default: sqlite inside --output-dir).")]
DataDirOpt = Annotated[Optional[Path], typer.Option("--data-dir", help="Local dataset copies: <org>__<name>/<config>/<split>.jsonl|parquet.")]
DeviceOpt = Annotated[Optional[str], typer.Option("--device", help="auto, cpu or cuda.")]
LangsOpt = Annotated[Optional[str], typer.Option("--langs", help="mt-translate: languages to translate into (default: the targets' languages).")]
MTModelOpt = Annotated[Optional[list[str]], typer.Option("--mt-model", help="MT model (Hub id, local dir, tiny-nllb), and/or per-language overrides LANG=MODEL; repeatable.")]
MixOpt = Annotated[Optional[str], typer.Option("--mt-mix", help="mt-translate and the multilingual intermediate tasks (xnli_translate_train, ...): train on `translated` (non-English) or `en+translated` data.")]
TrustOpt = Annotated[Optional[bool], typer.Option("--trust-remote-code", help="Let a model run its own Python code (auto_map); off unless given, recorded in the signature.")]
MaxTrainOpt = Annotated[Optional[int], typer.Option("--max-train-examples", help="Subsample the intermediate training data to N examples (stratified by label for classification; 0 = all).")]
MixSetsOpt = Annotated[Optional[bool], typer.Option("--mix-language-sets", help="Allow a task's XTREME and XTREME-R language sets in one run (udpos + udpos_xr).")]
MinChrfOpt = Annotated[Optional[float], typer.Option("--min-chrf", help="Refuse to train on a language whose chrF on the reference set is below this.")]
MlmLangsOpt = Annotated[Optional[str], typer.Option("--mlm-langs", help="stilts-mlm: MLM languages, a target task (xnli) or codes (de,fr,sw).")]
MlmCorpusOpt = Annotated[Optional[str], typer.Option("--mlm-corpus", help="stilts-mlm: Hub id (wikimedia/wikipedia) or a directory of <lang>.txt.")]
MlmRatioOpt = Annotated[Optional[float], typer.Option("--mlm-ratio", help="stilts-mlm: share of optimizer steps that are MLM steps, in (0, 1).")]
