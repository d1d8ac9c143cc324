"""Token tagging (UD-POS, PAN-X, CCG supertagging): one tag per word.

Canonical columns: `tokens` (list of words) and the gold tags, either `tags` as label ids
(the Hub's ClassLabel ids, which must follow `spec.label_names` — UD-POS `pos_tags`, PAN-X
`ner_tags`) or as tag strings in `spec.label_names`, or `tag_ids` (label ids computed by a
reader, CCG: rank in the training-data inventory; then `tags` may hold anything).

Alignment: words are tokenised with `is_split_into_words=True`; the *first* sub-token of each
word carries the word's label, every other position (later sub-tokens, special tokens) is -100
(ignored by the loss) and the word's prediction is the argmax at its first sub-token.
Truncation: a word with no sub-token inside the `max_length` window (cut off, or one that the
tokenizer maps to nothing) is predicted as `ABSTAIN` ("O"): for PAN-X that is "no entity", so an
entity cut off is missed (recall) and one cut in its middle leaves a shorter, wrong chunk; for
UPOS and CCG "O" is no tag at all, so the word is always wrong. (Sentences longer than the
window are rare at XTREME's 256 sub-tokens; a sliding window would recover them.)

Metric (docs/statistics.md): per sentence `(tp, n_pred, n_gold)` of `seqeval.metrics.f1_score` on the tag *strings*
(ablate.metrics.seqeval_f1) — XTREME's metric for PAN-X and, on the raw UPOS strings, for UD-POS.
seqeval 0.0.12 and ≥ 1.0 chunk prefix-less UPOS tags differently, so UD-POS is scored both ways
(`SEQEVAL_VERSIONS`): `f1`/`precision`/`recall` under 0.0.12, the version behind XTREME's
published numbers, and `f1_seqeval1`/... under seqeval ≥ 1.0, from statistics
`tp, n_pred, n_gold, tp_seqeval1, n_pred_seqeval1, n_gold_seqeval1`. BIO tasks (PAN-X) chunk
identically under both and are scored once (seqeval 1.x).

Macro-F1 (`macro_f1`, PAN-X and UD-POS, research question 3): F1 per chunk type of the *primary*
seqeval version's chunks — PAN-X: PER, ORG, LOC; UD-POS under 0.0.12: each UPOS tag, so a run of
equal tags is one chunk, exactly as the headline `f1` counts it — and their unweighted mean over
the types present in gold or predictions (ablate.metrics.seqeval_f1.type_stats), from the
statistics `tp:<type>, pred:<type>, gold:<type>` after the micro ones. A task whose `metric` is "accuracy" (CCG) is scored on tokens: every tag is
passed to seqeval as a single-token chunk `S-<tag>`, so n_pred = n_gold = tokens and F1 =
precision = recall = token accuracy, the usual supertagging score.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ablate.errors import AblateError
from ablate.metrics import seqeval_f1
from ablate.metrics.classification import MacroF1
from ablate.tasks.spec import TaskSpec

HEAD = "token_classification"
SELECTION_METRIC = "f1"  # English-dev metric for checkpoint selection (token accuracy for CCG)
METRICS = ("f1", "precision", "recall",  # the first is XTREME's metric for UD-POS and PAN-X
           "f1_seqeval1", "precision_seqeval1", "recall_seqeval1",  # UD-POS only (module docstring)
           "macro_f1")  # tasks scored by chunk F1 (not CCG's token accuracy)
# task -> (seqeval version of the primary statistics, version of the `_seqeval1` ones)
SEQEVAL_VERSIONS = {"udpos": ("0.0.12", "1")}
SECOND_SUFFIX = "_seqeval1"
SEQUENCE_OUTPUTS = ("logits",)  # (seq_len, num_labels) per feature, cut to the feature's length
IGNORE = -100  # label of positions the loss skips
ABSTAIN = "O"  # prediction for a word without a scored sub-token (see the module docstring)


def head_kwargs(spec: TaskSpec) -> dict:
    names = list(spec.label_names)
    return {"num_labels": len(names), "id2label": dict(enumerate(names)),
            "label2id": {n: i for i, n in enumerate(names)}}


def _encode(ds, tokenizer, max_length: int):
    if not getattr(tokenizer, "is_fast", False):
        raise AblateError("Tagging needs a fast tokenizer (for word_ids()); this model's tokenizer is slow.")
    return tokenizer([list(t) for t in ds["tokens"]], is_split_into_words=True, truncation=True,
                     max_length=max_length)


def first_subtokens(word_ids: Sequence[int | None]) -> dict[int, int]:
    """word index -> position of its first sub-token, for the words present in `word_ids`."""
    first: dict[int, int] = {}
    for position, word in enumerate(word_ids):
        if word is not None and word not in first:
            first[word] = position
    return first


def align_labels(word_ids: Sequence[int | None], labels: Sequence[int]) -> list[int]:
    """Per-position labels: the word's label at its first sub-token, IGNORE elsewhere."""
    out = [IGNORE] * len(word_ids)
    for word, position in first_subtokens(word_ids).items():
        out[position] = int(labels[word])
    return out


def gold_ids(ds, spec: TaskSpec) -> list[list[int]]:
    """Gold label ids per sentence (see the module docstring for the accepted columns)."""
    if "tag_ids" in ds.column_names:
        rows = [list(r) for r in ds["tag_ids"]]
    else:
        index = {name: i for i, name in enumerate(spec.label_names)}
        rows = []
        for tags in ds["tags"]:
            try:
                rows.append([t if isinstance(t, int) else index[t] for t in tags])
            except KeyError as e:
                raise AblateError(f"Task '{spec.name}': tag {e.args[0]!r} is not one of "
                                  f"{list(spec.label_names)}.") from None
    n = len(spec.label_names)
    for row in rows:
        if any(not 0 <= t < n for t in row):
            raise AblateError(f"Task '{spec.name}': tag id outside 0..{n - 1} in {row}.")
    return rows


def gold_tags(ds, spec: TaskSpec) -> list[list[str]]:
    names = spec.label_names
    return [[names[t] for t in row] for row in gold_ids(ds, spec)]


def train_features(ds, tokenizer, max_length: int):
    """Canonical rows -> model inputs with per-position `labels`; unpadded (the collator pads).

    The gold must be label ids here (`tag_ids`, or `tags` as ClassLabel ids): no spec is passed."""
    from datasets import Dataset

    enc = _encode(ds, tokenizer, max_length)
    golds = _training_ids(ds)
    features = dict(enc)
    features["labels"] = [align_labels(enc.word_ids(i), golds[i]) for i in range(len(golds))]
    return Dataset.from_dict(features)


def _training_ids(ds) -> list[list[int]]:
    column = "tag_ids" if "tag_ids" in ds.column_names else "tags"
    rows = [list(r) for r in ds[column]]
    if any(not isinstance(t, int) for row in rows for t in row):
        raise AblateError("Tagging training data must carry label ids (ClassLabel ids or `tag_ids`); "
                          f"column '{column}' holds strings.")
    return rows


def eval_features(ds, tokenizer, max_length: int):
    """(features, meta): one feature per sentence; meta = each feature's word_ids()."""
    from datasets import Dataset

    enc = _encode(ds, tokenizer, max_length)
    return Dataset.from_dict(dict(enc)), [enc.word_ids(i) for i in range(len(ds))]


def collator(tokenizer):
    from transformers import DataCollatorForTokenClassification

    return DataCollatorForTokenClassification(tokenizer, label_pad_token_id=IGNORE)


def predict(ds, outputs: list[dict[str, np.ndarray]], meta, spec: TaskSpec) -> list[list[str]]:
    """Per-feature `logits` (seq_len, num_labels) -> one tag string per word of each sentence."""
    names = spec.label_names
    predictions = []
    for tokens, output, word_ids in zip(ds["tokens"], outputs, meta):
        best = output["logits"].argmax(-1)
        first = first_subtokens(word_ids)
        predictions.append([names[int(best[first[w]])] if w in first else ABSTAIN
                            for w in range(len(tokens))])
    return predictions


def prediction_columns(ds, predictions: list[list[str]], spec: TaskSpec) -> dict[str, list]:
    return {"tokens": [list(t) for t in ds["tokens"]], "gold": gold_tags(ds, spec),
            "prediction": [list(p) for p in predictions]}


def stat_names(spec: TaskSpec) -> tuple[str, ...]:
    names = seqeval_f1.stat_names
    if spec.name in SEQEVAL_VERSIONS:
        names += tuple(n + SECOND_SUFFIX for n in seqeval_f1.stat_names)
    macro = _macro(spec)
    return names + (macro.stat_names if macro else ())


def _macro(spec: TaskSpec) -> MacroF1 | None:
    """Macro-F1 over the chunk types of the primary seqeval version; None for token accuracy."""
    if spec.metric == "accuracy":
        return None
    return MacroF1(seqeval_f1.chunk_types(spec.label_names, _versions(spec)[0]))


def _versions(spec: TaskSpec) -> tuple[str, ...]:
    return SEQEVAL_VERSIONS.get(spec.name, ("1",))


def scored_tags(tags: list[list[str]], spec: TaskSpec) -> list[list[str]]:
    """The strings seqeval sees: the tags themselves, or single-token chunks for token accuracy."""
    if spec.metric == "accuracy":
        return [[f"S-{t}" for t in row] for row in tags]
    return tags


def example_stats(ds, predictions: list[list[str]], spec: TaskSpec, lang: str) -> np.ndarray:
    """(n_sentences, k) in `stat_names(spec)` order: `(tp, n_pred, n_gold)` per seqeval version,
    then the per-type counts of the primary version (macro-F1)."""
    gold, pred = scored_tags(gold_tags(ds, spec), spec), scored_tags(predictions, spec)
    versions = _versions(spec)
    parts = [seqeval_f1.stats(gold, pred, version=v) for v in versions]
    macro = _macro(spec)
    if macro:
        parts.append(seqeval_f1.type_stats(gold, pred, macro.labels, version=versions[0]))
    return np.concatenate(parts, axis=1)


def aggregate(totals: np.ndarray, spec: TaskSpec, lang: str | None = None) -> dict:
    """Summed statistics (..., k) -> {'f1', 'precision', 'recall'} (and their `_seqeval1` twins
    for UD-POS) and 'macro_f1', on the 0-100 scale, shape (...). Per-type F1 re-derive from the
    `tp:<type>, pred:<type>, gold:<type>` columns (`MacroF1(types).aggregate`)."""
    totals = np.asarray(totals)
    out = seqeval_f1.aggregate(totals[..., :3])
    k = 3
    if spec.name in SEQEVAL_VERSIONS:
        out.update({name + SECOND_SUFFIX: v for name, v in seqeval_f1.aggregate(totals[..., 3:6]).items()})
        k = 6
    macro = _macro(spec)
    if macro:
        out["macro_f1"] = macro.aggregate(totals[..., k:])["macro_f1"]
    return out
