"""Built-in plugin: the `kb.ingest` job turns uploaded files into searchable chunks, document by
document (parse → chunk → embed → index), reporting each document's stage as progress.

Re-running it after a crash is safe: indexed documents are skipped, and the rest have their chunks
*replaced* in the database and the index, so nothing is ever indexed twice. A document becomes
`indexed` only after its chunks are searchable."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hearth.core.ids import new_id
from hearth.core.logging import get_logger
from hearth.db.tables import Chunk, Collection, Document
from hearth.events import Event
from hearth.jobs.context import JobContext
from hearth.jobs.registry import JobSpec
from hearth.rag.chunking import ChunkDraft, chunk_blocks
from hearth.rag.components import KnowledgeComponents
from hearth.rag.index.base import IndexedChunk
from hearth.rag.parsing import ParseError, parse_document
from hearth.repositories.kb import KnowledgeRepository

if TYPE_CHECKING:
    from hearth.runtime import Runtime

KIND = "kb.ingest"
BATCH = 64  # documents parsed and embedded together (length-sorted batches pad less when there are more)
FLUSH_MIN_CHUNKS = 64
log = get_logger("hearth.kb")


@dataclass
class Prepared:
    document: Document
    kind: str
    drafts: list[ChunkDraft]


class _Pending:
    """Stored chunks waiting for an index write. The embedded index rebuilds a collection's shard on
    every write, so writes wait until the pending chunks are a quarter of what is indexed already:
    a corpus of n chunks then costs O(n) rebuilding in all, not O(n²) (the crash-safety is unchanged:
    unwritten documents stay `processing` and are redone, from the embedding cache, on a retry)."""

    def __init__(self, indexed: int) -> None:
        self.indexed = indexed
        self.documents: list[Prepared] = []
        self.chunks: dict[str, list[IndexedChunk]] = {}

    def add(self, prepared: list[Prepared], chunks: dict[str, list[IndexedChunk]]) -> None:
        self.documents += prepared
        self.chunks.update(chunks)

    def due(self) -> bool:
        waiting = sum(len(c) for c in self.chunks.values())
        return waiting >= max(FLUSH_MIN_CHUNKS, self.indexed // 4)

    def flushed(self) -> None:
        self.indexed += sum(len(c) for c in self.chunks.values())
        self.documents, self.chunks = [], {}


class Ingestor:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.kb: KnowledgeComponents = runtime.kb

    async def run(self, ctx: JobContext | None, collection_id: str, document_ids: list[str]) -> dict[str, int]:
        async with self.runtime.sessions() as session:
            repo = KnowledgeRepository(session)
            collection = await repo.collection_any_owner(collection_id)
            documents = [d for d in await repo.documents_by_ids(document_ids) if d.status != "indexed"]
        counts = {"indexed": len(document_ids) - len(documents), "failed": 0}
        if collection is None:
            return counts
        total = len(document_ids)
        pending = _Pending(await self.kb.index.count(collection.id))
        try:
            for start in range(0, len(documents), BATCH):
                prepared = []
                for document in documents[start:start + BATCH]:
                    await self._progress(ctx, counts, total, f"{document.filename}: parse")
                    item = await self._prepare(collection, document)
                    if item is None:
                        counts["failed"] += 1
                    else:
                        prepared.append(item)
                if prepared:
                    names = ", ".join(p.document.filename for p in prepared[:3])
                    await self._progress(ctx, counts, total, f"{names}{'…' if len(prepared) > 3 else ''}: embed")
                    pending.add(prepared, await self._store(collection, prepared))
                if pending.due():
                    await self._flush(ctx, collection.id, pending, counts, total)
                if ctx is not None:
                    await ctx.check_cancelled()
        finally:  # cancelled or failing: what is embedded and stored still becomes searchable
            await self._flush(ctx, collection.id, pending, counts, total)
        await self._progress(ctx, counts, total, "done")
        return counts

    async def _flush(self, ctx: JobContext | None, collection_id: str, pending: _Pending, counts: dict[str, int],
                     total: int) -> None:
        if not pending.documents:
            return
        await self._progress(ctx, counts, total, f"index {len(pending.documents)} documents")
        await self.kb.index.replace_documents(collection_id, pending.chunks)
        await self._mark_indexed(pending.documents)
        counts["indexed"] += len(pending.documents)
        pending.flushed()

    async def _progress(self, ctx: JobContext | None, counts: dict[str, int], total: int, stage: str) -> None:
        if ctx is not None:
            await ctx.progress(counts["indexed"] + counts["failed"], total, stage=stage[:100],
                               message=f"{counts['indexed']} indexed, {counts['failed']} failed")

    async def _prepare(self, collection: Collection, document: Document) -> Prepared | None:
        try:
            data = Path(document.blob_path or "").read_bytes()
            kind, blocks = await asyncio.to_thread(parse_document, data, document.filename)
            drafts = await asyncio.to_thread(chunk_blocks, blocks, self.kb.embedder.embedder.count_tokens,
                                             collection.chunk_target_tokens, collection.chunk_overlap_tokens)
        except (ParseError, OSError) as exc:
            message = str(exc) if isinstance(exc, ParseError) else "the uploaded file is no longer available"
            await self._fail(document, message)
            return None
        except Exception:  # a parser bug must fail this document, not the whole upload
            log.exception("document parsing crashed", document_id=document.id)
            await self._fail(document, "the document could not be parsed")
            return None
        return Prepared(document, kind, drafts)

    async def _fail(self, document: Document, message: str) -> None:
        async with self.runtime.sessions() as session:
            row = await session.get(Document, document.id)
            if row is not None:
                row.status, row.stage, row.error = "failed", "parse", message
                await session.commit()

    async def _store(self, collection: Collection, prepared: list[Prepared]) -> dict[str, list[IndexedChunk]]:
        embed_headings = self.runtime.settings.kb_embed_headings
        texts = [d.with_headings() if embed_headings else d.text for p in prepared for d in p.drafts]
        vectors = iter(await self.kb.embedder.embed(texts))
        out: dict[str, list[IndexedChunk]] = {}
        rows: list[Chunk] = []
        for item in prepared:
            doc = item.document
            drafts = item.drafts
            mine = [Chunk(id=new_id(), document_id=doc.id, collection_id=collection.id, position=i, text=d.text,
                          page=d.page, heading_path=d.heading_path, token_count=d.token_count)
                    for i, d in enumerate(drafts)]
            rows += mine
            out[doc.id] = [IndexedChunk(r.id, doc.id, d.with_headings(), next(vectors), dict(doc.meta or {}))
                           for r, d in zip(mine, drafts, strict=True)]
        async with self.runtime.sessions() as session:
            repo = KnowledgeRepository(session)
            await repo.replace_chunks(list(out), rows)
            await repo.update_documents([{"id": p.document.id, "detected_type": p.kind, "stage": "index",
                                          "status": "processing"} for p in prepared])
            await session.commit()
        return out

    async def _mark_indexed(self, prepared: list[Prepared]) -> None:
        async with self.runtime.sessions() as session:
            await KnowledgeRepository(session).update_documents([
                {"id": p.document.id, "status": "indexed", "stage": None, "error": None,
                 "chunk_count": len(p.drafts)} for p in prepared])
            await session.commit()
        for item in prepared:
            Path(item.document.blob_path or "").unlink(missing_ok=True)
            await self.runtime.bus.publish(Event("document.indexed", item.document.owner_id, {
                "document_id": item.document.id, "collection_id": item.document.collection_id,
                "chunks": len(item.drafts)}))


def register(runtime: Runtime) -> None:
    async def ingest(ctx: JobContext) -> dict[str, Any]:
        return await Ingestor(runtime).run(ctx, ctx.payload["collection_id"], ctx.payload["document_ids"])

    runtime.job_registry.register(JobSpec(kind=KIND, handler=ingest, max_attempts=3, timeout_s=6 * 3600))
