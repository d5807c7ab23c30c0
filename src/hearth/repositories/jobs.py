"""SQL for jobs: enqueue, claim with a lease, heartbeat, progress, finish. Every write by a worker
is fenced by `lease_owner`, so a worker whose lease was taken over cannot overwrite the new one."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.db.tables import Job
from hearth.repositories.pagination import Page, newest_first, to_page


def _claimable(now: datetime) -> ColumnElement[bool]:
    return or_(
        and_(Job.state == "queued", Job.run_after <= now),
        and_(Job.state == "running", Job.lease_expires_at < now),
    )


class JobRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, job: Job) -> Job | None:
        """Insert; None when the idempotency key is already taken."""
        try:
            async with self.session.begin_nested():
                self.session.add(job)
                await self.session.flush()
        except IntegrityError:
            return None
        return job

    async def get(self, job_id: str) -> Job | None:
        return await self.session.get(Job, job_id, populate_existing=True)

    async def get_visible(self, job_id: str, owner_id: str | None) -> Job | None:
        stmt = select(Job).where(Job.id == job_id)
        if owner_id is not None:
            stmt = stmt.where(Job.owner_id == owner_id)
        return (await self.session.execute(stmt.execution_options(populate_existing=True))).scalar_one_or_none()

    async def find_idempotent(self, owner_id: str | None, kind: str, key: str) -> Job | None:
        owner = Job.owner_id.is_(None) if owner_id is None else Job.owner_id == owner_id
        stmt = select(Job).where(owner, Job.kind == kind, Job.idempotency_key == key)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def list_visible(self, owner_id: str | None, limit: int, cursor: str | None,
                           state: str | None = None, kind: str | None = None) -> Page[Job]:
        stmt = select(Job)
        if owner_id is not None:
            stmt = stmt.where(Job.owner_id == owner_id)
        if state:
            stmt = stmt.where(Job.state == state)
        if kind:
            stmt = stmt.where(Job.kind == kind)
        rows = (await self.session.execute(newest_first(stmt, Job, limit, cursor))).scalars().all()
        return to_page(list(rows), limit)

    async def next_claimable_id(self, now: datetime, kinds: list[str]) -> str | None:
        stmt = (
            select(Job.id)
            .where(_claimable(now), Job.kind.in_(kinds))
            .order_by(Job.run_after, Job.created_at)
            .limit(1)
        )
        if self.session.bind.dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def claim(self, job_id: str, worker_id: str, now: datetime, lease_s: float) -> bool:
        result = await self.session.execute(
            update(Job)
            .where(Job.id == job_id, _claimable(now))
            .values(
                state="running",
                lease_owner=worker_id,
                lease_expires_at=now + timedelta(seconds=lease_s),
                attempts=Job.attempts + 1,
                started_at=func.coalesce(Job.started_at, now),
                updated_at=now,
            )
        )
        return result.rowcount == 1

    def _owned(self, job_id: str, worker_id: str) -> ColumnElement[bool]:
        return and_(Job.id == job_id, Job.lease_owner == worker_id, Job.state == "running")

    async def heartbeat(self, job_id: str, worker_id: str, now: datetime, lease_s: float) -> bool:
        result = await self.session.execute(
            update(Job).where(self._owned(job_id, worker_id))
            .values(lease_expires_at=now + timedelta(seconds=lease_s))
        )
        return result.rowcount == 1

    async def progress(self, job_id: str, worker_id: str, now: datetime, **values: Any) -> None:
        await self.session.execute(update(Job).where(self._owned(job_id, worker_id)).values(updated_at=now, **values))

    async def finish(self, job_id: str, worker_id: str, now: datetime, state: str, **values: Any) -> bool:
        result = await self.session.execute(
            update(Job).where(self._owned(job_id, worker_id)).values(
                state=state, finished_at=now, updated_at=now, lease_owner=None, lease_expires_at=None, **values
            )
        )
        return result.rowcount == 1

    async def requeue(self, job_id: str, worker_id: str, now: datetime, run_after: datetime,
                      error: str | None, refund_attempt: bool = False) -> bool:
        values: dict[str, Any] = {"state": "queued", "run_after": run_after, "lease_owner": None,
                                  "lease_expires_at": None, "updated_at": now, "error": error}
        if refund_attempt:
            values["attempts"] = Job.attempts - 1
        result = await self.session.execute(update(Job).where(self._owned(job_id, worker_id)).values(**values))
        return result.rowcount == 1

    async def cancel(self, job_id: str, now: datetime) -> None:
        """Queued jobs stop at once; running ones get the flag their handler checks."""
        await self.session.execute(
            update(Job).where(Job.id == job_id, Job.state == "queued")
            .values(state="cancelled", cancel_requested=True, finished_at=now, updated_at=now)
        )
        await self.session.execute(
            update(Job).where(Job.id == job_id, Job.state == "running").values(cancel_requested=True, updated_at=now)
        )

    async def is_cancel_requested(self, job_id: str) -> bool:
        stmt = select(Job.cancel_requested).where(Job.id == job_id)
        return bool((await self.session.execute(stmt)).scalar_one_or_none())

    async def stale_ids(self, now: datetime, lost_after: timedelta, limit: int = 500) -> list[str]:
        """Jobs nobody is working on that should be: a lapsed lease, or due long ago and unclaimed."""
        stmt = select(Job.id).where(or_(
            and_(Job.state == "running", Job.lease_expires_at < now),
            and_(Job.state == "queued", Job.run_after < now - lost_after),
        )).limit(limit)
        return list((await self.session.execute(stmt)).scalars().all())

    async def counts(self) -> list[tuple[str, str, int]]:
        stmt = select(Job.kind, Job.state, func.count()).group_by(Job.kind, Job.state)
        return [(k, s, n) for k, s, n in (await self.session.execute(stmt)).all()]
