"""Extractive (span) question answering: SQuAD v1.1/v2.0, XQuAD, MLQA, TyDiQA-GoldP.

Canonical columns: `question`, `context` (str) and `answers` ({text: [str], answer_start: [int]},
SQuAD's Hub struct; an empty list means unanswerable, SQuAD v2.0 only).

Windows (jiant's `squad_style` preprocessing, which XTREME shares). An input is
`<s> question </s></s> context-window </s>`; only the context is cut:
- the question keeps at most `query_limit(...)` tokens: MAX_QUERY_LENGTH = 64 (jiant), but
  never more than half of what the special tokens leave, so short smoke lengths keep a context;
- a context longer than the room left (`capacity` tokens) is split into windows whose starts are
  `step` tokens apart, `step = min(DOC_STRIDE, capacity // 2)` (at least 1). DOC_STRIDE = 128 is
  jiant's doc_stride, which is the distance between window *starts* (its tokenizer call passes
  the overlap `capacity - doc_stride`), not HF run_qa's overlap. In the paper setting
  (max_length 384, questions <= 64 tokens: capacity >= 316) the clamp never binds; when it does,
  windows still overlap by half, so any answer up to capacity/2 tokens lies whole in a window.

Training labels per window: the answer's first/last token, or the CLS index when the window
does not contain the whole answer or the question is unanswerable (jiant keeps such windows).
Only the first gold answer is used (SQuAD train has one).

Prediction per example over all its windows: the N_BEST highest start and end logits of each
window; a span is valid when both ends are context tokens, end >= start, it is at most
MAX_ANSWER_LENGTH tokens long and its start token is in its "max-context" window (jiant's
`_check_is_max_context`: the window where the token has the most context on its shorter side,
+0.01 x window length); score = start + end logit. The text is cut from the context through the
tokenizer's character offsets (sub-word exact; jiant re-aligns whole words with get_final_text).
SQuAD v2.0 only: the null score is the smallest CLS start+end logit over the windows, and the
answer is "" when null - best span > NULL_THRESHOLD (0.0, jiant's default).

Metrics (official scripts, ablate.metrics): SQuAD v1.1 for squad/xquad/tydiqa, v2.0 for
squad_v2, MLQA's language-aware script for mlqa (the table `SCRIPTS` in span_qa_tasks, keyed by
task name). Per-example statistics `(em, f1, n)`; METRICS[0] = em_f1 = (EM + F1)/2, XTREME's
task score for QA.

Format interface: see ablate.tasks.classification.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from ablate.errors import AblateError
from ablate.metrics import mlqa as mlqa_metric
from ablate.metrics import squad as squad_metric
from ablate.tasks.span_qa_tasks import MLQA, SCRIPTS, SQUAD_V1, SQUAD_V2
from ablate.tasks.spec import TaskSpec

HEAD = "question_answering"
SELECTION_METRIC = "em_f1"  # English-dev metric for checkpoint selection
METRICS = ("em_f1", "em", "f1")  # logged per language; the first is XTREME's QA score
SEQUENCE_OUTPUTS: tuple[str, ...] = ("start_logits", "end_logits")

DOC_STRIDE = 128  # tokens between window starts (jiant/XTREME doc_stride)
MAX_QUERY_LENGTH = 64  # question tokens kept (jiant max_query_length)
N_BEST = 20  # start and end candidates per window (jiant n_best_size)
MAX_ANSWER_LENGTH = 30  # tokens (jiant max_answer_length)
NULL_THRESHOLD = 0.0  # SQuAD v2.0: predict "" when null score - best span score exceeds this


def head_kwargs(spec: TaskSpec) -> dict:
    # AutoModelForQuestionAnswering sizes its per-token head by num_labels: start and end
    return {"num_labels": 2}


# --- windows --------------------------------------------------------------------------------

def query_limit(max_length: int, specials: int) -> int:
    """Question tokens kept: MAX_QUERY_LENGTH, at most half the room the special tokens leave."""
    return max(1, min(MAX_QUERY_LENGTH, (max_length - specials) // 2))


def doc_step(capacity: int) -> int:
    """Tokens between window starts for `capacity` context tokens per window (module docstring)."""
    return max(1, min(DOC_STRIDE, capacity // 2))


@dataclass
class Windows:
    """Features of a batch of examples, one row per window, in example then window order.

    `encoding` holds the model inputs (input_ids, attention_mask[, token_type_ids]); per window:
    `example` (row of the example), `offsets` ((start, end) characters of the context for context
    tokens, None elsewhere), `cls` (CLS position), `max_context` (True where the token is a
    context token whose max-context window this is).
    """

    encoding: dict[str, list]
    example: list[int]
    offsets: list[list[tuple[int, int] | None]]
    cls: list[int]
    max_context: list[np.ndarray]


def windows(questions: list[str], contexts: list[str], tokenizer, max_length: int,
            max_context: bool = True) -> Windows:
    """Tokenise question/context pairs into windows (the rule in the module docstring);
    `max_context=False` skips the max-context flags (training does not need them)."""
    if not getattr(tokenizer, "is_fast", False):
        raise AblateError("Span QA needs a fast (Rust) tokenizer for its character offsets; "
                          f"{type(tokenizer).__name__} is not one.")
    specials = tokenizer.num_special_tokens_to_add(pair=True)
    # Leading whitespace (some SQuAD questions have a lot) would only waste window room.
    questions = _truncate_questions([q.lstrip() for q in questions], tokenizer,
                                    query_limit(max_length, specials))
    q_lengths = [len(ids) for ids in tokenizer(questions, add_special_tokens=False)["input_ids"]]
    # One tokenizer call per question length: the overlap that gives a fixed step depends on it.
    groups: dict[int, list[int]] = defaultdict(list)
    for i, n in enumerate(q_lengths):
        groups[n].append(i)
    rows: list[tuple[int, int, dict]] = []  # (example, window rank, window)
    for q_len, members in groups.items():
        rows.extend(_encode_group(questions, contexts, members, max_length - q_len - specials,
                                  tokenizer, max_length))
    rows.sort(key=lambda r: (r[0], r[1]))
    encoding: dict[str, list] = defaultdict(list)
    out = Windows(encoding={}, example=[], offsets=[], cls=[], max_context=[])
    for example, _, w in rows:
        for k, v in w["inputs"].items():
            encoding[k].append(v)
        out.example.append(example)
        out.offsets.append(w["offsets"])
        ids = w["inputs"]["input_ids"]
        out.cls.append(ids.index(tokenizer.cls_token_id) if tokenizer.cls_token_id in ids else 0)
    out.encoding = dict(encoding)
    if max_context:
        out.max_context = _max_context(out, [r[2]["start"] for r in rows])
    return out


def _encode_group(questions, contexts, members: list[int], capacity: int, tokenizer, max_length: int):
    """Windows of the examples `members`, whose questions leave `capacity` context tokens."""
    if capacity < 2:
        raise AblateError(f"max_seq_length {max_length} leaves no room for the context after the "
                          "question; use a longer max_seq_length.")
    step = doc_step(capacity)
    # The tokenizer's `stride` is the overlap between windows: capacity - step.
    enc = tokenizer([questions[i] for i in members], [contexts[i] for i in members],
                    truncation="only_second", max_length=max_length, stride=capacity - step,
                    return_overflowing_tokens=True, return_offsets_mapping=True)
    names = [k for k in enc.keys() if k not in ("offset_mapping", "overflow_to_sample_mapping")]
    rank: dict[int, int] = defaultdict(int)
    rows = []
    for j, sample in enumerate(enc["overflow_to_sample_mapping"]):
        example = members[sample]
        offsets = [tuple(o) if s == 1 else None for o, s in zip(enc["offset_mapping"][j], enc.sequence_ids(j))]
        rows.append((example, rank[example], {"inputs": {k: enc[k][j] for k in names}, "offsets": offsets,
                                              "start": rank[example] * step}))
        rank[example] += 1
    return rows


def _truncate_questions(questions: list[str], tokenizer, limit: int) -> list[str]:
    """Cut each question after its `limit`-th token (at that token's end character)."""
    enc = tokenizer(questions, add_special_tokens=False, return_offsets_mapping=True)
    return [q if len(offs) <= limit else q[:offs[limit - 1][1]]
            for q, offs in zip(questions, enc["offset_mapping"])]


def _max_context(w: Windows, starts: list[int]) -> list[np.ndarray]:
    """jiant's max-context rule: context token t belongs to the window maximising
    min(tokens left of t, tokens right of t) + 0.01 * window length (the first one on ties).
    Returns per window a boolean array over its positions (False off the context)."""
    context = [np.array([o is not None for o in offsets]) for offsets in w.offsets]
    by_example: dict[int, list[int]] = defaultdict(list)
    for f, example in enumerate(w.example):
        by_example[example].append(f)
    out: list[np.ndarray] = [None] * len(w.offsets)  # type: ignore[list-item]
    for feats in by_example.values():
        if len(feats) == 1:  # one window: every context token has its max context there
            out[feats[0]] = context[feats[0]]
            continue
        lengths = [int(context[f].sum()) for f in feats]
        best = np.full(max(starts[f] + n for f, n in zip(feats, lengths)), -np.inf)
        owner = np.zeros(len(best), dtype=int)
        for f, n in zip(feats, lengths):  # windows in order, so strict > keeps the first on ties
            k = np.arange(n)
            score = np.minimum(k, n - 1 - k) + 0.01 * n
            span = slice(starts[f], starts[f] + n)
            better = score > best[span]
            best[span] = np.where(better, score, best[span])
            owner[span] = np.where(better, f, owner[span])
        for f, n in zip(feats, lengths):
            flags = np.zeros(len(context[f]), dtype=bool)
            flags[np.flatnonzero(context[f])] = owner[starts[f]:starts[f] + n] == f
            out[f] = flags
    return out


# --- features -------------------------------------------------------------------------------

def train_features(ds, tokenizer, max_length: int):
    """Canonical rows -> one row per window with `start_positions`/`end_positions`; unpadded."""
    from datasets import Dataset

    w = windows(list(ds["question"]), list(ds["context"]), tokenizer, max_length, max_context=False)
    answers = list(ds["answers"])
    starts, ends = [], []
    for f, example in enumerate(w.example):
        s, e = answer_tokens(answers[example], w.offsets[f], w.cls[f])
        starts.append(s)
        ends.append(e)
    return Dataset.from_dict({**w.encoding, "start_positions": starts, "end_positions": ends})


def answer_tokens(answers: dict, offsets: list, cls: int) -> tuple[int, int]:
    """(start, end) token positions of the first gold answer in one window, or (cls, cls) when
    the question is unanswerable or the window does not hold the whole answer."""
    if not answers["text"]:
        return cls, cls
    start_char = answers["answer_start"][0]
    end_char = start_char + len(answers["text"][0])
    context = [p for p, o in enumerate(offsets) if o is not None]
    if not context or offsets[context[0]][0] > start_char or offsets[context[-1]][1] < end_char:
        return cls, cls
    start = next(p for p in reversed(context) if offsets[p][0] <= start_char)
    end = next(p for p in context if offsets[p][1] >= end_char)
    return start, max(start, end)


def eval_features(ds, tokenizer, max_length: int):
    """(features, meta): one row per window; `meta` is the `Windows` bookkeeping for `predict`."""
    from datasets import Dataset

    w = windows(list(ds["question"]), list(ds["context"]), tokenizer, max_length)
    return Dataset.from_dict(w.encoding), w


def collator(tokenizer):
    from transformers import DataCollatorWithPadding

    return DataCollatorWithPadding(tokenizer)


# --- prediction -----------------------------------------------------------------------------

def predict(ds, outputs: list[dict[str, np.ndarray]], meta: Windows, spec: TaskSpec) -> list[str]:
    """Per-window {'start_logits': (len,), 'end_logits': (len,)} -> answer text per example."""
    allow_null = script_of(spec) == SQUAD_V2
    by_example: dict[int, list[int]] = defaultdict(list)
    for f, example in enumerate(meta.example):
        by_example[example].append(f)
    answers = []
    for i, context in enumerate(ds["context"]):
        fs = by_example[i]
        answers.append(best_answer(context, [outputs[f] for f in fs], [meta.offsets[f] for f in fs],
                                   [meta.max_context[f] for f in fs], [meta.cls[f] for f in fs], allow_null))
    return answers


def best_answer(context: str, outputs, offsets, max_context, cls, allow_null: bool) -> str:
    """The n-best search of one example over its windows (module docstring)."""
    best_score, best_span = -np.inf, None
    null_score = np.inf
    for out, offs, mc, c in zip(outputs, offsets, max_context, cls):
        start_logits, end_logits = out["start_logits"], out["end_logits"]
        null_score = min(null_score, float(start_logits[c] + end_logits[c]))
        starts = np.argsort(-start_logits, kind="stable")[:N_BEST]
        ends = np.argsort(-end_logits, kind="stable")[:N_BEST]
        for s in starts:
            if not mc[s]:
                continue
            for e in ends:
                if offs[e] is None or e < s or e - s + 1 > MAX_ANSWER_LENGTH:
                    continue
                score = float(start_logits[s] + end_logits[e])
                if score > best_score:
                    best_score, best_span = score, (offs[s][0], offs[e][1])
    if best_span is None or (allow_null and null_score - best_score > NULL_THRESHOLD):
        return ""
    return context[best_span[0]:best_span[1]]


def prediction_columns(ds, predictions: list[str], spec: TaskSpec) -> dict[str, list]:
    golds = [json.dumps(list(a["text"]), ensure_ascii=False) for a in ds["answers"]]
    return {"gold": golds, "prediction": list(predictions)}


# --- statistics -----------------------------------------------------------------------------

def script_of(spec: TaskSpec) -> str:
    """The official scoring script of a task (SQuAD v1.1 unless span_qa_tasks.SCRIPTS says so)."""
    return SCRIPTS.get(spec.name, SQUAD_V1)


def stat_names(spec: TaskSpec) -> tuple[str, ...]:
    return squad_metric.stat_names


def example_stats(ds, predictions: list[str], spec: TaskSpec, lang: str) -> np.ndarray:
    """(n, 3) statistics `(em, f1, n)` by the task's official script."""
    golds = [list(a["text"]) for a in ds["answers"]]
    script = script_of(spec)
    if script == MLQA:
        return mlqa_metric.stats(predictions, golds, lang)
    return squad_metric.stats(predictions, golds, version="2.0" if script == SQUAD_V2 else "1.1")


def aggregate(totals: np.ndarray, spec: TaskSpec, lang: str | None = None) -> dict:
    """Summed `(em, f1, n)`, shape (..., 3) -> {'em_f1', 'em', 'f1'} on the 0-100 scale, shape (...)."""
    values = squad_metric.aggregate(np.asarray(totals))  # MLQA aggregates exactly like SQuAD
    return {"em_f1": values["em_f1"], "em": values["exact_match"], "f1": values["f1"]}
