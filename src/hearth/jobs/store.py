"""The worker-side view of the jobs table: one short transaction per operation, so progress and
heartbeats are visible to every API replica at once."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hearth.core.clock import Clock, utcnow
from hearth.db.tables import Job
from hearth.jobs.registry import JobRegistry
from hearth.repositories.jobs import JobRepository

MAX_MESSAGE = 500


class JobStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], registry: JobRegistry,
                 clock: Clock = utcnow) -> None:
        self.sessions = sessions
        self.registry = registry
        self.clock = clock

    async def insert(self, kind: str, payload: dict[str, Any], owner_id: str | None,
                     idempotency_key: str | None) -> tuple[Job, bool]:
        """Persist a queued job; (job, False) when the idempotency key already named one."""
        spec = self.registry.get(kind)
        if spec is None:
            raise ValueError(f"unknown job kind {kind!r}")
        async with self.sessions() as session:
            repo = JobRepository(session)
            if idempotency_key is not None:
                existing = await repo.find_idempotent(owner_id, kind, idempotency_key)
                if existing is not None:
                    return existing, False
            job = Job(kind=kind, payload=payload, owner_id=owner_id, idempotency_key=idempotency_key,
                      max_attempts=spec.max_attempts, run_after=self.clock())
            added = await repo.add(job)
            if added is None and idempotency_key is not None:  # lost a race for the same key
                await session.rollback()
                existing = await repo.find_idempotent(owner_id, kind, idempotency_key)
                assert existing is not None
                return existing, False
            await session.commit()
            return job, True

    async def claim_next(self, worker_id: str, lease_s: float) -> Job | None:
        async with self.sessions() as session:
            repo = JobRepository(session)
            now = self.clock()
            job_id = await repo.next_claimable_id(now, self.registry.kinds())
            if job_id is None or not await repo.claim(job_id, worker_id, now, lease_s):
                return None
            await session.commit()
            return await repo.get(job_id)

    async def claim(self, job_id: str, worker_id: str, lease_s: float) -> Job | None:
        async with self.sessions() as session:
            repo = JobRepository(session)
            if not await repo.claim(job_id, worker_id, self.clock(), lease_s):
                return None
            await session.commit()
            return await repo.get(job_id)

    async def get(self, job_id: str) -> Job | None:
        async with self.sessions() as session:
            return await JobRepository(session).get(job_id)

    async def heartbeat(self, job_id: str, worker_id: str, lease_s: float) -> tuple[bool, bool]:
        """Extend the lease; returns (still ours, cancellation requested)."""
        async with self.sessions() as session:
            repo = JobRepository(session)
            owned = await repo.heartbeat(job_id, worker_id, self.clock(), lease_s)
            cancel = await repo.is_cancel_requested(job_id)
            await session.commit()
            return owned, cancel

    async def progress(self, job_id: str, worker_id: str, done: int, total: int | None,
                       stage: str | None, message: str | None) -> None:
        values: dict[str, Any] = {"progress_done": done}
        if total is not None:
            values["progress_total"] = total
        if stage is not None:
            values["stage"] = stage[:100]
        if message is not None:
            values["message"] = message[:MAX_MESSAGE]
        async with self.sessions() as session:
            await JobRepository(session).progress(job_id, worker_id, self.clock(), **values)
            await session.commit()

    async def cancel_requested(self, job_id: str) -> bool:
        async with self.sessions() as session:
            return await JobRepository(session).is_cancel_requested(job_id)

    async def finish(self, job_id: str, worker_id: str, state: str, *, result: dict[str, Any] | None = None,
                     error: str | None = None) -> bool:
        async with self.sessions() as session:
            done = await JobRepository(session).finish(job_id, worker_id, self.clock(), state,
                                                       result=result, error=error)
            await session.commit()
            return done

    async def requeue(self, job_id: str, worker_id: str, run_after: datetime, error: str | None,
                      refund_attempt: bool = False) -> bool:
        async with self.sessions() as session:
            done = await JobRepository(session).requeue(job_id, worker_id, self.clock(), run_after, error,
                                                        refund_attempt)
            await session.commit()
            return done

    async def stale_ids(self, lost_after: timedelta) -> list[str]:
        async with self.sessions() as session:
            return await JobRepository(session).stale_ids(self.clock(), lost_after)

    async def counts(self) -> list[tuple[str, str, int]]:
        async with self.sessions() as session:
            return await JobRepository(session).counts()
