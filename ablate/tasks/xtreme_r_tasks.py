"""XTREME-R targets (Ruder et al. 2021; google-research/xtreme evaluate.py `XTREME_R_TASK2LANGS`).

New tasks: XCOPA (multiple choice), Mewsli-X and LAReQA (ranked retrieval after a dual-encoder
fine-tune, mAP@20). Extended
language sets: `udpos_xr`, `panx_xr`, `tatoeba_xr`, `xquad_xr` are XTREME's tasks with XTREME-R's
languages — the same English training data (so they share their fine-tune with `udpos`, ...), the
XTREME languages from the same sources, the added languages from wherever they are published
(`Source.by_lang`): PAN-X from `unimelb-nlp/wikiann`, Tatoeba from `mteb/tatoeba-bitext-mining`,
XQuAD ro from `google/xquad`, UD-POS from local UD v2.7 files. XTREME's own tasks keep XTREME's
sets; one run holds only one set per task unless `mix_language_sets` is set (ablate.tasks).
"""

from __future__ import annotations

from dataclasses import replace

from ablate import languages as L
from ablate.tasks.definitions import TASKS, register
from ablate.tasks.spec import Holdout, Source, TaskSpec
from ablate.tasks.span_qa_tasks import SCRIPTS, SQUAD_V1, XQUAD_EN

# --- XCOPA: SIQA, then English COPA, then zero-shot on the 11 XCOPA languages -------------------
# XTREME-R's scripts/train_xcopa.sh trains on SIQA and continues on English COPA (the whole model,
# head included); ablate does both in XCOPA's fine-tune phase (TaskSpec.train_first).
SIQA_HINT = ("allenai/social_i_qa's main branch holds a loading script: ablate reads its parquet branch "
             "(refs/convert/parquet); or pass --data-dir DIR with DIR/allenai__social_i_qa/default/"
             "{train,validation}.jsonl (columns context, question, answerA, answerB, answerC, label).")
COPA_HINT = ("aps/super_glue's main branch holds a loading script: ablate reads its parquet branch "
             "(refs/convert/parquet, config copa); or pass --data-dir DIR with DIR/aps__super_glue/copa/"
             "{train,validation}.jsonl (columns premise, choice1, choice2, question, idx, label).")
_SIQA = {"context": "context", "question": "question", "choice0": "answerA", "choice1": "answerB",
         "choice2": "answerC", "label": "label"}
# `copa_question` ("cause"/"effect") becomes "What was the cause?" (ablate.tasks.multiple_choice).
_COPA = {"context": "premise", "copa_question": "question", "choice0": "choice1", "choice1": "choice2",
         "label": "label"}


def _siqa(split: str) -> Source:
    return Source("allenai/social_i_qa", "default", split, _SIQA, label_map={"1": 0, "2": 1, "3": 2},
                  revision="refs/convert/parquet", hint=SIQA_HINT)


def _copa(part: str) -> Source:
    # XCOPA's validation/test are translations of COPA's validation/test, so selection uses a
    # held-out slice of COPA *train* (80 of 400 by idx hash) and training the rest: no English
    # original of an evaluated XCOPA item is seen by selection.
    return Source("aps/super_glue", "copa", "train", _COPA, id_column="idx", revision="refs/convert/parquet",
                  hint=COPA_HINT, holdout=Holdout(part, size=80))


register(TaskSpec(
    name="siqa", title="Social IQa", format="multiple_choice", role="intermediate", languages=("en",),
    train=(_siqa("train"),), dev=(_siqa("validation"),), label_names=("A", "B", "C"), cards=("siqa",),
    notes="Prompt context + ' ' + question; choices answerA..answerC. XCOPA trains on it first. " + SIQA_HINT,
))
register(TaskSpec(
    name="xcopa", title="XCOPA", format="multiple_choice", role="target", languages=L.XCOPA,
    train_first="siqa", train=(_copa("rest"),), dev=(_copa("held_out"),),
    # `idx` restarts at 0 in every COPA/XCOPA split (not an item id), so rows are keyed by
    # position, which is parallel across languages (every XCOPA file is in idx order).
    evaluation={split: Source("cambridgeltl/xcopa", "{lang}", split, _COPA, parallel=True)
                for split in ("validation", "test")},
    label_names=("choice1", "choice2"), cards=("xcopa", "copa", "siqa"),
    notes="Trained on SIQA, then English COPA (XTREME-R's train_xcopa.sh); prompt "
          "'<premise> What was the <cause|effect>?' paired with each choice (run_xcopa.py).",
))

# --- Mewsli-X and LAReQA: a dual-encoder fine-tune (ablate.tasks.dual_encoder), then ranked retrieval
# (ablate.phases.ranked_retrieval). `retrieval_finetune = false` skips the fine-tune: `<task>_untuned.*`.
_PAIRS = {"query": "query", "candidate": "candidate", "candidate_id": "entity_id"}


def _mewslix_pairs(split: str) -> Source:
    return Source("local/mewslix", "en", f"wikipedia_pairs-{split}", _PAIRS, id_column="example_id")


register(TaskSpec(
    name="mewslix", title="Mewsli-X entity retrieval", format="retrieval", role="target", languages=L.MEWSLIX,
    # XTREME-R's train_mewslix.sh: English Wikipedia mention-entity pairs, selection on their dev file
    train=(_mewslix_pairs("train"),), dev=(_mewslix_pairs("dev"),),
    evaluation={split: Source("local/mewslix", "{lang}", split, {"query": "query", "gold": "entity_id"},
                              id_column="example_id") for split in ("validation", "test")},
    metric="map20", cards=("mewslix",),
    notes="Fine-tuned as XTREME-R's dual encoder on English Wikipedia mention-entity pairs (mewslix.*); "
          "--set retrieval_finetune=false scores the encoder untuned (mewslix_untuned.*). Local files only "
          "(data_cards/mewslix.md).",
))
# XTREME-R's train_lareqa.sh: SQuAD v1.1 train, each question paired with its answer sentence + paragraph
# (ablate.tasks.dual_encoder). Selection: SQuAD v1.1 dev minus XQuAD's paragraphs, which are XQuAD-R's
# English paragraphs, so no LAReQA test question or candidate is read by selection.
_SQUAD_PAIRS = {"query": "question", "context": "context", "answers": "answers"}
register(TaskSpec(
    name="lareqa", title="LAReQA (XQuAD-R) answer retrieval", format="retrieval", role="target",
    languages=L.LAREQA, train=(Source("rajpurkar/squad", "plain_text", "train", _SQUAD_PAIRS, id_column="id"),),
    dev=(Source("rajpurkar/squad", "plain_text", "validation", _SQUAD_PAIRS, id_column="id",
                exclude_contexts=(XQUAD_EN,)),),
    evaluation={"test": Source("local/lareqa", "{lang}", "test", {"query": "question", "answer": "answer"},
                               id_column="id", parallel=True)},
    metric="map20", cards=("lareqa", "squad"),
    notes="Fine-tuned as XTREME-R's dual encoder on SQuAD v1.1 (lareqa.*); --set retrieval_finetune=false "
          "scores the encoder untuned (lareqa_untuned.*). Questions of every language search one pool of all "
          "languages' answer sentences. Evaluation files are local only (data_cards/lareqa.md).",
))

# --- XTREME tasks with XTREME-R's language sets ----------------------------------------------------
_WIKIANN = {"tokens": "tokens", "tags": "ner_tags"}
_MTEB_TATOEBA = {"source": "sentence1", "target": "sentence2"}
_XQUAD_QA = {"question": "question", "context": "context", "answers": "answers"}


def _extended(base: str, languages: tuple[str, ...], added) -> TaskSpec:
    """`base` with XTREME-R's `languages`; `added(split, lang)` is the Source of an added language."""
    spec = TASKS[base]
    new = [lang for lang in languages if lang not in spec.languages]
    evaluation = {split: replace(src, by_lang={lang: added(split, lang) for lang in new})
                  for split, src in spec.evaluation.items()}
    return register(replace(spec, name=f"{base}_xr", title=f"{spec.title}, XTREME-R languages",
                            languages=languages, evaluation=evaluation,
                            cards=spec.cards + (f"{base}_xr",)))


_extended("panx", L.PANX_R, lambda split, lang: Source("unimelb-nlp/wikiann", lang, split, _WIKIANN))
_extended("udpos", L.UDPOS_R, lambda split, lang: Source("local/ud", L.UDPOS_NAMES_R[lang], split,
                                                         {"tokens": "tokens", "tags": "pos_tags"}))
_extended("tatoeba", L.TATOEBA_R, lambda split, lang: Source(
    "mteb/tatoeba-bitext-mining", f"{L.TATOEBA_CODES_R[lang]}-eng", "test", _MTEB_TATOEBA))
SCRIPTS["xquad_xr"] = SQUAD_V1
_extended("xquad", L.XQUAD_R, lambda split, lang: Source(
    "google/xquad", f"xquad.{lang}", "validation", _XQUAD_QA, id_column="id", parallel=True))

# Targets whose languages form one candidate pool (every LAReQA question searches all eleven
# languages' answers): evaluating a subset would shrink the pool and change every language's number
# under the same metric name, so `target_languages` may not restrict them (ablate.tasks).
POOLED = ("lareqa",)

# Each family: XTREME's task and its XTREME-R language set (ablate.tasks.check_language_sets).
LANGUAGE_SETS = {base: f"{base}_xr" for base in ("udpos", "panx", "tatoeba", "xquad")}
XTREME_R = ("xnli", "xcopa", "udpos_xr", "panx_xr", "xquad_xr", "mlqa", "tydiqa", "tatoeba_xr",
            "mewslix", "lareqa")
