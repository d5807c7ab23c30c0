"""Dense, keyword and hybrid retrieval. Hybrid fuses the two candidate lists by a convex combination
of min-max normalised scores (weight `alpha` on dense) or by reciprocal rank fusion; the default was
chosen by measurement (README: retrieval evaluation)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from hearth.rag.index.base import Hit, SearchIndex

Mode = Literal["hybrid", "dense", "keyword"]
Fusion = Literal["convex", "rrf"]
DEFAULT_ALPHA = 0.5
RRF_K = 60
CANDIDATES = 100


@dataclass(frozen=True)
class FusionSettings:
    method: Fusion = "convex"
    alpha: float = DEFAULT_ALPHA


def _normalised(hits: list[Hit]) -> dict[str, tuple[Hit, float]]:
    if not hits:
        return {}
    scores = [h.score for h in hits]
    low, high = min(scores), max(scores)
    span = high - low
    return {h.chunk_id: (h, (h.score - low) / span if span > 0 else 1.0) for h in hits}


def fuse(dense: list[Hit], keyword: list[Hit], k: int, fusion: FusionSettings) -> list[Hit]:
    if fusion.method == "rrf":
        scores: dict[str, float] = {}
        by_id: dict[str, Hit] = {}
        for hits in (dense, keyword):
            for rank, hit in enumerate(hits):
                scores[hit.chunk_id] = scores.get(hit.chunk_id, 0.0) + 1.0 / (RRF_K + rank + 1)
                by_id[hit.chunk_id] = hit
    else:
        d, kw = _normalised(dense), _normalised(keyword)
        by_id = {cid: pair[0] for cid, pair in {**kw, **d}.items()}
        scores = {cid: fusion.alpha * d.get(cid, (None, 0.0))[1] + (1 - fusion.alpha) * kw.get(cid, (None, 0.0))[1]
                  for cid in by_id}
    ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:k]
    return [Hit(cid, by_id[cid].document_id, score) for cid, score in ranked]


async def search_index(index: SearchIndex, collection_ids: list[str], query: str, vector: np.ndarray | None, k: int,
                       mode: Mode, filters: dict[str, Any] | None, fusion: FusionSettings) -> list[Hit]:
    """Retrieval once the query is embedded (`vector` is needed for dense and hybrid)."""
    pool = max(k, CANDIDATES) if mode == "hybrid" else k
    dense: list[Hit] = []
    keyword: list[Hit] = []
    if vector is not None and mode in ("dense", "hybrid"):
        dense = await index.dense(collection_ids, vector, pool, filters)
    if mode in ("keyword", "hybrid"):
        keyword = await index.keyword(collection_ids, query, pool, filters)
    if mode == "dense":
        return dense[:k]
    if mode == "keyword":
        return keyword[:k]
    return fuse(dense, keyword, k, fusion)
