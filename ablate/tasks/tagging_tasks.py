"""Tagging tasks: CCG supertagging (intermediate), UD-POS and PAN-X (XTREME targets).

UD-POS and PAN-X keep the Hub's ClassLabel ids in the canonical `tags` column; `label_names`
below are those ClassLabels' names in order (data_cards/udpos.md, panx.md; checked against the fixtures' features
in tests/tasks/test_tagging.py), so ids turn back into the exact strings XTREME scores.

CCG's label space is data-dependent (the 425 most frequent training supertags + UNK,
ablate.data.ccg): the reader assigns the ids (`tag_ids`), so the task only fixes the *size* of
the head; its label names are rank placeholders (`tag001` = the most frequent training tag).
"""

from __future__ import annotations

from ablate import languages as L
from ablate.data.ccg import TAG_CAP, UNK
from ablate.tasks.definitions import register
from ablate.tasks.spec import Source, TaskSpec

UPOS = ("ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM", "PART", "PRON", "PROPN",
        "PUNCT", "SCONJ", "SYM", "VERB", "X")  # google/xtreme udpos.* pos_tags ClassLabel order
PANX = ("O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC")  # PAN-X.* ner_tags order
CCG_LABELS = tuple(f"tag{rank:03d}" for rank in range(1, TAG_CAP + 1)) + (UNK,)

_CCG = {"tokens": "tokens", "tags": "tags", "tag_ids": "tag_ids"}
_UDPOS = {"tokens": "tokens", "tags": "pos_tags"}
_PANX = {"tokens": "tokens", "tags": "ner_tags"}
EVAL_SPLITS = ("validation", "test")


def _ccg(split: str) -> Source:
    return Source("local/ccgbank", "default", split, _CCG)


register(TaskSpec(
    name="ccg", title="CCG supertagging (CCGbank)", format="tagging", role="intermediate",
    languages=("en",), train=(_ccg("train"),), dev=(_ccg("dev"),),
    label_names=CCG_LABELS,
    metric="accuracy",  # token accuracy over the 425+UNK label space (see ablate.tasks.tagging)
    cards=("ccg",),
    notes="Local files only (LDC2005T13): --data-dir DIR with DIR/ccg/{train,dev,test}.tsv.",
))


def _udpos(split: str) -> Source:
    return Source("google/xtreme", "udpos.{name}", split, _UDPOS)


# Treebanks without a train or dev portion (languages.py); evaluation skips these pairs.
_UDPOS_MISSING = tuple(("validation", lang) for lang in L.UDPOS_TEST_ONLY + L.UDPOS_NO_DEV)
register(TaskSpec(
    name="udpos", title="UD-POS (XTREME)", format="tagging", role="target", languages=L.UDPOS,
    train=(_udpos("train").for_lang("en"),), dev=(_udpos("validation").for_lang("en"),),
    evaluation={split: _udpos(split) for split in EVAL_SPLITS},
    label_names=UPOS, unavailable=_UDPOS_MISSING, metric="f1", cards=("udpos",),
    notes="seqeval F1 on the raw UPOS strings, as XTREME's evaluate.py.",
))


def _panx(split: str) -> Source:
    return Source("google/xtreme", "PAN-X.{lang}", split, _PANX)


register(TaskSpec(
    name="panx", title="PAN-X / WikiANN NER (XTREME)", format="tagging", role="target",
    languages=L.PANX, train=(_panx("train").for_lang("en"),), dev=(_panx("validation").for_lang("en"),),
    evaluation={split: _panx(split) for split in EVAL_SPLITS},
    label_names=PANX, metric="f1", cards=("panx",),
))
