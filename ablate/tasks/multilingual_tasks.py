"""Intermediate tasks from published multilingual training sets (not ablate's own MT).

- `xnli_translate_train`: XNLI's machine translations of the MNLI training set (`facebook/xnli`,
  the `train` split of each of its 14 non-English configs); English part: MNLI (`nyu-mll/glue`).
- `pawsx_translate_train`: PAWS-X's machine-translated training sets
  (`google-research-datasets/paws-x`, `train` of de es fr ja ko zh); English part: its `en` train.
- `tydiqa_multilingual`: TyDiQA-GoldP's human-written training set (`google/xtreme` `tydiqa`
  train, 8 non-English languages by id prefix); English part: its English rows.

Which part is trained on is the same switch as mt-translate's (`mt.mix`, `--mt-mix`): `translated`
(default) = the non-English part only; `en+translated` adds the English part. For TyDiQA
"translated" means "non-English": its questions were written in each language.

Selection is English, as in stilts and mt-translate, and never reads a split a target evaluates
(ablate.tasks.evaluated checks that at planning): MNLI dev for XNLI's translations; for PAWS-X and
TyDiQA, whose validation sets are evaluated, a held-out slice of the English training rows
(500 by id hash, `Holdout`) that every language's training part leaves out (PAWS-X ids are shared
by the translations of a pair; TyDiQA's slice is exactly the one the tydiqa target selects on).
"""

from __future__ import annotations

from dataclasses import replace

from ablate import languages as L
from ablate.tasks.definitions import MNLI_DEV, MNLI_TRAIN, NLI_LABELS, register
from ablate.tasks.spec import Holdout, Source, TaskSpec

_XNLI_HUB = {"text_a": "premise", "text_b": "hypothesis", "label": "label"}
_PAWSX_HUB = {"text_a": "sentence1", "text_b": "sentence2", "label": "label"}
_QA = {"question": "question", "context": "context", "answers": "answers"}


def english_part(spec: TaskSpec, mix: str) -> TaskSpec:
    """`spec` as trained under `mix`: without its English training sources unless 'en+translated'."""
    if mix == "en+translated":
        return spec
    return replace(spec, train=tuple(s for s in spec.train if s.lang != "en"))


def is_multilingual(spec: TaskSpec) -> bool:
    """Whether the task's training data names its languages (so `mt.mix` applies to it)."""
    return any(s.lang for s in spec.train)


register(TaskSpec(
    name="xnli_translate_train", title="XNLI translate-train (MT of MNLI, 14 languages)",
    format="classification", role="intermediate", languages=L.XNLI,
    train=(replace(MNLI_TRAIN, lang="en"),
           *(Source("facebook/xnli", lang, "train", _XNLI_HUB, lang=lang) for lang in L.XNLI if lang != "en")),
    dev=(MNLI_DEV,),  # English MNLI dev: XNLI's own validation/test are what the xnli target evaluates
    label_names=NLI_LABELS, cards=("xnli_translate_train", "mnli"),
    notes="Non-English part: facebook/xnli train (MT of MNLI); --mt-mix en+translated adds MNLI. "
          "Selection: MNLI validation_matched.",
))

_PAWSX_MAP = {0: 0, 1: 1}  # ClassLabel names "0"/"1" -> not_paraphrase/paraphrase


def _pawsx(lang: str, part: str) -> Source:
    return Source("google-research-datasets/paws-x", lang, "train", _PAWSX_HUB, id_column="id",
                  label_map=_PAWSX_MAP, holdout=Holdout(part), lang=lang,
                  hint="If the Hub copy still needs its loading script, pin revision refs/convert/parquet "
                       "(--set dataset_revisions.google-research-datasets/paws-x=refs/convert/parquet).")


register(TaskSpec(
    name="pawsx_translate_train", title="PAWS-X translate-train (MT of PAWS, 6 languages)",
    format="classification", role="intermediate", languages=L.PAWSX,
    train=tuple(_pawsx(lang, "rest") for lang in L.PAWSX),
    dev=(_pawsx("en", "held_out"),),  # PAWS-X validation/test are evaluated by the pawsx target
    label_names=("not_paraphrase", "paraphrase"), cards=("pawsx_translate_train",),
    notes="Selection: 500 held-out English train pairs (by id hash); every language trains without "
          "those ids. --mt-mix en+translated adds the English train rows.",
))


def _tydiqa(lang: str, **kw) -> Source:
    prefix = next(p for p, code in L.TYDIQA_PREFIXES.items() if code == lang)
    return Source("google/xtreme", "tydiqa", "train", _QA, where=(("id", f"{prefix}-*"),), id_column="id",
                  lang=lang, **kw)


register(TaskSpec(
    name="tydiqa_multilingual", title="TyDiQA-GoldP train (human-written, 9 languages)",
    format="span_qa", role="intermediate", languages=L.TYDIQA,
    train=(_tydiqa("en", holdout=Holdout("rest")), *(_tydiqa(lang) for lang in L.TYDIQA if lang != "en")),
    # The tydiqa target's own selection slice: the evaluated split (validation) is never read.
    dev=(_tydiqa("en", holdout=Holdout("held_out")),),
    metric="em_f1", cards=("tydiqa",),
    notes="Trains on train only (XTREME evaluates TyDiQA-GoldP on validation). Selection: the 500 "
          "held-out English train rows the tydiqa target selects on. --mt-mix en+translated adds "
          "the other English rows.",
))
