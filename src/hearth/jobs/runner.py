"""Runs one claimed job to an outcome: heartbeat, timeout, cancellation, retry with backoff and
jitter, the terminal event. Shared by the embedded and the Redis backends."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from hearth.core.logging import get_logger
from hearth.db.tables import Job
from hearth.events import Event, EventBus
from hearth.jobs.context import JobCancelled, JobContext, JobFailed
from hearth.jobs.metrics import JobMetrics
from hearth.jobs.registry import JobRegistry, JobSpec
from hearth.jobs.store import JobStore

log = get_logger("hearth.jobs")


def backoff_delay(spec: JobSpec, attempt: int) -> float:
    """Exponential in the attempt number, capped, with jitter so retries of a burst spread out."""
    ceiling = min(spec.backoff_max_s, spec.backoff_base_s * 2 ** max(0, attempt - 1))
    return random.uniform(ceiling / 2, ceiling)


class JobRunner:
    def __init__(self, store: JobStore, registry: JobRegistry, bus: EventBus, metrics: JobMetrics,
                 worker_id: str, lease_s: float) -> None:
        self.store = store
        self.registry = registry
        self.bus = bus
        self.metrics = metrics
        self.worker_id = worker_id
        self.lease_s = lease_s
        # Set by backends that must also tell a broker when a re-queued job is due.
        self.after_requeue: Callable[[str, datetime], Awaitable[None]] | None = None

    async def run(self, job: Job) -> None:
        spec = self.registry.get(job.kind)
        if spec is None:
            await self._terminal(job, "failed", error=f"no handler for job kind {job.kind!r} on this worker")
            return
        if job.cancel_requested:
            await self._terminal(job, "cancelled")
            return
        if job.attempts > job.max_attempts:  # reclaimed after its last attempt's worker died
            await self._terminal(job, "failed", error=f"gave up after {job.max_attempts} attempts: the worker stopped")
            return
        ctx = JobContext(job_id=job.id, kind=job.kind, payload=dict(job.payload), owner_id=job.owner_id,
                         attempt=job.attempts, worker_id=self.worker_id, sink=self.store)
        heartbeat = asyncio.create_task(self._heartbeat(ctx))
        began = time.perf_counter()
        try:
            result = await asyncio.wait_for(spec.handler(ctx), spec.timeout_s)
        except JobCancelled:
            await self._terminal(job, "cancelled", began=began)
        except asyncio.CancelledError:
            # The worker is shutting down: hand the job back without spending an attempt.
            await asyncio.shield(self._requeue(job, self.store.clock(), None, refund_attempt=True))
            raise
        except TimeoutError:
            await self._failure(job, spec, f"timed out after {spec.timeout_s:g}s", retry=True, began=began)
        except JobFailed as exc:
            await self._failure(job, spec, exc.detail, retry=exc.retry, began=began)
        except Exception as exc:
            log.exception("job handler raised", job_id=job.id, kind=job.kind, attempt=job.attempts)
            await self._failure(job, spec, f"unexpected error in the job handler ({type(exc).__name__})",
                                retry=True, began=began)
        else:
            await self._terminal(job, "succeeded", result=result, began=began)
        finally:
            heartbeat.cancel()

    async def _heartbeat(self, ctx: JobContext) -> None:
        interval = max(0.2, self.lease_s / 3)
        while True:
            await asyncio.sleep(interval)
            try:
                owned, cancel = await self.store.heartbeat(ctx.job_id, self.worker_id, self.lease_s)
            except Exception:  # a missed beat is survivable; the lease has slack for two more
                log.warning("job heartbeat failed", job_id=ctx.job_id)
                continue
            if cancel or not owned:
                ctx.mark_cancelled()

    async def _failure(self, job: Job, spec: JobSpec, error: str, *, retry: bool, began: float) -> None:
        if retry and job.attempts < job.max_attempts:
            delay = backoff_delay(spec, job.attempts)
            run_after = self.store.clock() + timedelta(seconds=delay)
            if await self._requeue(job, run_after, error):
                self.metrics.retries.labels(job.kind).inc()
                log.info("job will retry", job_id=job.id, kind=job.kind, attempt=job.attempts, delay_s=round(delay, 2))
            return
        await self._terminal(job, "failed", error=error, began=began)

    async def _requeue(self, job: Job, run_after: datetime, error: str | None, refund_attempt: bool = False) -> bool:
        requeued = await self.store.requeue(job.id, self.worker_id, run_after, error, refund_attempt)
        if requeued and self.after_requeue is not None:
            await self.after_requeue(job.id, run_after)
        return requeued

    async def _terminal(self, job: Job, state: str, *, result: dict[str, Any] | None = None,
                        error: str | None = None, began: float | None = None) -> None:
        if not await self.store.finish(job.id, self.worker_id, state, result=result, error=error):
            return  # our lease was taken over; the new holder reports the outcome
        self.metrics.finished.labels(job.kind, state).inc()
        if began is not None:
            self.metrics.duration.labels(job.kind).observe(time.perf_counter() - began)
        log.info("job finished", job_id=job.id, kind=job.kind, state=state, attempt=job.attempts)
        data = {"job_id": job.id, "kind": job.kind, "state": state, "attempts": job.attempts}
        if error:
            data["error"] = error
        await self.bus.publish(Event(type=f"job.{state}", owner_id=job.owner_id, data=data))
