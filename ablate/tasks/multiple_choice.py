"""Multiple choice (HellaSwag, CommonsenseQA, Cosmos QA): pick one of n candidate answers.

As in jiant (docs/paper.md): every choice is encoded together with the context as a sequence pair
`(prompt, choice)`, a one-output head scores each pair (AutoModelForMultipleChoice), and the
loss is cross-entropy over the choices of an example.

Canonical columns (a task maps its Hub columns onto these):
- `context` (str): the prompt; `question` (str, optional) is appended to it after a space
  (Cosmos QA: context + " " + question, as jiant);
- the choices: `choices` as a list of strings (HellaSwag `endings`) or a {'label', 'text'}
  struct (CommonsenseQA), or one column per choice `choice0`, `choice1`, ... (Cosmos QA);
- `copa_question` (str, optional): COPA's "cause" / "effect", appended as "What was the cause?"
  (XCOPA, worded as XTREME-R's run_xcopa.py);
- `choice_prefix` (str, optional) is put before every choice after a space (HellaSwag:
  prompt = ctx_a, choice = ctx_b + " " + ending, as jiant);
- `label` (int): index of the correct choice (`Source.label_map` turns "0".."3" / "A".."E" into it).
Pairs longer than `max_length` are cut longest-first (the tokenizer's `truncation=True`).

Per-example sufficient statistics (docs/statistics.md): `correct`, `n` (ablate.metrics.classification).
"""

from __future__ import annotations

import numpy as np

from ablate.errors import AblateError
from ablate.metrics import classification as accuracy
from ablate.tasks.features import with_labels, without_labels
from ablate.tasks.spec import TaskSpec

HEAD = "multiple_choice"
SELECTION_METRIC = "accuracy"  # English-dev metric for checkpoint selection
METRICS = ("accuracy",)
SEQUENCE_OUTPUTS: tuple[str, ...] = ()  # logits are (n_choices,) per example


def head_kwargs(spec: TaskSpec) -> dict:
    return {"num_labels": 1}  # one score per choice, whatever the task's number of choices


def choices(ds) -> list[list[str]]:
    """The candidate answers of every row, as lists of strings (see the module docstring)."""
    names = ds.column_names
    if "choices" in names:
        rows = [c["text"] if isinstance(c, dict) else c for c in ds["choices"]]
    else:
        columns = []
        while f"choice{len(columns)}" in names:
            columns.append(ds[f"choice{len(columns)}"])
        if not columns:
            raise AblateError(f"Multiple-choice rows need a `choices` column or `choice0`, `choice1`, ...; "
                              f"they have {names}.")
        rows = [list(c) for c in zip(*columns)]
    if "choice_prefix" in names:
        rows = [[f"{prefix} {c}".strip() for c in row] for prefix, row in zip(ds["choice_prefix"], rows)]
    return [list(r) for r in rows]


def prompts(ds) -> list[str]:
    context = list(ds["context"])
    if "question" in ds.column_names:
        context = [f"{c} {q}".strip() for c, q in zip(context, ds["question"])]
    if "copa_question" in ds.column_names:  # COPA/XCOPA, as XTREME-R's run_xcopa.py words it
        context = [f"{c} What was the {q}?" for c, q in zip(context, ds["copa_question"])]
    return context


def _encode(ds, tokenizer, max_length: int) -> dict:
    """{'input_ids': [example][choice][token], 'attention_mask': same}: one pair per choice."""
    options = choices(ds)
    counts = {len(o) for o in options}
    if len(counts) > 1:
        raise AblateError(f"Every example needs the same number of choices; found {sorted(counts)}.")
    firsts = [p for p, o in zip(prompts(ds), options) for _ in o]
    seconds = [c for o in options for c in o]
    enc = tokenizer(firsts, seconds, truncation=True, max_length=max_length)
    n = counts.pop() if counts else 0
    return {key: [values[i:i + n] for i in range(0, len(values), n)] for key, values in enc.items()}


def train_features(ds, tokenizer, max_length: int):
    """Canonical rows -> {input_ids, attention_mask: (n_choices, len) per example, labels}; unpadded."""
    return with_labels(_encode(ds, tokenizer, max_length), ds)


def eval_features(ds, tokenizer, max_length: int):
    """(features, meta): one feature (all choices) per example, so no bookkeeping is needed."""
    return without_labels(_encode(ds, tokenizer, max_length)), None


class ChoiceCollator:
    """Pads the choices of a batch to one length: tensors (batch, n_choices, seq)."""

    def __init__(self, tokenizer):
        self.tokenizer = tokenizer

    def __call__(self, features: list[dict]) -> dict:
        import torch

        n = len(features[0]["input_ids"])
        keys = [k for k in features[0] if k != "labels"]
        flat = [{k: f[k][c] for k in keys} for f in features for c in range(n)]
        batch = self.tokenizer.pad(flat, padding=True, return_tensors="pt")
        batch = {k: v.view(len(features), n, -1) for k, v in batch.items()}
        if "labels" in features[0]:
            batch["labels"] = torch.tensor([int(f["labels"]) for f in features], dtype=torch.long)
        return batch


def collator(tokenizer):
    return ChoiceCollator(tokenizer)


def predict(ds, outputs: list[dict[str, np.ndarray]], meta, spec: TaskSpec) -> list[int]:
    """Per-example outputs ({'logits': (n_choices,)}) -> index of the best-scored choice."""
    return [int(o["logits"].argmax()) for o in outputs]


def prediction_columns(ds, predictions: list[int], spec: TaskSpec) -> dict[str, list]:
    return {"gold": list(ds["label"]), "prediction": list(predictions)}


def stat_names(spec: TaskSpec) -> tuple[str, ...]:
    return accuracy.stat_names


def example_stats(ds, predictions: list[int], spec: TaskSpec, lang: str) -> np.ndarray:
    """(n, 2) `(correct, n)` in `stat_names(spec)` order."""
    return accuracy.stats(predictions, list(ds["label"]))


def aggregate(totals: np.ndarray, spec: TaskSpec, lang: str | None = None) -> dict:
    """Summed statistics (..., 2) -> {'accuracy'} on the 0-100 scale, shape (...)."""
    return accuracy.aggregate(totals)
