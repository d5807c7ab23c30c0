from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.core.errors import InvalidInput
from hearth.db.tables import ChatMessage, ChatSession
from hearth.repositories.pagination import Page, newest_first, to_page


class ChatRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, row: ChatSession | ChatMessage) -> None:
        self.session.add(row)
        await self.session.flush()

    async def get_owned(self, session_id: str, owner_id: str) -> ChatSession | None:
        stmt = select(ChatSession).where(ChatSession.id == session_id, ChatSession.owner_id == owner_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def list_owned(self, owner_id: str, limit: int, cursor: str | None, status: str | None) -> Page[ChatSession]:
        stmt = select(ChatSession).where(ChatSession.owner_id == owner_id)
        if status:
            stmt = stmt.where(ChatSession.status == status)
        rows = (await self.session.execute(newest_first(stmt, ChatSession, limit, cursor))).scalars().all()
        return to_page(list(rows), limit)

    async def delete(self, chat: ChatSession) -> None:
        await self.session.delete(chat)
        await self.session.flush()

    async def next_seq(self, session_id: str) -> int:
        stmt = select(func.coalesce(func.max(ChatMessage.seq), 0)).where(ChatMessage.session_id == session_id)
        return int((await self.session.execute(stmt)).scalar_one()) + 1

    async def messages(self, session_id: str, after_seq: int = 0) -> list[ChatMessage]:
        stmt = (select(ChatMessage).where(ChatMessage.session_id == session_id, ChatMessage.seq > after_seq)
                .order_by(ChatMessage.seq))
        return list((await self.session.execute(stmt)).scalars().all())

    async def recent_messages(self, session_id: str, after_seq: int, limit: int) -> list[ChatMessage]:
        """The newest `limit` messages after `after_seq`, oldest first."""
        stmt = (select(ChatMessage).where(ChatMessage.session_id == session_id, ChatMessage.seq > after_seq)
                .order_by(ChatMessage.seq.desc()).limit(limit))
        return list(reversed((await self.session.execute(stmt)).scalars().all()))

    async def messages_page(self, session_id: str, limit: int, cursor: str | None) -> Page[ChatMessage]:
        stmt = select(ChatMessage).where(ChatMessage.session_id == session_id)
        if cursor:
            if not cursor.isdigit():
                raise InvalidInput("invalid cursor", field="cursor")
            stmt = stmt.where(ChatMessage.seq < int(cursor))
        rows = list((await self.session.execute(stmt.order_by(ChatMessage.seq.desc()).limit(limit + 1))).scalars())
        more = len(rows) > limit
        rows = rows[:limit]
        return Page(items=rows, next_cursor=str(rows[-1].seq) if more and rows else None)

    async def delete_stale(self, before: datetime, statuses: list[str]) -> int:
        stmt = delete(ChatSession).where(ChatSession.updated_at < before, ChatSession.status.in_(statuses))
        result = await self.session.execute(stmt)
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def set_title_if_missing(self, session_id: str, title: str) -> None:
        await self.session.execute(update(ChatSession).where(ChatSession.id == session_id, ChatSession.title.is_(None))
                                   .values(title=title))
