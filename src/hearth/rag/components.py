"""The knowledge base's long-lived parts, built once per process: the bundled embedder behind its
cache, and the search index chosen by HEARTH_VECTOR_STORE."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hearth.core.settings import Settings
from hearth.rag.embedders.minilm import MiniLMEmbedder
from hearth.rag.embedding import CachedEmbedder, EmbeddingCacheMetrics
from hearth.rag.index.base import SearchIndex
from hearth.rag.retrieval import FusionSettings


@dataclass
class KnowledgeComponents:
    embedder: CachedEmbedder
    index: SearchIndex
    fusion: FusionSettings
    uploads_dir: Path


def build_knowledge(settings: Settings, sessions: async_sessionmaker[AsyncSession], registry: CollectorRegistry,
                    embedder: MiniLMEmbedder) -> KnowledgeComponents:
    cached = CachedEmbedder(embedder, sessions, EmbeddingCacheMetrics(registry))
    index: SearchIndex
    if settings.vector_store == "qdrant":
        from hearth.rag.index.qdrant import QdrantIndex

        index = QdrantIndex(embedder.dimensions, url=settings.qdrant_url, path=settings.data_dir / "qdrant")
    else:
        from hearth.rag.index.embedded import EmbeddedIndex

        index = EmbeddedIndex(settings.data_dir / "index", embedder.dimensions)
    return KnowledgeComponents(cached, index, FusionSettings(settings.kb_fusion, settings.kb_hybrid_alpha),
                               settings.data_dir / "uploads")
