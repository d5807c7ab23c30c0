"""Jobs as their owners (and admins) see them through the API."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from hearth.core.clock import Clock, utcnow
from hearth.core.errors import NotFound
from hearth.core.scopes import Principal, Scope
from hearth.db.tables import Job
from hearth.repositories.jobs import JobRepository
from hearth.repositories.pagination import Page


def _visible_owner(principal: Principal) -> str | None:
    """None means every owner: only for admin-scoped callers."""
    return None if principal.has(Scope.ADMIN) else principal.user_id


class JobService:
    def __init__(self, session: AsyncSession, clock: Clock = utcnow) -> None:
        self.session = session
        self.clock = clock
        self.repo = JobRepository(session)

    async def get(self, principal: Principal, job_id: str) -> Job:
        job = await self.repo.get_visible(job_id, _visible_owner(principal))
        if job is None:
            raise NotFound("no such job")
        return job

    async def list(self, principal: Principal, limit: int, cursor: str | None, state: str | None,
                   kind: str | None) -> Page[Job]:
        return await self.repo.list_visible(_visible_owner(principal), limit, cursor, state, kind)

    async def cancel(self, principal: Principal, job_id: str) -> Job:
        job = await self.get(principal, job_id)
        await self.repo.cancel(job.id, self.clock())
        await self.session.commit()
        return await self.get(principal, job_id)
