"""The registered tasks (data_cards/ for ids, configs, columns and label meanings)."""

from __future__ import annotations

from ablate import languages as L
from ablate.tasks.spec import Source, TaskSpec

NLI_LABELS = ("entailment", "neutral", "contradiction")  # MNLI/SNLI/ANLI ClassLabel order
_NLI = {"text_a": "premise", "text_b": "hypothesis", "label": "label"}
_XNLI = {"text_a": "sentence1", "text_b": "sentence2", "label": "gold_label"}
_PAIR = {"text_a": "sentence1", "text_b": "sentence2", "label": "label"}


def _glue(config: str, split: str, columns) -> Source:
    return Source("nyu-mll/glue", config, split, columns, id_column="idx")


MNLI_TRAIN = _glue("mnli", "train", _NLI)
MNLI_DEV = _glue("mnli", "validation_matched", _NLI)

TASKS: dict[str, TaskSpec] = {}


def register(spec: TaskSpec) -> TaskSpec:
    TASKS[spec.name] = spec
    return spec


register(TaskSpec(
    name="mnli", title="MultiNLI", format="classification", role="intermediate",
    languages=("en",), train=(MNLI_TRAIN,), dev=(MNLI_DEV,), label_names=NLI_LABELS,
    cards=("mnli",),
))
register(TaskSpec(
    name="qqp", title="Quora Question Pairs", format="classification", role="intermediate",
    languages=("en",),
    train=(_glue("qqp", "train", {"text_a": "question1", "text_b": "question2", "label": "label"}),),
    dev=(_glue("qqp", "validation", {"text_a": "question1", "text_b": "question2", "label": "label"}),),
    label_names=("not_duplicate", "duplicate"), cards=("qqp",),
))
register(TaskSpec(
    name="anli_plus", title="ANLI+ (ANLI R1-R3 + MNLI + SNLI)", format="classification",
    role="intermediate", languages=("en",),
    train=(
        *(Source("facebook/anli", "plain_text", f"train_r{r}", _NLI, id_column="uid") for r in (1, 2, 3)),
        MNLI_TRAIN,
        Source("stanfordnlp/snli", "plain_text", "train", _NLI),
    ),
    # One shared NLI head; the dev set for selection is ANLI's dev rounds (docs/paper.md: unverified).
    dev=tuple(Source("facebook/anli", "plain_text", f"dev_r{r}", _NLI, id_column="uid") for r in (1, 2, 3)),
    label_names=NLI_LABELS, cards=("anli_plus", "anli", "mnli", "snli"),
    notes="SNLI rows with label -1 (no gold) are dropped.",
))

_XNLI_MAP = {name: i for i, name in enumerate(NLI_LABELS)}
register(TaskSpec(
    name="xnli", title="XNLI", format="classification", role="target", languages=L.XNLI,
    train=(MNLI_TRAIN,),  # XTREME trains XNLI on English MNLI
    dev=(Source("google/xtreme", "XNLI", "validation", _XNLI, where=(("language", "en"),),
                label_map=_XNLI_MAP, parallel=True),),
    evaluation={
        split: Source("google/xtreme", "XNLI", split, _XNLI, where=(("language", "{lang}"),),
                      label_map=_XNLI_MAP, parallel=True)
        for split in ("validation", "test")
    },
    label_names=NLI_LABELS, cards=("xnli", "mnli"),
))
_PAWSX_MAP = {"0": 0, "1": 1}
register(TaskSpec(
    name="pawsx", title="PAWS-X", format="classification", role="target", languages=L.PAWSX,
    train=(Source("google/xtreme", "PAWS-X.en", "train", _PAIR, label_map=_PAWSX_MAP),),
    dev=(Source("google/xtreme", "PAWS-X.en", "validation", _PAIR, label_map=_PAWSX_MAP, parallel=True),),
    evaluation={
        split: Source("google/xtreme", "PAWS-X.{lang}", split, _PAIR, label_map=_PAWSX_MAP, parallel=True)
        for split in ("validation", "test")
    },
    label_names=("not_paraphrase", "paraphrase"), cards=("pawsx",),
))
