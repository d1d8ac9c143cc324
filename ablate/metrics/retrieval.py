"""Cosine nearest neighbours over sentence embeddings, and Tatoeba top-1 accuracy.

Embeddings are L2-normalised here, so the inner product is the cosine. The search is brute
force in chunks of query rows (numpy by default; torch when given tensors, e.g. on a GPU; faiss
`IndexFlatIP` on request — imported lazily and never required). Neighbours are ordered by
descending similarity, ties by ascending key index (faiss leaves tie order unspecified).

Tatoeba as XTREME scores it: for each English sentence the nearest sentence of the other
language (`similarity_search`: faiss over the non-English side, queried with English); correct
when it is the parallel one. Per English sentence `(correct, n)`, aggregated like accuracy.
"""

from __future__ import annotations

import numpy as np

from ablate.errors import AblateError, unknown
from ablate.metrics.classification import aggregate, primary, stat_names

__all__ = [
    "BACKENDS", "aggregate", "cosine_topk", "l2_normalize", "primary", "stat_names",
    "tatoeba_predictions", "tatoeba_stats",
]

BACKENDS = ("auto", "numpy", "torch", "faiss")
_CHUNK_BYTES = 256 * 2**20  # similarity block held in memory at once


def _is_tensor(x) -> bool:
    return type(x).__module__.split(".")[0] == "torch"


def l2_normalize(x) -> np.ndarray:
    """Rows scaled to unit L2 norm (all-zero rows stay zero), float32 unless given float64."""
    if _is_tensor(x):
        x = x.detach().cpu().numpy()
    x = np.asarray(x)
    if x.ndim != 2:
        raise AblateError(
            f"Embeddings must be a 2-d array (n_sentences, dim), got shape {x.shape}."
        )
    x = x.astype(np.float64 if x.dtype == np.float64 else np.float32)  # always a copy
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    np.divide(x, norms, out=x, where=norms > 0)
    return x


def cosine_topk(
    queries, keys, k: int, *, backend: str = "auto", chunk_size: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The k most cosine-similar keys of every query.

    queries: (n_q, d), keys: (n_k, d) — numpy arrays or torch tensors; `backend='auto'` uses
    torch when either is a tensor, numpy otherwise. chunk_size: query rows per block (default:
    as many as fit in ~256 MiB of similarities). Returns (sims (n_q, k) float64, inds (n_q, k)
    int64), each row by descending similarity.
    """
    if backend not in BACKENDS:
        raise unknown("retrieval backend", backend, BACKENDS)
    if backend == "auto":
        backend = "torch" if _is_tensor(queries) or _is_tensor(keys) else "numpy"
    if backend == "torch":
        return _topk_torch(queries, keys, k, chunk_size)
    q, y = l2_normalize(queries), l2_normalize(keys)
    _check_shapes(q, y, k)
    if backend == "faiss":
        return _topk_faiss(q, y, k)
    return _topk_numpy(q, y, k, chunk_size or _default_chunk(y.shape[0]))


def _check_shapes(q: np.ndarray, y: np.ndarray, k: int) -> None:
    if q.shape[1] != y.shape[1]:
        raise AblateError(f"Query dim {q.shape[1]} differs from key dim {y.shape[1]}.")
    if not 1 <= k <= y.shape[0]:
        raise AblateError(
            f"k={k} neighbours requested from {y.shape[0]} keys; need 1 <= k <= n_keys."
        )


def _default_chunk(n_keys: int) -> int:
    return max(1, _CHUNK_BYTES // (4 * max(n_keys, 1)))


def _topk_numpy(q: np.ndarray, y: np.ndarray, k: int, chunk: int) -> tuple[np.ndarray, np.ndarray]:
    sims = np.empty((q.shape[0], k), dtype=np.float64)
    inds = np.empty((q.shape[0], k), dtype=np.int64)
    for start in range(0, q.shape[0], chunk):
        block = q[start : start + chunk] @ y.T
        if k < block.shape[1]:
            candidates = np.argpartition(-block, k - 1, axis=1)[:, :k]
        else:
            candidates = np.broadcast_to(np.arange(block.shape[1]), block.shape)
        # ascending index first, so the stable sort below breaks ties by the lower index
        candidates = np.sort(candidates, axis=1)
        values = np.take_along_axis(block, candidates, axis=1)
        order = np.argsort(-values, axis=1, kind="stable")
        sims[start : start + chunk] = np.take_along_axis(values, order, axis=1)
        inds[start : start + chunk] = np.take_along_axis(candidates, order, axis=1)
    return sims, inds


def _topk_torch(queries, keys, k: int, chunk_size: int | None) -> tuple[np.ndarray, np.ndarray]:
    import torch

    def as_tensor(x):
        return x if isinstance(x, torch.Tensor) else torch.as_tensor(np.asarray(x))

    q, y = as_tensor(queries), as_tensor(keys)
    device = q.device if q.device.type != "cpu" else y.device
    q = torch.nn.functional.normalize(q.to(device=device, dtype=torch.float32), dim=1)
    y = torch.nn.functional.normalize(y.to(device=device, dtype=torch.float32), dim=1)
    _check_shapes(q, y, k)
    chunk = chunk_size or _default_chunk(y.shape[0])
    sims, inds = [], []
    with torch.no_grad():
        for start in range(0, q.shape[0], chunk):
            values, indices = torch.topk(q[start : start + chunk] @ y.T, k, dim=1, sorted=True)
            sims.append(values.double().cpu().numpy())
            inds.append(indices.cpu().numpy().astype(np.int64))
    if not sims:
        return np.empty((0, k)), np.empty((0, k), dtype=np.int64)
    return np.concatenate(sims), np.concatenate(inds)


def _topk_faiss(q: np.ndarray, y: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    try:
        import faiss
    except ImportError:
        raise AblateError(
            "backend='faiss' needs faiss: pip install 'ablate[faiss]' (or use backend='numpy')."
        ) from None
    index = faiss.IndexFlatIP(y.shape[1])
    index.add(np.ascontiguousarray(y, dtype=np.float32))
    sims, inds = index.search(np.ascontiguousarray(q, dtype=np.float32), k)
    return sims.astype(np.float64), inds.astype(np.int64)


def tatoeba_predictions(other_emb, english_emb, **search) -> np.ndarray:
    """For each English sentence the index of the nearest other-language one, shape (n_en,)."""
    _, inds = cosine_topk(english_emb, other_emb, 1, **search)
    return inds[:, 0]


def tatoeba_stats(other_emb, english_emb, gold=None, **search) -> np.ndarray:
    """Per English sentence `(correct, n)`, shape (n_en, 2), int64.

    gold: for each English sentence the index of its translation (default: the same row, as in
    the aligned Tatoeba files). `search` is passed to `cosine_topk` (backend, chunk_size).
    """
    predictions = tatoeba_predictions(other_emb, english_emb, **search)
    gold = np.arange(len(predictions)) if gold is None else np.asarray(gold)
    if gold.shape != predictions.shape:
        raise AblateError(
            f"{gold.shape[0]} gold indices for {predictions.shape[0]} English sentences."
        )
    rows = np.ones((len(predictions), 2), dtype=np.int64)
    rows[:, 0] = predictions == gold
    return rows
