"""Retrieval targets: BUCC 2018 and Tatoeba. No training data: `ablate.phases.retrieve` mines
and searches with the (baseline or intermediate-trained) encoder's mean-pooled hidden states.

Canonical columns: `source` (the non-English sentence), `target` (its English translation) and,
for BUCC, `source_id` / `target_id` (the BUCC sentence ids, which google/xtreme keeps in the
misnamed `source_lang` / `target_lang` columns — data_cards/bucc2018.md).
"""

from __future__ import annotations

from ablate import languages as L
from ablate.tasks.definitions import register
from ablate.tasks.spec import Source, TaskSpec

_BUCC = {"source": "source_sentence", "target": "target_sentence",
         "source_id": "source_lang", "target_id": "target_lang"}
_TATOEBA = {"source": "source_sentence", "target": "target_sentence"}

register(TaskSpec(
    name="bucc2018", title="BUCC 2018 bitext mining", format="retrieval", role="target",
    languages=L.BUCC,
    evaluation={
        # "validation" = BUCC's "sample" gold: only used to choose the margin threshold that is
        # then applied to "test" (BUCC's "training" gold; the official test gold is not public).
        split: Source("google/xtreme", "bucc18.{lang}", split, _BUCC)
        for split in ("validation", "test")
    },
    metric="f1", cards=("bucc2018",),
    notes="The Hub copy holds the gold pairs only (no distractor sentences), which makes mining "
          "far easier than the real task; give --data-dir with the full BUCC 2018 corpora "
          "(<data_dir>/bucc2018/<lang>-en/<lang>-en.{sample,test}.{<lang>,en,gold}) for the real one.",
))

register(TaskSpec(
    name="tatoeba", title="Tatoeba similarity search", format="retrieval", role="target",
    languages=L.TATOEBA,
    # google/xtreme serves Tatoeba as a single `validation` split: it *is* the LASER/XTREME
    # Tatoeba test set (there is nothing to tune on), so ablate reports it as split "test",
    # keyed like every other target's headline numbers (`tatoeba.<lang>.accuracy`).
    evaluation={"test": Source("google/xtreme", "tatoeba.{code3}", "validation", _TATOEBA)},
    metric="accuracy", cards=("tatoeba",),
    notes="Top-1 accuracy of cosine search with English queries over the other language's "
          "sentences, as XTREME's run_retrieval.py does.",
))
