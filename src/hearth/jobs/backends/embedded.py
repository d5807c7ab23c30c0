"""Embedded backend: the database is the queue; N asyncio workers in the API process poll it.
Leases with heartbeats let a restarted process take back what a killed one was running."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from hearth.core.ids import new_id
from hearth.core.logging import get_logger
from hearth.db.tables import Job
from hearth.jobs.runner import JobRunner
from hearth.jobs.store import JobStore

log = get_logger("hearth.jobs.embedded")


class EmbeddedQueue:
    def __init__(self, store: JobStore, runner_factory: Any, concurrency: int, poll_interval_s: float,
                 lease_s: float) -> None:
        self.store = store
        self.runner_factory = runner_factory
        self.concurrency = concurrency
        self.poll_interval_s = poll_interval_s
        self.lease_s = lease_s
        self.worker_id = f"embedded-{new_id()[:8]}"
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._running: set[asyncio.Task[None]] = set()
        self._stopping = False

    async def enqueue(self, kind: str, payload: dict[str, Any], owner_id: str | None,
                      idempotency_key: str | None = None) -> Job:
        job, _ = await self.store.insert(kind, payload, owner_id, idempotency_key)
        self._wake.set()
        return job

    async def start_workers(self) -> None:
        runner: JobRunner = self.runner_factory(self.worker_id)
        self._tasks = [asyncio.create_task(self._loop(runner), name=f"job-worker-{i}")
                       for i in range(self.concurrency)]

    async def _loop(self, runner: JobRunner) -> None:
        while not self._stopping:
            try:
                job = await self.store.claim_next(self.worker_id, self.lease_s)
            except Exception:
                log.exception("claiming a job failed")
                job = None
            if job is None:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.poll_interval_s)
                continue
            task = asyncio.current_task()
            assert task is not None
            self._running.add(task)
            try:
                await runner.run(job)
            finally:
                self._running.discard(task)

    async def stop(self, grace_s: float) -> None:
        """Let running jobs finish within the grace period, then hand the rest back to the queue."""
        self._stopping = True
        self._wake.set()
        idle = [t for t in self._tasks if t not in self._running]
        for task in idle:
            task.cancel()
        if self._running:
            await asyncio.wait(set(self._running), timeout=grace_s)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def check(self) -> tuple[bool, str]:
        alive = sum(1 for t in self._tasks if not t.done())
        if self._tasks and alive == 0:
            return False, "no embedded worker is running"
        return True, f"embedded, {alive} workers"
