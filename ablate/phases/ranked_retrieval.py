"""XTREME-R's ranked retrieval targets: Mewsli-X and LAReQA, mAP@20.

As XTREME-R does, the encoder is first fine-tuned as a dual encoder (Mewsli-X on English Wikipedia
mention–entity pairs, LAReQA on SQuAD; `ablate.tasks.dual_encoder`) and its pooler outputs are
searched by cosine; the metrics are `mewslix.*` / `lareqa.*`. With `retrieval_finetune = false`
the baseline or intermediate-trained encoder is scored as it is, with the retrieval phase's
sentence vectors (mean-pooled layer, cosine; the same Encoder as BUCC/Tatoeba), logged as
`mewslix_untuned.*` / `lareqa_untuned.*`: not comparable to XTREME-R's numbers (docs/xtreme-r.md).

- Mewsli-X: every candidate entity's description is encoded once; per language and split
  (validation = dev, test) each mention query retrieves the top 20 entities; per-mention
  reciprocal rank of the gold entity (`ablate.metrics.ranking.reciprocal_rank`).
- LAReQA: one pool of every language's candidate sentences (sentence + paragraph); each
  question of a language retrieves the top 20 of the whole pool; per-question AP@20 against its
  answer sentences in all eleven languages (`ablate.metrics.ranking.average_precision`).

    ablate run baseline --targets mewslix,lareqa --preset smoke --seeds 1
"""

from __future__ import annotations

import hashlib
import json

import numpy as np

from ablate.data import lareqa, mewslix
from ablate.errors import AblateError
from ablate.metrics import ranking
from ablate.metrics.retrieval import cosine_topk
from ablate.phases.retrieval_results import Scorer, SplitResult


def _digest(obj) -> str:
    return hashlib.sha256(json.dumps(obj, ensure_ascii=False).encode()).hexdigest()[:16]


def _topk(queries: np.ndarray, keys: np.ndarray, search: dict) -> np.ndarray:
    """Indices of the top min(20, n_keys) keys per query, best first."""
    if len(queries) == 0:
        return np.zeros((0, 0), dtype=np.int64)
    backend = "numpy" if search["backend"] == "torch" else search["backend"]  # embeddings are numpy here
    return cosine_topk(queries, keys, min(ranking.K, len(keys)), backend=backend)[1]


def _cap(rows: list, ctx) -> list:
    cap = ctx.phase.settings["max_examples"]
    return rows[:cap] if cap else rows


# --- Mewsli-X ---------------------------------------------------------------------------------

def _mewslix_prepare(spec, ctx, encode, search) -> dict:
    ids, texts = mewslix.read_entities(ctx.cfg)
    if not ids:
        raise AblateError("Mewsli-X has no candidate entities. " + mewslix.GUIDANCE)
    return {"ids": ids, "emb": encode(texts), "digest": _digest(ids)}


def _mewslix(spec, lang: str, ctx, encode, search, shared: dict) -> list[SplitResult]:
    out = []
    for split in spec.evaluation:
        mentions = _cap(mewslix.read_mentions(ctx.cfg, split, lang), ctx)
        if any(not m.entity_id for m in mentions):
            raise AblateError(f"Mewsli-X {split} mentions of '{lang}' have no gold entity ids (XTREME's "
                              "preprocessing removes the test labels): use the original Mewsli-X files. "
                              + mewslix.GUIDANCE)
        inds = _topk(encode([m.query for m in mentions], query=True), shared["emb"], search)
        ranked = [[shared["ids"][i] for i in row] for row in inds]
        scores = [ranking.reciprocal_rank(m.entity_id, r) for m, r in zip(mentions, ranked)]
        ids = [f"{lang}:{m.example_id}" for m in mentions]
        columns = {"id": ids, "parallel_id": ids, "query": [m.query for m in mentions],
                   "gold": [m.entity_id for m in mentions], "prediction": ranked}
        digest = _digest([[m.example_id, m.query, m.entity_id] for m in mentions] + [shared["digest"]])
        source = f"local/mewslix {mewslix.SPLITS[split]} mentions ({lang}) + candidate_set_entities"
        details = {f"{split}.sizes": {"mentions": len(mentions), "candidates": len(shared["ids"])}}
        out.append(SplitResult(split, columns, ranking.stats(scores), ranking.stat_names, digest, source, details))
    return out


# --- LAReQA -----------------------------------------------------------------------------------

def _lareqa_prepare(spec, ctx, encode, search) -> dict:
    pool = lareqa.read_pool(ctx.cfg, ctx.phase.settings["languages"])
    return {"pool": pool, "emb": encode(pool.candidate_texts), "digest": _digest(pool.candidate_ids)}


def _lareqa(spec, lang: str, ctx, encode, search, shared: dict) -> list[SplitResult]:
    pool = shared["pool"]
    rows = _cap([i for i, q in enumerate(pool.question_langs) if q == lang], ctx)
    inds = _topk(encode([pool.questions[i] for i in rows], query=True), shared["emb"], search)
    ranked = [[pool.candidate_ids[j] for j in row] for row in inds]
    relevant = [pool.answers[pool.xling_ids[i]] for i in rows]
    scores = [ranking.average_precision(set(rel), r) for rel, r in zip(relevant, ranked)]
    columns = {"id": [pool.question_ids[i] for i in rows], "parallel_id": [pool.xling_ids[i] for i in rows],
               "query": [pool.questions[i] for i in rows], "gold": relevant, "prediction": ranked}
    digest = _digest([[pool.question_ids[i], pool.questions[i]] for i in rows] + [shared["digest"]])
    details = {"test.sizes": {"questions": len(rows), "candidates": len(pool.candidate_ids),
                              "skipped_questions": pool.skipped}}
    return [SplitResult("test", columns, ranking.stats(scores), ranking.stat_names, digest,
                        f"local/lareqa xquad-r/{lang}.json (pool: {', '.join(ctx.phase.settings['languages'])})",
                        details)]


RANKED_SCORERS = {
    "mewslix": Scorer(_mewslix, ranking, {
        "metric": "mAP@20 = mean reciprocal rank of the gold entity in the top 20 (XTREME-R utils_mewslix)"},
        prepare=_mewslix_prepare),
    "lareqa": Scorer(_lareqa, ranking, {
        "metric": "mAP@20 over one multilingual candidate pool (XTREME-R utils_lareqa)"},
        prepare=_lareqa_prepare),
}
