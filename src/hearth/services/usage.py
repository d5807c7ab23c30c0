"""Token accounting per user, model and UTC day."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hearth.core.clock import Clock, utcnow
from hearth.llm.messages import Usage
from hearth.repositories.usage import UsageRepository


class UsageRecorder:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock = utcnow) -> None:
        self.sessions = sessions
        self.clock = clock

    async def record(self, owner_id: str, model: str, usage: Usage) -> None:
        async with self.sessions() as session:
            await UsageRepository(session).add(owner_id, model, self.clock().date().isoformat(),
                                               usage.prompt_tokens, usage.completion_tokens)
            await session.commit()
