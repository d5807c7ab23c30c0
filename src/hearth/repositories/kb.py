from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.db.tables import Chunk, Collection, Document
from hearth.repositories.pagination import Page, newest_first, to_page


class KnowledgeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, row: Collection | Document | Chunk) -> None:
        self.session.add(row)
        await self.session.flush()

    async def collection(self, collection_id: str, owner_id: str) -> Collection | None:
        stmt = select(Collection).where(Collection.id == collection_id, Collection.owner_id == owner_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def collection_by_name(self, owner_id: str, name: str) -> Collection | None:
        stmt = select(Collection).where(Collection.owner_id == owner_id, Collection.name == name)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def collection_any_owner(self, collection_id: str) -> Collection | None:
        return await self.session.get(Collection, collection_id)

    async def collections(self, owner_id: str, only: set[str] | None, limit: int, cursor: str | None) -> Page[Collection]:
        stmt = select(Collection).where(Collection.owner_id == owner_id)
        if only is not None:
            stmt = stmt.where(Collection.id.in_(only))
        rows = (await self.session.execute(newest_first(stmt, Collection, limit, cursor))).scalars().all()
        return to_page(list(rows), limit)

    async def delete(self, row: Collection | Document) -> None:
        await self.session.delete(row)
        await self.session.flush()

    async def document(self, document_id: str, owner_id: str) -> Document | None:
        stmt = select(Document).where(Document.id == document_id, Document.owner_id == owner_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def documents_by_ids(self, ids: list[str]) -> list[Document]:
        if not ids:
            return []
        return list((await self.session.execute(select(Document).where(Document.id.in_(ids)))).scalars())

    async def documents(self, collection_id: str, limit: int, cursor: str | None, status: str | None) -> Page[Document]:
        stmt = select(Document).where(Document.collection_id == collection_id)
        if status:
            stmt = stmt.where(Document.status == status)
        rows = (await self.session.execute(newest_first(stmt, Document, limit, cursor))).scalars().all()
        return to_page(list(rows), limit)

    async def documents_with_hash(self, collection_id: str, content_hash: str) -> list[Document]:
        stmt = select(Document).where(Document.collection_id == collection_id, Document.content_hash == content_hash)
        return list((await self.session.execute(stmt)).scalars())

    async def replace_chunks(self, document_ids: list[str], chunks: list[Chunk]) -> None:
        """Make these the documents' only chunks."""
        await self.session.execute(delete(Chunk).where(Chunk.document_id.in_(document_ids)))
        self.session.add_all(chunks)
        await self.session.flush()

    async def update_documents(self, values: list[dict[str, Any]]) -> None:
        """Update many documents in one executemany; each dict holds `id` and the same other keys."""
        if not values:
            return
        table = Document.__table__
        keys = [k for k in values[0] if k != "id"]
        stmt = update(table).where(table.c.id == bindparam("_id")).values({k: bindparam(f"_{k}") for k in keys})
        await self.session.execute(stmt, [{f"_{k}": v for k, v in row.items()} for row in values])

    async def chunks(self, document_id: str, limit: int, offset: int) -> list[Chunk]:
        stmt = select(Chunk).where(Chunk.document_id == document_id).order_by(Chunk.position).limit(limit).offset(offset)
        return list((await self.session.execute(stmt)).scalars())

    async def chunks_by_ids(self, ids: list[str]) -> dict[str, Chunk]:
        if not ids:
            return {}
        rows = (await self.session.execute(select(Chunk).where(Chunk.id.in_(ids)))).scalars()
        return {c.id: c for c in rows}

    async def chunk_count(self, collection_id: str) -> int:
        stmt = select(func.count()).select_from(Chunk).where(Chunk.collection_id == collection_id)
        return int((await self.session.execute(stmt)).scalar_one())
