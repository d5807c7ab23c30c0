"""The Qdrant backend (HEARTH_VECTOR_STORE=qdrant): one Qdrant collection holds every chunk with a
dense vector and a BM25 sparse vector. The collection restriction and metadata filters are a Qdrant
filter inside each query, so nothing is filtered after ranking.

Keyword search is BM25 split the way Qdrant supports it: the document side stores each term's
saturated, length-normalised frequency, and the collection's `idf` modifier supplies the inverse
document frequency at query time. With HEARTH_QDRANT_URL unset it runs qdrant-client's local mode
in the data directory (one process at a time: local mode locks its folder)."""

from __future__ import annotations

import uuid
import zlib
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
from qdrant_client import AsyncQdrantClient, models

from hearth.core.errors import InvalidInput
from hearth.rag.index.base import Hit, IndexedChunk
from hearth.rag.index.terms import B, K1, terms

COLLECTION = "hearth_chunks"
DENSE, SPARSE = "dense", "bm25"
AVERAGE_CHUNK_TERMS = 150  # Qdrant has no corpus-wide length statistic; chunks target 256 tokens, ~150 terms
_NAMESPACE = uuid.UUID("7d5f1c1e-3f7a-4c54-9a57-1b0f8f3c2a10")


def _term_id(term: str) -> int:
    return zlib.crc32(term.encode("utf-8"))


def document_vector(text: str) -> models.SparseVector:
    counts = Counter(_term_id(t) for t in terms(text))
    length = sum(counts.values())
    norm = K1 * (1 - B + B * length / AVERAGE_CHUNK_TERMS)
    ids = sorted(counts)
    return models.SparseVector(indices=ids, values=[counts[i] * (K1 + 1) / (counts[i] + norm) for i in ids])


def query_vector(text: str) -> models.SparseVector:
    ids = sorted({_term_id(t) for t in terms(text)})
    return models.SparseVector(indices=ids, values=[1.0] * len(ids))


def _match(key: str, value: Any) -> models.Condition:
    if isinstance(value, bool | int | str):
        return models.FieldCondition(key=key, match=models.MatchValue(value=value))
    if isinstance(value, float):
        return models.FieldCondition(key=key, range=models.Range(gte=value, lte=value))
    raise InvalidInput(f"filter values must be strings, numbers or booleans (got {value!r})", field="filters")


_RANGES = {"gte", "gt", "lte", "lt"}


def build_filter(collection_ids: list[str], filters: dict[str, Any] | None) -> models.Filter:
    must: list[models.Condition] = [models.FieldCondition(key="collection_id",
                                                          match=models.MatchAny(any=list(collection_ids)))]
    must_not: list[models.Condition] = []
    for field, condition in (filters or {}).items():
        key = f"metadata.{field}"
        if not isinstance(condition, dict):
            must.append(_match(key, condition))
            continue
        unknown = set(condition) - _RANGES - {"in", "eq", "ne"}
        if unknown:
            raise InvalidInput(f"unknown filter operator {min(unknown)!r} on {field!r}", field="filters")
        bounds = {op: v for op, v in condition.items() if op in _RANGES}
        if bounds:
            if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in bounds.values()):
                raise InvalidInput(f"range filters on {field!r} take numbers", field="filters")
            must.append(models.FieldCondition(key=key, range=models.Range(**bounds)))
        if "eq" in condition:
            must.append(_match(key, condition["eq"]))
        if "ne" in condition:
            must_not.append(_match(key, condition["ne"]))
        if "in" in condition:
            options = condition["in"]
            if not isinstance(options, list):
                raise InvalidInput(f"'in' on {field!r} takes a list", field="filters")
            must.append(models.Filter(should=[_match(key, v) for v in options]))
    return models.Filter(must=must, must_not=must_not or None)


class QdrantIndex:
    def __init__(self, dimensions: int, url: str | None = None, path: Path | None = None) -> None:
        self.dimensions = dimensions
        self._server = bool(url)
        if url:
            self.client = AsyncQdrantClient(url=url)
        else:
            assert path is not None
            path.mkdir(parents=True, exist_ok=True)
            self.client = AsyncQdrantClient(path=str(path))
        self._ready = False

    async def _ensure(self) -> None:
        if self._ready:
            return
        if not await self.client.collection_exists(COLLECTION):
            await self.client.create_collection(
                COLLECTION,
                vectors_config={DENSE: models.VectorParams(size=self.dimensions, distance=models.Distance.COSINE)},
                sparse_vectors_config={SPARSE: models.SparseVectorParams(modifier=models.Modifier.IDF)})
            for key in ("collection_id", "document_id") if self._server else ():  # local mode has no payload indexes
                await self.client.create_payload_index(COLLECTION, key, models.PayloadSchemaType.KEYWORD)
        self._ready = True

    async def _delete_where(self, condition: models.Filter) -> None:
        await self.client.delete(COLLECTION, points_selector=models.FilterSelector(filter=condition), wait=True)

    async def replace_documents(self, collection_id: str, documents: dict[str, list[IndexedChunk]]) -> None:
        await self.delete_documents(collection_id, list(documents))
        points = [models.PointStruct(
            id=str(uuid.uuid5(_NAMESPACE, c.chunk_id)),
            vector={DENSE: c.vector.astype(np.float32).tolist(), SPARSE: document_vector(c.text)},
            payload={"chunk_id": c.chunk_id, "document_id": c.document_id, "collection_id": collection_id,
                     "metadata": c.metadata}) for chunks in documents.values() for c in chunks]
        for start in range(0, len(points), 256):
            await self.client.upsert(COLLECTION, points=points[start:start + 256], wait=True)

    async def delete_documents(self, collection_id: str, document_ids: list[str]) -> None:
        await self._ensure()
        if document_ids:
            await self._delete_where(models.Filter(must=[
                models.FieldCondition(key="collection_id", match=models.MatchValue(value=collection_id)),
                models.FieldCondition(key="document_id", match=models.MatchAny(any=list(document_ids)))]))

    async def delete_collection(self, collection_id: str) -> None:
        await self._ensure()
        await self._delete_where(build_filter([collection_id], None))

    async def _query(self, collection_ids: list[str], query: Any, using: str, k: int,
                     filters: dict[str, Any] | None) -> list[Hit]:
        await self._ensure()
        found = await self.client.query_points(COLLECTION, query=query, using=using, limit=k,
                                               query_filter=build_filter(collection_ids, filters),
                                               with_payload=["chunk_id", "document_id"])
        return [Hit(p.payload["chunk_id"], p.payload["document_id"], float(p.score))
                for p in found.points if p.payload is not None]

    async def dense(self, collection_ids: list[str], vector: np.ndarray, k: int,
                    filters: dict[str, Any] | None) -> list[Hit]:
        return await self._query(collection_ids, vector.astype(np.float32).tolist(), DENSE, k, filters)

    async def keyword(self, collection_ids: list[str], query: str, k: int,
                      filters: dict[str, Any] | None) -> list[Hit]:
        sparse = query_vector(query)
        if not sparse.indices:
            return []
        return [h for h in await self._query(collection_ids, sparse, SPARSE, k, filters) if h.score > 0]

    async def count(self, collection_id: str) -> int:
        await self._ensure()
        return (await self.client.count(COLLECTION, count_filter=build_filter([collection_id], None),
                                        exact=True)).count

    async def chunk_ids(self, collection_id: str) -> list[str]:
        await self._ensure()
        found: list[str] = []
        offset = None
        while True:
            points, offset = await self.client.scroll(COLLECTION, scroll_filter=build_filter([collection_id], None),
                                                      limit=1000, offset=offset, with_payload=["chunk_id"])
            found.extend(p.payload["chunk_id"] for p in points if p.payload is not None)
            if offset is None:
                return found

    async def close(self) -> None:
        await self.client.close()
