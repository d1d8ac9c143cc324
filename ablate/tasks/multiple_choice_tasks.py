"""Multiple-choice intermediate tasks: HellaSwag, CommonsenseQA, Cosmos QA (cards in data_cards/).

Each maps its Hub columns onto the canonical columns of ablate.tasks.multiple_choice, with the
prompt/choice split jiant uses. Labels: HellaSwag's strings "0".."3" and CommonsenseQA's
answerKey "A".."E" go through `label_map`; Cosmos QA's int label is used as is. Rows without
gold (HellaSwag/CommonsenseQA test "", Cosmos QA test -1) are dropped by the loader.
"""

from __future__ import annotations

from ablate.tasks.definitions import register
from ablate.tasks.spec import Source, TaskSpec

# Cosmos QA's Hub repo still holds a loading script, which datasets >= 4 refuses to run.
COSMOS_QA_HINT = (
    "allenai/cosmos_qa is a script dataset that datasets >= 4 cannot run: load its parquet "
    "branch with `--set dataset_revisions.allenai/cosmos_qa=refs/convert/parquet`, or pass a "
    "local copy with `--data-dir DIR` (DIR/allenai__cosmos_qa/default/{train,validation}.jsonl "
    "or .parquet, columns id, context, question, answer0..answer3, label)."
)

_HELLASWAG = {"context": "ctx_a", "choice_prefix": "ctx_b", "choices": "endings", "label": "label"}
_CSQA = {"context": "question", "choices": "choices", "label": "answerKey"}
_COSMOS = {"context": "context", "question": "question",
           **{f"choice{i}": f"answer{i}" for i in range(4)}, "label": "label"}


def _hellaswag(split: str) -> Source:
    return Source("Rowan/hellaswag", "default", split, _HELLASWAG, id_column="ind",
                  label_map={str(i): i for i in range(4)})


def _csqa(split: str) -> Source:
    # answerKey is the letter of `choices.label`, which is always A..E in this order.
    return Source("tau/commonsense_qa", "default", split, _CSQA, id_column="id",
                  label_map={letter: i for i, letter in enumerate("ABCDE")})


def _cosmos(split: str) -> Source:
    # The main branch holds a loading script that datasets >= 4 refuses; the parquet bot branch
    # is the default revision (unverified offline: see the card).
    return Source("allenai/cosmos_qa", "default", split, _COSMOS, id_column="id",
                  revision="refs/convert/parquet", hint=COSMOS_QA_HINT)


register(TaskSpec(
    name="hellaswag", title="HellaSwag", format="multiple_choice", role="intermediate",
    languages=("en",), train=(_hellaswag("train"),), dev=(_hellaswag("validation"),),
    label_names=("0", "1", "2", "3"), cards=("hellaswag",),
    notes="Prompt ctx_a; each choice ctx_b + ' ' + ending (jiant).",
))
register(TaskSpec(
    name="commonsense_qa", title="CommonsenseQA", format="multiple_choice", role="intermediate",
    languages=("en",), train=(_csqa("train"),), dev=(_csqa("validation"),),
    label_names=("A", "B", "C", "D", "E"), cards=("commonsense_qa",),
    notes="Prompt question; choices choices.text.",
))
register(TaskSpec(
    name="cosmos_qa", title="Cosmos QA", format="multiple_choice", role="intermediate",
    languages=("en",), train=(_cosmos("train"),), dev=(_cosmos("validation"),),
    label_names=("0", "1", "2", "3"), cards=("cosmos_qa",),
    notes="Prompt context + ' ' + question; choices answer0..answer3. " + COSMOS_QA_HINT,
))
