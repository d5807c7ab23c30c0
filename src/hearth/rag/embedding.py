"""Embeddings through a persistent cache keyed by (model, sha256(text)), so re-ingesting a document
or a collection never embeds the same text twice. Hits and misses are counted in /metrics."""

from __future__ import annotations

import asyncio
import hashlib

import numpy as np
from prometheus_client import CollectorRegistry, Counter
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hearth.db.tables import EmbeddingCacheEntry
from hearth.rag.embedders.minilm import MiniLMEmbedder

_LOOKUP_BATCH = 500


class EmbeddingCacheMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.lookups = Counter("hearth_embedding_cache_lookups", "Embedding cache lookups by outcome.",
                               ["outcome"], registry=registry)


class CachedEmbedder:
    def __init__(self, embedder: MiniLMEmbedder, sessions: async_sessionmaker[AsyncSession],
                 metrics: EmbeddingCacheMetrics) -> None:
        self.embedder = embedder
        self.sessions = sessions
        self.metrics = metrics
        self.model = embedder.model_id
        self.dimensions = embedder.dimensions

    async def embed_query(self, text: str) -> np.ndarray:
        return (await asyncio.to_thread(self.embedder.embed, [text]))[0]

    async def embed(self, texts: list[str]) -> np.ndarray:
        keys = [hashlib.sha256(t.encode("utf-8")).hexdigest() for t in texts]
        found: dict[str, np.ndarray] = {}
        async with self.sessions() as session:
            unique = sorted(set(keys))
            for start in range(0, len(unique), _LOOKUP_BATCH):
                stmt = select(EmbeddingCacheEntry).where(EmbeddingCacheEntry.model == self.model,
                                                         EmbeddingCacheEntry.text_sha256.in_(unique[start:start + _LOOKUP_BATCH]))
                for row in (await session.execute(stmt)).scalars():
                    found[row.text_sha256] = np.frombuffer(row.vector, dtype=np.float32)
        missing = {k: t for k, t in zip(keys, texts, strict=True) if k not in found}
        self.metrics.lookups.labels("hit").inc(len(texts) - sum(1 for k in keys if k in missing))
        self.metrics.lookups.labels("miss").inc(sum(1 for k in keys if k in missing))
        if missing:
            order = list(missing)
            vectors = await asyncio.to_thread(self.embedder.embed, [missing[k] for k in order])
            rows = []
            for key, vector in zip(order, vectors, strict=True):
                found[key] = vector
                rows.append({"model": self.model, "text_sha256": key, "vector": vector.astype(np.float32).tobytes()})
            async with self.sessions() as session:
                insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
                for start in range(0, len(rows), _LOOKUP_BATCH):
                    # One multi-row statement per batch; a concurrent writer's identical row is fine.
                    await session.execute(insert(EmbeddingCacheEntry).on_conflict_do_nothing(),
                                          rows[start:start + _LOOKUP_BATCH])
                await session.commit()
        return np.stack([found[k] for k in keys]) if keys else np.zeros((0, self.dimensions), dtype=np.float32)
