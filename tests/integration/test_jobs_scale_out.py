"""Scale-out acceptance: PostgreSQL + Redis, two real `hearth worker` processes share 200 jobs;
one is killed mid-job; every job ends succeeded, its side effect recorded exactly once."""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from sqlalchemy import text

from hearth.core.settings import load_settings
from hearth.db import migrate
from hearth.runtime import build_runtime
from tests.support.jobs_plugin import create_tables
from tests.support.server import WorkerProcess, hearth_env

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
REPO_ROOT = str(Path(__file__).resolve().parents[2])
REDIS_URL = "redis://127.0.0.1:6379/13"


async def _flush_redis() -> None:
    client = aioredis.from_url(REDIS_URL)
    await client.flushdb()
    await client.aclose()


async def test_two_workers_share_200_jobs_and_survive_a_kill(tmp_path: Path, postgres_url: str) -> None:
    await _flush_redis()
    extra = {"HEARTH_DATABASE_URL": postgres_url, "HEARTH_REDIS_URL": REDIS_URL, "PYTHONPATH": REPO_ROOT,
             "HEARTH_PLUGINS": '["tests.support.jobs_plugin"]', "HEARTH_JOB_LEASE_S": "2",
             "HEARTH_JOB_WORKERS": "4", "HEARTH_JOB_POLL_INTERVAL_S": "0.2"}
    runtime = build_runtime(load_settings(data_dir=tmp_path / "data", database_url=postgres_url,
                                          redis_url=REDIS_URL, plugins=["tests.support.jobs_plugin"]))
    await migrate.upgrade(runtime.engine)
    await create_tables(runtime.engine)
    async with runtime.engine.begin() as conn:  # the run's database is shared with earlier tests
        await conn.execute(text("TRUNCATE jobs, test_job_effects, test_job_executions CASCADE"))
    env = hearth_env(tmp_path / "data", **extra)
    a, b = WorkerProcess(tmp_path, env, "worker-a"), WorkerProcess(tmp_path, env, "worker-b")
    try:
        id_a, id_b = a.worker_id(), b.worker_id()
        jobs = [await runtime.jobs.enqueue("test.count", {"steps": 3, "sleep_s": 0.05}, None) for _ in range(200)]
        ids = [j.id for j in jobs]

        victim = await _wait_for_running_job_of(runtime, id_a)
        a.proc.send_signal(signal.SIGKILL)
        a.proc.wait()

        await _wait_until_all_done(runtime, ids, timeout_s=180)
        async with runtime.engine.connect() as conn:
            states = dict((await conn.execute(text(
                "SELECT state, COUNT(*) FROM jobs GROUP BY state"))).all())
            effects = dict((await conn.execute(text(
                "SELECT job_id, COUNT(*) FROM test_job_effects GROUP BY job_id"))).all())
            runs = (await conn.execute(text(
                "SELECT job_id, worker, COUNT(*) FROM test_job_executions GROUP BY job_id, worker"))).all()
            attempts = dict((await conn.execute(text("SELECT id, attempts FROM jobs"))).all())
    finally:
        a.stop()
        b.stop()
        await runtime.jobs.stop(0)
        await runtime.engine.dispose()

    assert states == {"succeeded": 200}
    assert effects == {job_id: 1 for job_id in ids}
    by_worker: dict[str, int] = {}
    per_job: dict[str, int] = {}
    for job_id, worker, n in runs:
        by_worker[worker] = by_worker.get(worker, 0) + n
        per_job[job_id] = per_job.get(job_id, 0) + n
    assert by_worker.get(id_a, 0) > 0 and by_worker.get(id_b, 0) > 0, by_worker
    assert per_job[victim] == 2 and attempts[victim] == 2  # killed once, finished once, elsewhere
    assert all(per_job[j] == attempts[j] for j in ids), "a job ran more often than it was attempted"


async def _wait_for_running_job_of(runtime, worker_id: str) -> str:  # type: ignore[no-untyped-def]
    for _ in range(600):
        async with runtime.engine.connect() as conn:
            row = (await conn.execute(text(
                "SELECT id FROM jobs WHERE state = 'running' AND lease_owner = :w AND progress_done >= 1"),
                {"w": worker_id})).first()
        if row:
            return row[0]
        await asyncio.sleep(0.02)
    raise AssertionError("worker A never ran a job")


async def _wait_until_all_done(runtime, ids: list[str], timeout_s: float) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        async with runtime.engine.connect() as conn:
            left = (await conn.execute(text(
                "SELECT COUNT(*) FROM jobs WHERE state NOT IN ('succeeded', 'failed', 'cancelled')"
            ))).scalar_one()
        if left == 0:
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"{left} jobs still not finished")


async def test_sigterm_finishes_short_jobs_and_requeues_long_ones(tmp_path: Path, postgres_url: str) -> None:
    await _flush_redis()
    runtime = build_runtime(load_settings(data_dir=tmp_path / "data", database_url=postgres_url,
                                          redis_url=REDIS_URL, plugins=["tests.support.jobs_plugin"]))
    await migrate.upgrade(runtime.engine)
    await create_tables(runtime.engine)
    async with runtime.engine.begin() as conn:
        await conn.execute(text("TRUNCATE jobs CASCADE"))
    env = hearth_env(tmp_path / "data", HEARTH_DATABASE_URL=postgres_url, HEARTH_REDIS_URL=REDIS_URL,
                     PYTHONPATH=REPO_ROOT, HEARTH_PLUGINS='["tests.support.jobs_plugin"]',
                     HEARTH_JOB_WORKERS="2", HEARTH_JOB_SHUTDOWN_GRACE_S="2")
    first = WorkerProcess(tmp_path, env, "first")
    try:
        first_id = first.worker_id()
        short = await runtime.jobs.enqueue("test.count", {"steps": 8, "sleep_s": 0.1}, None)
        long = await runtime.jobs.enqueue("test.count", {"steps": 60, "sleep_s": 0.1}, None)
        for _ in range(300):
            jobs = [await runtime.job_store.get(j.id) for j in (short, long)]
            if all(j is not None and j.state == "running" and j.progress_done >= 1 for j in jobs):
                break
            await asyncio.sleep(0.02)
        first.proc.send_signal(signal.SIGTERM)
        assert first.proc.wait(timeout=20) in (0, -signal.SIGTERM)
        finished, handed_back = await runtime.job_store.get(short.id), await runtime.job_store.get(long.id)
        assert finished is not None and finished.state == "succeeded"
        assert handed_back is not None and handed_back.state == "queued" and handed_back.attempts == 0
        assert handed_back.progress_done < 60

        second = WorkerProcess(tmp_path, env, "second")
        try:
            second_id = second.worker_id()
            for _ in range(600):
                job = await runtime.job_store.get(long.id)
                if job is not None and job.state == "succeeded":
                    break
                await asyncio.sleep(0.1)
        finally:
            second.stop()
        async with runtime.engine.connect() as conn:
            runs = (await conn.execute(text("SELECT worker FROM test_job_executions WHERE job_id = :j"),
                                       {"j": long.id})).scalars().all()
        assert job is not None and job.state == "succeeded" and job.attempts == 1
        assert sorted(runs) == sorted([first_id, second_id])
    finally:
        first.stop()
        await runtime.jobs.stop(0)
        await runtime.engine.dispose()
