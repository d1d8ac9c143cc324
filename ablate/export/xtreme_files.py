"""The files XTREME's `evaluate.py` reads, one writer per task kind (pure: rows in, text out).

evaluate.py reads `<folder>/<task>/test-<lang>.tsv` (QA: `.json`) from a prediction folder and a
label folder with the same layout, and compares them with the task's reader:

- `read_label` (xnli, pawsx, tatoeba, bucc2018): one stripped line per item. Classification and
  Tatoeba compare line i of both files (accuracy); BUCC compares the SETS of
  `source id<TAB>target id` lines (F1 over pairs).
- `read_tag` (udpos, panx): one tag per line, a blank line after every sentence (an empty
  sentence is a lone blank line).
- `read_squad` (xquad, mlqa, tydiqa): predictions `{question id: answer text}`; labels in SQuAD
  v1.1 form `{"version": "1.1", "data": [articles → paragraphs → qas → answers]}`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from ablate.errors import AblateError

KINDS = {"xnli": "label", "pawsx": "label", "tatoeba": "label", "bucc2018": "pairs",
         "udpos": "tags", "panx": "tags", "xquad": "squad", "mlqa": "squad", "tydiqa": "squad"}


def suffix(task: str) -> str:
    return "json" if KINDS[task] == "squad" else "tsv"


def label_lines(values: Sequence) -> str:
    """One item per line; tabs and newlines inside an item would split it, so they are refused."""
    return "".join(f"{_one_line(v)}\n" for v in values)


def tag_lines(sentences: Sequence[Sequence[str]]) -> str:
    return "".join("".join(f"{_one_line(t)}\n" for t in sentence) + "\n" for sentence in sentences)


def pair_lines(pairs) -> str:
    return "".join(f"{_one_line(s)}\t{_one_line(t)}\n" for s, t in sorted(pairs))


def squad_predictions(ids: Sequence[str], answers: Sequence[str | None]) -> str:
    """A question without a prediction is left out: the v1.1 script scores it 0, as ablate does."""
    return json.dumps({str(i): a for i, a in zip(ids, answers) if a is not None}, ensure_ascii=False, indent=0)


def squad_labels(ids: Sequence[str], golds: Sequence[Sequence[str]]) -> str:
    """Each question as its own paragraph; only ids and answer texts matter to the scripts."""
    qas = [{"id": str(i), "question": "", "answers": [{"text": g, "answer_start": -1} for g in answers]}
           for i, answers in zip(ids, golds)]
    data = [{"title": "ablate export", "paragraphs": [{"context": "", "qas": [qa]} for qa in qas]}]
    return json.dumps({"version": "1.1", "data": data}, ensure_ascii=False, indent=0)


def _one_line(value) -> str:
    text = str(value)
    if any(ch in text for ch in "\t\n\r"):
        raise AblateError(f"{text!r} holds a tab or line break; XTREME's line-based files cannot carry it.")
    return text
