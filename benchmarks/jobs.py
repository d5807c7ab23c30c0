"""No-op job throughput, side by side in one run:

  saq (bare)        the chosen library alone: enqueue N no-op jobs, one worker drains them
  hearth redis      Hearth's scale-out backend (saq + PostgreSQL rows: insert, claim, finish)
  hearth embedded   Hearth's default backend (SQLite is the queue, in-process workers)

Needs Redis on 127.0.0.1:6379 and PostgreSQL on 127.0.0.1:5432 (a throwaway database is made
and dropped). Usage: .venv/bin/python benchmarks/jobs.py [--jobs 1000] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg
import redis.asyncio as aioredis
from saq import Queue, Worker
from sqlalchemy import text

from hearth.core.logging import configure_logging
from hearth.core.settings import load_settings
from hearth.db import migrate
from hearth.jobs.registry import JobSpec
from hearth.runtime import build_runtime

REDIS_URL = "redis://127.0.0.1:6379/12"
PG = {"host": "127.0.0.1", "port": 5432, "database": "test"}


async def noop(*_args: object, **_kwargs: object) -> None:
    return None


async def bare_saq(n: int, concurrency: int) -> tuple[float, float]:
    queue = Queue.from_url(REDIS_URL, name="bench-bare")
    await queue.connect()
    began = time.perf_counter()
    for _ in range(n):
        await queue.enqueue("noop", timeout=0)
    enqueued = time.perf_counter()
    worker = Worker(queue, functions=[("noop", noop)], concurrency=concurrency, dequeue_timeout=1.0)
    worker.SIGNALS = []
    task = asyncio.create_task(worker.start())
    while await queue.count("queued") or await queue.count("active"):
        await asyncio.sleep(0.01)
    done = time.perf_counter()
    await worker.stop()
    task.cancel()
    await queue.disconnect()
    return enqueued - began, done - enqueued


async def hearth_backend(n: int, concurrency: int, data_dir: Path, **settings: object) -> tuple[float, float]:
    runtime = build_runtime(load_settings(data_dir=data_dir, job_workers=concurrency,
                                          job_poll_interval_s=0.05, **settings))
    runtime.job_registry.register(JobSpec("bench.noop", noop, max_attempts=1))
    await migrate.upgrade(runtime.engine)
    try:
        began = time.perf_counter()
        for _ in range(n):
            await runtime.jobs.enqueue("bench.noop", {}, None)
        enqueued = time.perf_counter()
        await runtime.jobs.start_workers()
        while True:
            async with runtime.engine.connect() as conn:
                left = (await conn.execute(text("SELECT COUNT(*) FROM jobs WHERE state <> 'succeeded'"))).scalar_one()
            if left == 0:
                break
            await asyncio.sleep(0.01)
        done = time.perf_counter()
        await runtime.jobs.stop(0)
    finally:
        await runtime.engine.dispose()
    return enqueued - began, done - enqueued


async def pg_user() -> str:
    for user in ("postgres", "root"):
        try:
            conn = await asyncpg.connect(user=user, **PG)
        except (OSError, asyncpg.PostgresError):
            continue
        await conn.close()
        return user
    raise SystemExit("PostgreSQL is not reachable on 127.0.0.1:5432")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    configure_logging("WARNING")
    client = aioredis.from_url(REDIS_URL)
    await client.flushdb()
    await client.aclose()

    user = await pg_user()
    db = f"hearth_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(user=user, **PG)
    await admin.execute(f'CREATE DATABASE "{db}"')
    results: list[tuple[str, float, float]] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            results.append(("saq (bare)", *await bare_saq(args.jobs, args.concurrency)))
            results.append(("hearth redis", *await hearth_backend(
                args.jobs, args.concurrency, Path(tmp) / "redis", queue="redis", redis_url=REDIS_URL,
                database_url=f"postgresql+asyncpg://{user}@127.0.0.1:5432/{db}")))
            results.append(("hearth embedded", *await hearth_backend(
                args.jobs, args.concurrency, Path(tmp) / "embedded", queue="embedded")))
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        await admin.close()

    print(f"\n{args.jobs} no-op jobs, concurrency {args.concurrency}, 2 cores")
    print(f"{'backend':<18}{'enqueue/s':>12}{'process/s':>12}{'end-to-end/s':>15}")
    for name, enqueue_s, process_s in results:
        print(f"{name:<18}{args.jobs / enqueue_s:>12,.0f}{args.jobs / process_s:>12,.0f}"
              f"{args.jobs / (enqueue_s + process_s):>15,.0f}")


if __name__ == "__main__":
    asyncio.run(main())
