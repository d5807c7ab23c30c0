from __future__ import annotations

import asyncio
import signal

import typer

from hearth.cli.common import settings_or_exit
from hearth.core.logging import get_logger
from hearth.db import migrate as migrations
from hearth.runtime import build_runtime

log = get_logger("hearth.worker")


def worker() -> None:
    """Run job workers without the API (scale-out: HEARTH_REDIS_URL set). SIGTERM finishes or
    re-queues the jobs in hand, then exits."""
    settings = settings_or_exit()
    if settings.job_workers < 1:
        typer.secho("error: HEARTH_JOB_WORKERS must be at least 1 for a worker", err=True, fg=typer.colors.RED)
        raise typer.Exit(code=2)
    asyncio.run(_run(settings))


async def _run(settings) -> None:  # type: ignore[no-untyped-def]
    runtime = build_runtime(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        if settings.should_auto_migrate:
            await migrations.upgrade(runtime.engine)
        await runtime.jobs.start_workers()
        log.info("worker started", worker_id=getattr(runtime.jobs, "worker_id", None), queue=settings.queue_backend,
                 concurrency=settings.job_workers,
                 kinds=runtime.job_registry.kinds())
        await stop.wait()
        log.info("worker stopping", grace_s=settings.job_shutdown_grace_s)
    finally:
        await runtime.close()
    log.info("worker stopped")
