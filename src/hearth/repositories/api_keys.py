from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.db.tables import ApiKey
from hearth.repositories.pagination import Page, newest_first, to_page


class ApiKeyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, key: ApiKey) -> ApiKey:
        self.session.add(key)
        await self.session.flush()
        return key

    async def get_by_hash(self, key_hash: str) -> ApiKey | None:
        return (await self.session.execute(select(ApiKey).where(ApiKey.key_hash == key_hash))).scalar_one_or_none()

    async def get_owned(self, key_id: str, user_id: str) -> ApiKey | None:
        stmt = select(ApiKey).where(ApiKey.id == key_id, ApiKey.user_id == user_id, ApiKey.revoked_at.is_(None))
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def list_owned(self, user_id: str, limit: int, cursor: str | None) -> Page[ApiKey]:
        stmt = select(ApiKey).where(ApiKey.user_id == user_id, ApiKey.revoked_at.is_(None))
        rows = (await self.session.execute(newest_first(stmt, ApiKey, limit, cursor))).scalars().all()
        return to_page(list(rows), limit)

    async def touch(self, key_id: str, now: datetime) -> None:
        await self.session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=now))
