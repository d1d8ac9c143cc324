"""Span QA tasks (cards in data_cards/): SQuAD v1.1/v2.0 (intermediate), XQuAD, MLQA, TyDiQA-GoldP (targets).

Every source already has SQuAD's columns, so the canonical mapping is the identity. `SCRIPTS`
names each task's official scoring script (read by ablate.tasks.span_qa): XTREME scores XQuAD
and TyDiQA with SQuAD v1.1 and MLQA with its own script; SQuAD v2.0 has unanswerable questions.
"""

from __future__ import annotations

from ablate import languages as L
from ablate.tasks.definitions import register
from ablate.tasks.spec import Holdout, Source, TaskSpec

_QA = {"question": "question", "context": "context", "answers": "answers"}

SQUAD_V1, SQUAD_V2, MLQA = "squad-1.1", "squad-2.0", "mlqa"  # the official scoring scripts
SCRIPTS: dict[str, str] = {}  # task name -> script; ablate.tasks.span_qa defaults to SQuAD v1.1


def _qa(hub_id: str, config: str, split: str, **kw) -> Source:
    return Source(hub_id, config, split, _QA, id_column="id", **kw)


def _register(spec: TaskSpec, script: str) -> TaskSpec:
    SCRIPTS[spec.name] = script
    return register(spec)


SQUAD_TRAIN = _qa("rajpurkar/squad", "plain_text", "train")
# XQuAD's 240 paragraphs (1,190 questions, evaluated as test, English included) were taken from
# SQuAD v1.1 dev, so every selection set drawn from SQuAD dev drops the questions on those
# paragraphs. XQuAD has no title column, and its paragraphs span all 48 dev articles, so the
# match is by context text: XQuAD's English config is the list.
XQUAD_EN = _qa("google/xtreme", "XQuAD.en", "validation")
SQUAD_DEV = _qa("rajpurkar/squad", "plain_text", "validation", exclude_contexts=(XQUAD_EN,))

_register(TaskSpec(
    name="squad", title="SQuAD v1.1", format="span_qa", role="intermediate", languages=("en",),
    train=(SQUAD_TRAIN,), dev=(SQUAD_DEV,), metric="em_f1", cards=("squad",),
), SQUAD_V1)
_register(TaskSpec(
    name="squad_v2", title="SQuAD v2.0", format="span_qa", role="intermediate", languages=("en",),
    train=(_qa("rajpurkar/squad_v2", "squad_v2", "train"),),
    # SQuAD 2.0 reuses SQuAD 1.1 articles (which dev paragraphs, unverified): the same exclusion.
    dev=(_qa("rajpurkar/squad_v2", "squad_v2", "validation", exclude_contexts=(XQUAD_EN,)),),
    metric="em_f1", cards=("squad_v2",),
    notes="Unanswerable questions (answers.text == []) are labelled at CLS and predicted as \"\".",
), SQUAD_V2)

# XQuAD and MLQA: XTREME fine-tunes on SQuAD v1.1 train, and ablate selects checkpoints on SQuAD
# v1.1 validation minus XQuAD's paragraphs (English, same domain as the training data), so no
# XQuAD test item, in any language, is seen during selection.
_XQUAD = _qa("google/xtreme", "XQuAD.{lang}", "validation", parallel=True)  # same id in every language
_register(TaskSpec(
    name="xquad", title="XQuAD", format="span_qa", role="target", languages=L.XQUAD,
    train=(SQUAD_TRAIN,), dev=(SQUAD_DEV,),
    # XQuAD has one split (the Hub's `validation`), reported by XTREME as test; there is no
    # separate dev set to show next to it.
    evaluation={"test": _XQUAD},
    metric="em_f1", cards=("xquad", "squad"),
    notes="XQuAD has a single split, evaluated as test; there is no target-language dev split. "
          "Selection uses SQuAD v1.1 dev minus XQuAD's paragraphs.",
), SQUAD_V1)
_register(TaskSpec(
    name="mlqa", title="MLQA", format="span_qa", role="target", languages=L.MLQA,
    train=(SQUAD_TRAIN,), dev=(SQUAD_DEV,),
    # Context language = question language (XTREME's seven MLQA.xx.xx configs); ids are shared
    # by the translations of a question.
    evaluation={split: _qa("google/xtreme", "MLQA.{lang}.{lang}", split, parallel=True)
                for split in ("validation", "test")},
    metric="em_f1", cards=("mlqa", "squad"),
), MLQA)

# TyDiQA-GoldP: one config with 9 languages mixed; the language is the id prefix ("finnish-...").
# XTREME trains on the English rows of train and reports the validation set (there is no public
# test set), so `test` reads the validation set and there is no separate dev split. Checkpoint
# selection must not see the evaluated split, so it uses a held-out slice of the English train
# rows (500 by id hash; see Holdout) and fine-tuning uses the rest.
_TYDIQA_EVAL = _qa("google/xtreme", "tydiqa", "validation", where=(("id", "{name_lower}-*"),))
_TYDIQA_EN_TRAIN = (("id", "english-*"),)
_register(TaskSpec(
    name="tydiqa", title="TyDiQA-GoldP", format="span_qa", role="target", languages=L.TYDIQA,
    train=(_qa("google/xtreme", "tydiqa", "train", where=_TYDIQA_EN_TRAIN, holdout=Holdout("rest")),),
    dev=(_qa("google/xtreme", "tydiqa", "train", where=_TYDIQA_EN_TRAIN, holdout=Holdout("held_out")),),
    evaluation={"test": _TYDIQA_EVAL},
    metric="em_f1", cards=("tydiqa",),
    notes="Evaluated on the GoldP validation set (no public test set), as XTREME reports it. "
          "Selection uses 500 held-out English train rows (by id hash); training uses the rest.",
), SQUAD_V1)
