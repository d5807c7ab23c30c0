"""Scale-out: a workflow run on PostgreSQL + Redis is executed by a separate `hearth worker` process,
pauses at a human_input step, and after a resume (a new job through Redis) the worker finishes it."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest

from hearth.core.scopes import USER_SCOPES, Principal
from hearth.core.settings import load_settings
from hearth.db import migrate
from hearth.db.tables import User
from hearth.runtime import build_runtime
from hearth.services.workflow_runs import WorkflowRunService
from hearth.services.workflows import WorkflowService
from tests.integration.test_jobs_scale_out import REDIS_URL, _flush_redis
from tests.support.server import WorkerProcess, hearth_env

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
REPO_ROOT = str(Path(__file__).resolve().parents[2])
DEFINITION = {"steps": [
    {"id": "each", "kind": "map", "items": "{{ inputs.names }}", "concurrency": 2,
     "step": {"kind": "test.effect", "name": "{{ item }}", "value": "{{ index }}"}},
    {"id": "approve", "kind": "human_input", "depends_on": ["each"]},
    {"id": "done", "kind": "transform", "depends_on": ["each", "approve"],
     "template": "{{ steps.approve.output.by }} approved {{ steps.each.output | length }}"},
]}


async def _state(runs: WorkflowRunService, principal: Principal, run_id: str, states: set[str]) -> str:
    for _ in range(600):
        run = await runs.get(principal, run_id)
        if run.state in states:
            return run.state
        await asyncio.sleep(0.1)
    raise AssertionError(f"run stayed {run.state}")


async def test_a_worker_process_runs_pauses_and_finishes_a_workflow(tmp_path: Path, postgres_url: str) -> None:
    await _flush_redis()
    settings = load_settings(data_dir=tmp_path / "data", database_url=postgres_url, redis_url=REDIS_URL,
                             plugins=["tests.support.workflow_plugin"])
    runtime = build_runtime(settings)
    await migrate.upgrade(runtime.engine)
    async with runtime.sessions() as session:
        user = User(email=f"flow-{uuid.uuid4().hex[:8]}@example.com", password_hash="x")
        session.add(user)
        await session.commit()
    principal = Principal(user.id, False, USER_SCOPES, "session")
    env = hearth_env(tmp_path / "data", HEARTH_DATABASE_URL=postgres_url, HEARTH_REDIS_URL=REDIS_URL,
                     PYTHONPATH=REPO_ROOT, HEARTH_PLUGINS='["tests.support.workflow_plugin"]',
                     HEARTH_JOB_POLL_INTERVAL_S="0.2")
    worker = WorkerProcess(tmp_path, env, "worker")
    runs = WorkflowRunService(runtime)
    try:
        worker.worker_id()
        definition = await WorkflowService(runtime).create(principal, "scale-out", DEFINITION)
        run = await runs.start(principal, definition.id, {"names": ["a", "b", "c"]})
        assert await _state(runs, principal, run.id, {"waiting", "failed"}) == "waiting"
        await runs.resume(principal, run.id, None, {"by": "Ada"})
        assert await _state(runs, principal, run.id, {"succeeded", "failed"}) == "succeeded"
        steps = {s.step_id: s for s in await runs.steps(await runs.get(principal, run.id))}
        assert [item["value"] for item in steps["each"].output] == [0, 1, 2]
        assert steps["done"].output == "Ada approved 3"
        assert any(e.get("event") == "job finished" and e.get("kind") == "workflow.run" for e in worker.log_events())
    finally:
        worker.stop()
        await runtime.close()
