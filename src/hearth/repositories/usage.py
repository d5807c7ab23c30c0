from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.core.ids import new_id
from hearth.db.tables import TokenUsage


class UsageRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, owner_id: str, model: str, day: str, prompt_tokens: int, completion_tokens: int) -> None:
        """One atomic upsert, so concurrent turns of one user never lose an increment."""
        insert = pg_insert if self.session.bind.dialect.name == "postgresql" else sqlite_insert
        stmt = insert(TokenUsage).values(id=new_id(), owner_id=owner_id, model=model, day=day, requests=1,
                                         prompt_tokens=prompt_tokens, completion_tokens=completion_tokens)
        stmt = stmt.on_conflict_do_update(
            index_elements=["owner_id", "model", "day"],
            set_={"requests": TokenUsage.requests + 1,
                  "prompt_tokens": TokenUsage.prompt_tokens + stmt.excluded.prompt_tokens,
                  "completion_tokens": TokenUsage.completion_tokens + stmt.excluded.completion_tokens},
        )
        await self.session.execute(stmt)

    async def for_owner(self, owner_id: str) -> list[TokenUsage]:
        stmt = select(TokenUsage).where(TokenUsage.owner_id == owner_id).order_by(TokenUsage.day.desc(), TokenUsage.model)
        return list((await self.session.execute(stmt)).scalars().all())
