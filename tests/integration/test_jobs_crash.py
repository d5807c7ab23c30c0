"""Embedded backend acceptance: `kill -9` the real server mid-job; after a restart the job
completes, its side effect is recorded once, and a job that had finished is not run again."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import pytest
from sqlalchemy import text

from hearth.core.settings import load_settings
from hearth.runtime import build_runtime
from tests.support.jobs_plugin import create_tables
from tests.support.server import ServerProcess, hearth_env

pytestmark = pytest.mark.slow
REPO_ROOT = str(Path(__file__).resolve().parents[2])


async def _wait(predicate, timeout_s: float = 60) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not await predicate():
        assert asyncio.get_running_loop().time() < deadline, "timed out waiting"
        await asyncio.sleep(0.1)


async def test_kill_minus_nine_mid_job_loses_nothing_and_repeats_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = hearth_env(data, HEARTH_PLUGINS='["tests.support.jobs_plugin"]', PYTHONPATH=REPO_ROOT,
                     HEARTH_JOB_LEASE_S="2", HEARTH_JOB_POLL_INTERVAL_S="0.1")
    first = ServerProcess(tmp_path, env)
    first.wait_healthy()
    # The test process enqueues into the same database the server's workers poll.
    runtime = build_runtime(load_settings(data_dir=data, plugins=["tests.support.jobs_plugin"]))
    store = runtime.job_store
    try:
        await create_tables(runtime.engine)
        finished = await runtime.jobs.enqueue("test.count", {"steps": 2}, None)
        await _wait(lambda: _state_is(store, finished.id, "succeeded"))

        victim = await runtime.jobs.enqueue("test.count", {"steps": 30, "sleep_s": 0.1}, None)
        await _wait(lambda: _progress_at_least(store, victim.id, 5))
        first.signal(signal.SIGKILL)
        first.wait()
        first.stop()
        mid = await store.get(victim.id)
        assert mid is not None and mid.state == "running" and mid.progress_done < 30

        with ServerProcess(tmp_path, env):
            await _wait(lambda: _state_is(store, victim.id, "succeeded"))

        done = await store.get(victim.id)
        assert done is not None and done.progress_done == 30 and done.attempts == 2
        async with runtime.engine.connect() as conn:
            runs = dict((await conn.execute(text(
                "SELECT job_id, COUNT(*) FROM test_job_executions GROUP BY job_id"))).all())
            effects = dict((await conn.execute(text(
                "SELECT job_id, COUNT(*) FROM test_job_effects GROUP BY job_id"))).all())
        assert runs == {finished.id: 1, victim.id: 2}
        assert effects == {finished.id: 1, victim.id: 1}
    finally:
        await runtime.engine.dispose()


async def _state_is(store, job_id: str, state: str) -> bool:  # type: ignore[no-untyped-def]
    job = await store.get(job_id)
    return job is not None and job.state == state


async def _progress_at_least(store, job_id: str, done: int) -> bool:  # type: ignore[no-untyped-def]
    job = await store.get(job_id)
    return job is not None and job.progress_done >= done
