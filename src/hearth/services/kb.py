"""Knowledge-base use cases: collections, uploads (handed to the `kb.ingest` job), documents, chunks
and search. Every lookup is by owner, and a collection-restricted API key sees only its collections."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hearth.core.errors import Conflict, InvalidInput, NotFound
from hearth.core.ids import new_id
from hearth.core.scopes import Principal
from hearth.core.settings import Settings
from hearth.db.tables import Chunk, Collection, Document, Job
from hearth.jobs.queue import JobQueue
from hearth.llm.registry import LLMRegistry
from hearth.rag.components import KnowledgeComponents
from hearth.rag.ingest import KIND as INGEST_JOB
from hearth.rag.reranking import llm_rerank, mmr
from hearth.rag.retrieval import FusionSettings, Mode, search_index
from hearth.repositories.kb import KnowledgeRepository
from hearth.repositories.pagination import Page

OnDuplicate = Literal["skip", "replace"]


@dataclass
class Upload:
    filename: str
    data: bytes


@dataclass(frozen=True)
class SecondStage:
    """Optional stages after retrieval; both off by default."""
    mmr: bool = False
    mmr_lambda: float = 0.5
    rerank: bool = False
    rerank_model: str | None = None

    @property
    def active(self) -> bool:
        return self.mmr or self.rerank


@dataclass
class SearchResult:
    chunk: Chunk
    document: Document
    score: float


class KnowledgeService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], kb: KnowledgeComponents, jobs: JobQueue,
                 settings: Settings, llm: LLMRegistry | None = None) -> None:
        self.sessions = sessions
        self.kb = kb
        self.jobs = jobs
        self.settings = settings
        self.llm = llm

    # -- collections ---------------------------------------------------------------------------
    @staticmethod
    async def _collection(repo: KnowledgeRepository, principal: Principal, collection_id: str) -> Collection:
        restricted = principal.collection_ids is not None and collection_id not in principal.collection_ids
        collection = None if restricted else await repo.collection(collection_id, principal.user_id)
        if collection is None:
            raise NotFound("no such collection")
        return collection

    async def create_collection(self, principal: Principal, name: str, description: str | None) -> Collection:
        if principal.collection_ids is not None:
            raise InvalidInput("a collection-restricted key cannot create collections")
        async with self.sessions() as session:
            repo = KnowledgeRepository(session)
            if await repo.collection_by_name(principal.user_id, name):
                raise Conflict(f"you already have a collection named {name!r}")
            collection = Collection(owner_id=principal.user_id, name=name, description=description,
                                    embedding_model=f"local/{self.kb.embedder.model}",
                                    embedding_dimensions=self.kb.embedder.dimensions,
                                    chunk_target_tokens=self.settings.kb_chunk_target_tokens,
                                    chunk_overlap_tokens=self.settings.kb_chunk_overlap_tokens)
            await repo.add(collection)
            await session.commit()
            return collection

    async def get_collection(self, principal: Principal, collection_id: str) -> Collection:
        async with self.sessions() as session:
            return await self._collection(KnowledgeRepository(session), principal, collection_id)

    async def list_collections(self, principal: Principal, limit: int, cursor: str | None) -> Page[Collection]:
        async with self.sessions() as session:
            return await KnowledgeRepository(session).collections(principal.user_id, principal.collection_ids,
                                                                  limit, cursor)

    async def update_collection(self, principal: Principal, collection_id: str, changes: dict[str, Any]) -> Collection:
        async with self.sessions() as session:
            repo = KnowledgeRepository(session)
            collection = await self._collection(repo, principal, collection_id)
            if "name" in changes and changes["name"] != collection.name:
                if await repo.collection_by_name(principal.user_id, changes["name"]):
                    raise Conflict(f"you already have a collection named {changes['name']!r}")
            for key, value in changes.items():
                setattr(collection, key, value)
            await session.commit()
            return collection

    async def delete_collection(self, principal: Principal, collection_id: str) -> None:
        async with self.sessions() as session:
            repo = KnowledgeRepository(session)
            collection = await self._collection(repo, principal, collection_id)
            await self.kb.index.delete_collection(collection.id)
            await repo.delete(collection)
            await session.commit()

    # -- documents -----------------------------------------------------------------------------
    async def upload(self, principal: Principal, collection_id: str, files: list[Upload], metadata: dict[str, Any],
                     on_duplicate: OnDuplicate) -> tuple[Job | None, list[Document]]:
        self.kb.uploads_dir.mkdir(parents=True, exist_ok=True)
        created: list[Document] = []
        replaced: list[str] = []
        async with self.sessions() as session:
            repo = KnowledgeRepository(session)
            collection = await self._collection(repo, principal, collection_id)
            seen: set[str] = set()
            for upload in files:
                digest = hashlib.sha256(upload.data).hexdigest()
                existing = await repo.documents_with_hash(collection.id, digest)
                if digest in seen or (existing and on_duplicate == "skip"):
                    created.append(Document(id=existing[0].id if existing else new_id(), collection_id=collection.id,
                                            owner_id=principal.user_id, filename=upload.filename,
                                            content_hash=digest, size_bytes=len(upload.data), status="skipped",
                                            meta=metadata, chunk_count=0))
                    continue
                seen.add(digest)
                for old in existing:
                    replaced.append(old.id)
                    await repo.delete(old)
                document = Document(id=new_id(), collection_id=collection.id, owner_id=principal.user_id,
                                    filename=upload.filename, content_hash=digest, size_bytes=len(upload.data),
                                    status="queued", meta=metadata)
                blob = self.kb.uploads_dir / document.id
                blob.write_bytes(upload.data)
                document.blob_path = str(blob)
                await repo.add(document)
                created.append(document)
            await session.commit()
        if replaced:
            await self.kb.index.delete_documents(collection_id, replaced)
        queued = [d.id for d in created if d.status == "queued"]
        if not queued:
            return None, created
        job = await self.jobs.enqueue(INGEST_JOB, {"collection_id": collection_id, "document_ids": queued},
                                      principal.user_id)
        async with self.sessions() as session:
            for document in await KnowledgeRepository(session).documents_by_ids(queued):
                document.job_id = job.id
            await session.commit()
        for document in created:
            if document.status == "queued":
                document.job_id = job.id
        return job, created

    async def list_documents(self, principal: Principal, collection_id: str, limit: int, cursor: str | None,
                             status: str | None) -> Page[Document]:
        async with self.sessions() as session:
            repo = KnowledgeRepository(session)
            collection = await self._collection(repo, principal, collection_id)
            return await repo.documents(collection.id, limit, cursor, status)

    async def _document(self, repo: KnowledgeRepository, principal: Principal, document_id: str) -> Document:
        document = await repo.document(document_id, principal.user_id)
        if document is None or (principal.collection_ids is not None
                                and document.collection_id not in principal.collection_ids):
            raise NotFound("no such document")
        return document

    async def get_document(self, principal: Principal, document_id: str) -> Document:
        async with self.sessions() as session:
            return await self._document(KnowledgeRepository(session), principal, document_id)

    async def delete_document(self, principal: Principal, document_id: str) -> None:
        async with self.sessions() as session:
            repo = KnowledgeRepository(session)
            document = await self._document(repo, principal, document_id)
            await self.kb.index.delete_documents(document.collection_id, [document.id])
            await repo.delete(document)
            await session.commit()

    async def chunks(self, principal: Principal, document_id: str, limit: int, offset: int) -> list[Chunk]:
        async with self.sessions() as session:
            repo = KnowledgeRepository(session)
            document = await self._document(repo, principal, document_id)
            return await repo.chunks(document.id, limit, offset)

    # -- search --------------------------------------------------------------------------------
    async def search(self, principal: Principal, query: str, collection_ids: list[str], top_k: int, mode: Mode,
                     filters: dict[str, Any] | None, fusion: FusionSettings | None = None,
                     stage: SecondStage = SecondStage(), query_vector: np.ndarray | None = None
                     ) -> list[SearchResult]:
        """`query_vector` lets a caller that searches the same query twice embed it once."""
        async with self.sessions() as session:
            repo = KnowledgeRepository(session)
            for collection_id in collection_ids:
                await self._collection(repo, principal, collection_id)
        if query_vector is None and (mode != "keyword" or stage.mmr):
            query_vector = await self.kb.embedder.embed_query(query)
        pool = min(max(3 * top_k, 20), 100) if stage.active else top_k
        hits = await search_index(self.kb.index, sorted(set(collection_ids)), query, query_vector, pool, mode,
                                  filters, fusion or self.kb.fusion)
        async with self.sessions() as session:
            repo = KnowledgeRepository(session)
            chunks = await repo.chunks_by_ids([h.chunk_id for h in hits])
            documents = {d.id: d for d in await repo.documents_by_ids(list({h.document_id for h in hits}))}
        results = [SearchResult(chunks[h.chunk_id], documents[h.document_id], h.score) for h in hits
                   if h.chunk_id in chunks and h.document_id in documents
                   and documents[h.document_id].owner_id == principal.user_id]
        if stage.mmr and results:
            vectors = await self.kb.embedder.embed([r.chunk.text for r in results])
            keep = pool if stage.rerank else top_k
            assert query_vector is not None
            results = mmr(query_vector, results, vectors, keep, stage.mmr_lambda)
        if stage.rerank and results:
            if self.llm is None:
                raise InvalidInput("reranking needs a language model, which this service has not got", field="rerank")
            provider, model_name, _ = await self.llm.resolve(stage.rerank_model)
            results = await llm_rerank(provider, model_name, query, results, [r.chunk.text for r in results], top_k)
        return results[:top_k]
