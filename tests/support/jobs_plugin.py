"""Job kinds for tests, loaded through the same plugin mechanism as third-party kinds
(HEARTH_PLUGINS='["tests.support.jobs_plugin"]'). Every execution and every side effect is
written to tables of its own, so tests can count them from outside the process."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

from hearth.jobs.context import JobContext, JobFailed
from hearth.jobs.registry import JobSpec

if TYPE_CHECKING:
    from hearth.runtime import Runtime

DDL = [
    "CREATE TABLE IF NOT EXISTS test_job_executions (job_id VARCHAR(36) NOT NULL, attempt INTEGER NOT NULL, "
    "worker VARCHAR(64) NOT NULL)",
    "CREATE TABLE IF NOT EXISTS test_job_effects (job_id VARCHAR(36) PRIMARY KEY, value INTEGER NOT NULL)",
]


async def create_tables(engine: Any) -> None:
    async with engine.begin() as conn:
        for statement in DDL:
            await conn.execute(text(statement))


def register(runtime: Runtime) -> None:
    ready = asyncio.Lock()
    created: list[bool] = []

    async def ensure_tables() -> None:
        async with ready:
            if not created:
                await create_tables(runtime.engine)
                created.append(True)

    async def record_execution(ctx: JobContext) -> None:
        await ensure_tables()
        async with runtime.engine.begin() as conn:
            await conn.execute(text("INSERT INTO test_job_executions VALUES (:j, :a, :w)"),
                               {"j": ctx.job_id, "a": ctx.attempt, "w": ctx.worker_id})

    async def count(ctx: JobContext) -> dict[str, Any]:
        """Counts to `steps`, sleeping between steps, reporting progress and checking for
        cancellation; the side effect is keyed by job id so a re-run cannot record it twice."""
        await record_execution(ctx)
        steps = int(ctx.payload.get("steps", 3))
        for step in range(steps):
            await ctx.check_cancelled()
            await asyncio.sleep(float(ctx.payload.get("sleep_s", 0.01)))
            await ctx.progress(step + 1, steps, stage="counting", message=f"step {step + 1} of {steps}")
        async with runtime.engine.begin() as conn:
            exists = (await conn.execute(text("SELECT 1 FROM test_job_effects WHERE job_id = :j"),
                                         {"j": ctx.job_id})).first()
            if exists is None:
                await conn.execute(text("INSERT INTO test_job_effects VALUES (:j, :v)"), {"j": ctx.job_id, "v": steps})
        return {"counted": steps}

    async def flaky(ctx: JobContext) -> dict[str, Any]:
        await record_execution(ctx)
        if ctx.attempt <= int(ctx.payload.get("fail_times", 0)):
            raise JobFailed(f"planned failure {ctx.attempt}")
        return {"attempt": ctx.attempt}

    async def broken(ctx: JobContext) -> None:
        raise RuntimeError("secret internals /etc/passwd")

    async def noop(ctx: JobContext) -> None:
        return None

    async def slow(ctx: JobContext) -> None:
        await asyncio.sleep(float(ctx.payload.get("sleep_s", 10)))

    registry = runtime.job_registry
    registry.register(JobSpec("test.count", count, max_attempts=3, timeout_s=120))
    registry.register(JobSpec("test.flaky", flaky, max_attempts=3, backoff_base_s=0.05, backoff_max_s=0.2))
    registry.register(JobSpec("test.broken", broken, max_attempts=2, backoff_base_s=0.05, backoff_max_s=0.1))
    registry.register(JobSpec("test.noop", noop, max_attempts=1))
    registry.register(JobSpec("test.slow", slow, max_attempts=1, timeout_s=0.3))
