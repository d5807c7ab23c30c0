"""Scale-out backend on saq (Redis). The database row stays the truth; saq carries job ids to
`hearth worker` processes anywhere. A worker claims the row (fenced by lease) before running, so
a duplicate message does nothing, and a sweeper re-sends ids whose lease expired or whose message
was lost — a `kill -9`ed worker's job is taken over by another."""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import datetime, timedelta
from typing import Any

from saq import Job as SaqJob
from saq import Queue, Worker

from hearth.core.ids import new_id
from hearth.core.logging import get_logger
from hearth.db.tables import Job
from hearth.jobs.runner import JobRunner
from hearth.jobs.store import JobStore

log = get_logger("hearth.jobs.redis")
QUEUE_NAME = "hearth-jobs"
RUN = "hearth.run_job"
# A queued job whose message should have run by now, but has not, is re-sent after this long.
LOST_MESSAGE_AFTER_S = 30.0


class RedisQueue:
    def __init__(self, store: JobStore, runner_factory: Any, redis_url: str, concurrency: int, lease_s: float,
                 poll_interval_s: float, queue_name: str = QUEUE_NAME) -> None:
        self.store = store
        self.runner_factory = runner_factory
        self.concurrency = max(1, concurrency)
        self.lease_s = lease_s
        self.poll_interval_s = poll_interval_s
        self.queue = Queue.from_url(redis_url, name=queue_name)
        self.worker_id = f"worker-{new_id()[:8]}"
        self._connected = False
        self._worker: Worker | None = None
        self._tasks: list[asyncio.Task[Any]] = []
        self._runner: JobRunner | None = None
        self._inflight: set[asyncio.Task[Any]] = set()
        self._stopping = False

    async def _connect(self) -> None:
        if not self._connected:
            await self.queue.connect()
            self._connected = True

    async def enqueue(self, kind: str, payload: dict[str, Any], owner_id: str | None,
                      idempotency_key: str | None = None) -> Job:
        job, created = await self.store.insert(kind, payload, owner_id, idempotency_key)
        if created:
            await self.send(job.id)
        return job

    async def send(self, job_id: str, run_after: datetime | None = None) -> None:
        await self._connect()
        message = SaqJob(
            function=RUN, kwargs={"job_id": job_id}, key=new_id(), timeout=0, retries=1,
            scheduled=int(run_after.timestamp()) if run_after else 0, ttl=60,
        )
        await self.queue.enqueue(message)

    async def _run(self, _ctx: dict[str, Any], *, job_id: str) -> None:
        assert self._runner is not None
        if self._stopping:  # taken off the queue while stopping: pass it on to another worker
            await self.send(job_id)
            return
        job = await self.store.claim(job_id, self.worker_id, self.lease_s)
        if job is None:  # already done, running elsewhere, or not yet due
            return
        task = asyncio.current_task()
        assert task is not None
        self._inflight.add(task)
        try:
            await self._runner.run(job)
        finally:
            self._inflight.discard(task)

    async def start_workers(self) -> None:
        await self._connect()
        self._runner = self.runner_factory(self.worker_id)
        self._runner.after_requeue = self.send
        self._worker = Worker(self.queue, functions=[(RUN, self._run)], concurrency=self.concurrency,
                              id=self.worker_id, shutdown_grace_period_s=0,
                              # A bounded wait lets idle dequeue loops notice a stop at once.
                              dequeue_timeout=1.0)
        self._worker.SIGNALS = []  # signals belong to `hearth worker`, which calls stop() itself
        self._tasks = [asyncio.create_task(self._worker.start(), name="saq-worker"),
                       asyncio.create_task(self._sweep_forever(), name="job-sweeper")]

    async def _sweep_forever(self) -> None:
        interval = max(self.poll_interval_s, self.lease_s / 2)
        while True:
            try:
                for job_id in await self.store.stale_ids(timedelta(seconds=LOST_MESSAGE_AFTER_S)):
                    log.info("re-sending a stalled job", job_id=job_id)
                    await self.send(job_id)
            except Exception:
                log.exception("sweeping stalled jobs failed")
            await asyncio.sleep(interval)

    async def stop(self, grace_s: float) -> None:
        """Stop taking work, give running jobs the grace period to finish, then hand the rest back."""
        # saq's own grace period also waits for its never-ending upkeep loops, so the grace is ours:
        # running jobs get it, then saq stops at once and cancels what is left (the runner re-queues).
        self._stopping = True
        if self._inflight:
            await asyncio.wait(set(self._inflight), timeout=grace_s)
        if self._worker is not None:
            await self._worker.stop()
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._connected:
            self._connected = False
            try:
                await self.queue.disconnect()
            except Exception as exc:  # noqa: BLE001 - a dead broker must not break shutdown
                log.warning("disconnecting from redis failed", error=type(exc).__name__)

    async def check(self) -> tuple[bool, str]:
        began = time.perf_counter()
        try:
            await self._connect()
            await asyncio.wait_for(self.queue.redis.ping(), 2)  # type: ignore[attr-defined]
        except Exception as exc:  # noqa: BLE001 - reported on /ready, not raised
            return False, f"redis unreachable ({type(exc).__name__})"
        return True, f"redis, ping {1000 * (time.perf_counter() - began):.1f} ms"
