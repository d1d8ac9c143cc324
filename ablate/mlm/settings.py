"""The `mlm` settings section: defaults, presets, validation and language resolution.

Pure and cheap (no torch, no data): planning and config validation call it. Which corpus,
languages and mixing ratio the paper's MLM variant used is not documented (docs/mlm.md), so
every one of them is a setting recorded with the run.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ablate.errors import AblateError, unknown

MLM_DEFAULTS: dict[str, Any] = {
    "corpus": "wikimedia/wikipedia",  # Hub id (parquet, no loading script) or a directory of <lang>.txt
    "config": "20231101.{lang}",  # the Hub config of one language ({lang}: two-letter code)
    "revision": None,  # pin a Hub commit of the corpus; None = the main branch (keyed 'unpinned')
    "langs": "xnli",  # a target task (its languages) or a comma-separated list of language codes
    "alpha": 0.3,  # language sampling q_i ∝ p_i^alpha (XLM-R's 0.3 lifts small languages)
    "budget": 20_000_000,  # training tokens read from the corpus per run, split across languages by q_i
    "ratio": 0.5,  # fixed share of optimizer steps that are MLM steps (the paper's ratio is unknown)
    "heldout_sequences": 32,  # packed held-out sequences per language for loss and perplexity
}
# The smoke preset reads the shipped fixture text: a few hundred tokens per language.
MLM_SMOKE: dict[str, Any] = {"budget": 6000, "heldout_sequences": 1}


def is_local(corpus: str) -> bool:
    """A local directory of text files, not a Hub id."""
    return corpus.startswith((".", "/", "~")) or Path(corpus).expanduser().is_dir()


def parse_langs(value: Any) -> list[str] | str:
    """'xnli' stays a task name; 'de,fr' and ['de', 'fr'] become a list of codes."""
    if isinstance(value, str):
        items = [x.strip() for x in value.split(",") if x.strip()]
        return items[0] if len(items) == 1 and _is_task(items[0]) else items
    return [str(x).strip() for x in value]


def _is_task(name: str) -> bool:
    from ablate.tasks import TASKS

    return name in TASKS and TASKS[name].role == "target"


def resolve_langs(value: Any) -> list[str]:
    """The MLM languages: a target task's languages (`xnli` = its 15) or the given codes."""
    from ablate import languages as L
    from ablate.tasks import TASKS

    value = parse_langs(value)
    if isinstance(value, str):
        return list(TASKS[value].languages)
    if not value:
        raise AblateError("--mlm-langs is empty: give a target task (e.g. xnli) or language codes (e.g. de,fr,sw).")
    targets = [name for name, t in TASKS.items() if t.role == "target"]
    for code in value:
        if code not in L.ALL_XTREME:
            raise unknown("MLM language (or target task)", code, [*L.ALL_XTREME, *targets])
    if len(set(value)) != len(value):
        raise AblateError(f"--mlm-langs lists a language twice: {','.join(value)}.")
    return list(value)


def check(mlm: Mapping[str, Any]) -> None:
    """Every rule an `mlm` section must satisfy, one clear message per violation."""
    ratio = mlm["ratio"]
    if isinstance(ratio, bool) or not isinstance(ratio, (int, float)) or not 0 < ratio < 1:
        raise AblateError(f"--mlm-ratio must be a number strictly between 0 and 1 (the share of optimizer "
                          f"steps that are MLM steps, e.g. 0.5), got {ratio!r}.")
    alpha = mlm["alpha"]
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0 <= alpha <= 1:
        raise AblateError(f"mlm.alpha must be in [0, 1] (0 = uniform over languages, 1 = proportional "
                          f"to size; XLM-R uses 0.3), got {alpha!r}.")
    for key in ("budget", "heldout_sequences"):
        value = mlm[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise AblateError(f"mlm.{key} must be a whole number >= 1, got {value!r}.")
    if not isinstance(mlm["corpus"], str) or not mlm["corpus"].strip():
        raise AblateError("--mlm-corpus must be a Hub dataset id (e.g. wikimedia/wikipedia) or a local directory.")
    if "{lang}" not in str(mlm["config"]):
        raise AblateError(f"mlm.config must contain '{{lang}}' (one Hub config per language, e.g. "
                          f"20231101.{{lang}}), got {mlm['config']!r}.")
    resolve_langs(mlm["langs"])


def cli_layer(langs: str | None, corpus: str | None, ratio: float | None) -> dict[str, Any]:
    """The --mlm-* flags as an `mlm` settings layer (only those given)."""
    given = {"langs": langs, "corpus": corpus, "ratio": ratio}
    return {k: v for k, v in given.items() if v is not None}
