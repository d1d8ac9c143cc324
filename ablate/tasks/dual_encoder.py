"""Ranked retrieval fine-tuned as a dual encoder (XTREME-R's Mewsli-X and LAReQA recipes).

A training example is a (query, candidate) pair; the model is `ablate.dual_encoder_model`
(shared encoder, pooler output, L2-normalised, in-batch softmax with a learnable scale). Two row
shapes come in:

- pairs as they are (Mewsli-X `wikipedia_pairs`, `ablate.data.mewslix.read_pairs`): `query`,
  `candidate` and `candidate_id` (the entity);
- SQuAD rows (`query` = question, `context`, `answers`), made into LAReQA pairs as XTREME-R's
  processors/lareqa.py does: the candidate is the sentence (`ablate.data.sentence_breaks`, its
  sb_sed) holding the first answer's start, followed by the whole paragraph, no separator,
  newlines removed — the text LAReQA's test candidates are encoded as; questions whose answer
  start lies in no sentence are skipped.

Checkpoint selection scores the English dev pairs as a small retrieval task: every dev query
ranks the dev set's distinct candidates; the statistic is the reciprocal rank of its own
candidate in the top 20 (`ablate.metrics.ranking`, mAP@20 with one relevant item). XTREME-R
picks by dev loss (Mewsli-X's learning rate) or a fixed checkpoint (LAReQA); ablate uses its own
selection rule, as for every target, on a metric that is the one reported.

Batches are drawn at random, never grouped by length: the other pairs of a batch are the
negatives, and length-grouped batches would make them systematically alike.
"""

from __future__ import annotations

import numpy as np

from ablate.metrics import ranking
from ablate.tasks.spec import TaskSpec

HEAD = "dual_encoder"
SELECTION_METRIC = "map20"
METRICS = ("map20",)
SEQUENCE_OUTPUTS: tuple[str, ...] = ()
IN_BATCH_NEGATIVES = True  # ablate.phases.train: random batches whatever group_by_length says


def head_kwargs(spec: TaskSpec) -> dict:
    return {}


def max_length(settings) -> tuple[int, int]:
    """(query tokens, candidate tokens): `max_query_length` (0 = the same) and `max_seq_length`."""
    return settings.max_query_length or settings.max_seq_length, settings.max_seq_length


def pairs(ds) -> tuple[list[int], list[str], list[str], list[str]]:
    """(rows kept, queries, candidate texts, candidate keys) of canonical rows of either shape."""
    if "candidate" in ds.column_names:
        n = len(ds)
        return list(range(n)), list(ds["query"]), list(ds["candidate"]), list(ds["candidate_id"])
    from ablate.data.sentence_breaks import infer_sentence_breaks

    kept, queries, candidates = [], [], []
    breaks: dict[str, list[tuple[int, int]]] = {}
    for i, (question, context, answers) in enumerate(zip(ds["query"], ds["context"], ds["answers"])):
        if context not in breaks:
            breaks[context] = list(infer_sentence_breaks(context))
        start = int(answers["answer_start"][0])  # XTREME-R: the first answer only
        sentence = next((context[s:e] for s, e in breaks[context] if s <= start < e), "")
        if not sentence:
            continue
        kept.append(i)
        queries.append(question)
        candidates.append((sentence + context).replace("\n", ""))
    return kept, queries, candidates, candidates  # a LAReQA candidate is its own key


def _encode(ds, tokenizer, lengths: tuple[int, int]) -> tuple[dict, list[int], list[str]]:
    kept, queries, candidates, keys = pairs(ds)
    q = tokenizer(queries, truncation=True, max_length=lengths[0])
    c = tokenizer(candidates, truncation=True, max_length=lengths[1])
    encoding = {"input_ids": q["input_ids"], "attention_mask": q["attention_mask"],
                "c_input_ids": c["input_ids"], "c_attention_mask": c["attention_mask"]}
    return encoding, kept, keys


def train_features(ds, tokenizer, max_length: tuple[int, int]):
    """Canonical rows -> {input_ids, attention_mask, c_input_ids, c_attention_mask}; unpadded."""
    from datasets import Dataset

    return Dataset.from_dict(_encode(ds, tokenizer, tuple(max_length))[0])


def eval_features(ds, tokenizer, max_length: tuple[int, int]):
    """(features, meta): one feature per usable row; meta = (rows kept, candidate keys)."""
    from datasets import Dataset

    encoding, kept, keys = _encode(ds, tokenizer, tuple(max_length))
    return Dataset.from_dict(encoding), (kept, keys)


class PairCollator:
    """Pads the query side and the candidate side of a batch separately."""

    def __init__(self, tokenizer):
        self.tokenizer = tokenizer

    def __call__(self, features: list[dict]) -> dict:
        query = self.tokenizer.pad([{"input_ids": f["input_ids"], "attention_mask": f["attention_mask"]}
                                    for f in features], padding=True, return_tensors="pt")
        cand = self.tokenizer.pad([{"input_ids": f["c_input_ids"], "attention_mask": f["c_attention_mask"]}
                                   for f in features], padding=True, return_tensors="pt")
        return {"input_ids": query["input_ids"], "attention_mask": query["attention_mask"],
                "c_input_ids": cand["input_ids"], "c_attention_mask": cand["attention_mask"]}


def collator(tokenizer):
    return PairCollator(tokenizer)


def predict(ds, outputs: list[dict[str, np.ndarray]], meta, spec: TaskSpec) -> list[tuple[str, list[str]]]:
    """Per usable row: (its candidate's key, the top-20 keys among the distinct candidates)."""
    _, keys = meta
    if not outputs:
        return []
    first: dict[str, int] = {}  # one vector per distinct candidate: its first row's
    for i, key in enumerate(keys):
        first.setdefault(key, i)
    pool = list(first)
    cands = np.stack([outputs[first[k]]["candidate"] for k in pool])
    queries = np.stack([o["query"] for o in outputs])
    top = np.argsort(-(queries @ cands.T), axis=1, kind="stable")[:, :ranking.K]
    return [(key, [pool[j] for j in row]) for key, row in zip(keys, top)]


def prediction_columns(ds, predictions, spec: TaskSpec) -> dict[str, list]:
    return {"gold": [g for g, _ in predictions], "prediction": [r for _, r in predictions]}


def stat_names(spec: TaskSpec) -> tuple[str, ...]:
    return ranking.stat_names


def example_stats(ds, predictions, spec: TaskSpec, lang: str) -> np.ndarray:
    """(n_usable, 2) `(ap, n)`: the reciprocal rank of each query's own candidate."""
    return ranking.stats([ranking.reciprocal_rank(gold, ranked) for gold, ranked in predictions])


def aggregate(totals: np.ndarray, spec: TaskSpec, lang: str | None = None) -> dict:
    """Summed `(ap, n)`, shape (..., 2) -> {'map20'} ×100."""
    return ranking.aggregate(totals)
