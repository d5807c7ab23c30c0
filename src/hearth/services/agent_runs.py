"""Agent runs: answered whole, streamed as step events, or run as a background job. Each run waits
for a place in the run pool, records the agent version it used, and keeps its trace step by step."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from hearth.agents.loop import AgentLoop, Outcome
from hearth.agents.tools.base import ToolContext
from hearth.agents.trace import RunTrace
from hearth.core.clock import utcnow
from hearth.core.errors import NotFound
from hearth.core.scopes import Principal, Scope
from hearth.db.tables import AgentRun, AgentRunStep
from hearth.jobs.context import JobCancelled, JobContext
from hearth.jobs.registry import JobSpec
from hearth.repositories.agents import AgentRepository
from hearth.repositories.pagination import Page
from hearth.services.agents import AgentService, snapshot

if TYPE_CHECKING:
    from hearth.agents.definition import AgentSnapshot
    from hearth.runtime import Runtime

RUN_JOB = "agent.run"
_END = object()
# Streamed runs keep going if the client leaves; these references keep their tasks alive.
_detached: set[asyncio.Task[Any]] = set()


def principal_payload(principal: Principal) -> dict[str, Any]:
    return {"user_id": principal.user_id, "is_admin": principal.is_admin, "scopes": sorted(principal.scopes),
            "via": principal.via, "api_key_id": principal.api_key_id,
            "collection_ids": sorted(principal.collection_ids) if principal.collection_ids is not None else None}


def principal_from(payload: dict[str, Any]) -> Principal:
    collections = payload.get("collection_ids")
    return Principal(payload["user_id"], payload["is_admin"], frozenset(Scope(s) for s in payload["scopes"]),
                     payload["via"], payload.get("api_key_id"),
                     frozenset(collections) if collections is not None else None)


class AgentRunService:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.sessions = runtime.sessions
        self.agents = AgentService(runtime.sessions, runtime.tools, runtime.llm, runtime.settings)

    # -- starting ------------------------------------------------------------------------------
    async def create(self, principal: Principal, agent_id: str, user_input: str) -> tuple[AgentRun, AgentSnapshot]:
        agent = snapshot(await self.agents.get(principal, agent_id))
        async with self.sessions() as session:
            run = AgentRun(agent_id=agent.id, agent_version=agent.version, owner_id=principal.user_id,
                           status="queued", input=user_input)
            await AgentRepository(session).add(run)
            await session.commit()
            return run, agent

    async def run(self, principal: Principal, agent_id: str, user_input: str) -> AgentRun:
        run, agent = await self.create(principal, agent_id, user_input)
        await self.execute(run, agent, principal)
        return await self.get(principal, run.id)

    async def stream(self, principal: Principal, agent_id: str, user_input: str) -> AsyncIterator[dict[str, Any]]:
        run, agent = await self.create(principal, agent_id, user_input)
        events: asyncio.Queue[Any] = asyncio.Queue()
        events.put_nowait({"type": "run", "run_id": run.id, "agent_id": agent.id, "agent_version": agent.version,
                           "queue_position": self.runtime.agent_pool.position(run.id)})

        async def work() -> None:
            try:
                await self.execute(run, agent, principal, events)
            finally:
                events.put_nowait(_END)

        task = asyncio.create_task(work())
        _detached.add(task)
        task.add_done_callback(_detached.discard)
        while (event := await events.get()) is not _END:
            yield event

    async def start_background(self, principal: Principal, agent_id: str, user_input: str) -> AgentRun:
        run, _agent = await self.create(principal, agent_id, user_input)
        job = await self.runtime.jobs.enqueue(RUN_JOB, {"run_id": run.id, "principal": principal_payload(principal)},
                                              principal.user_id)
        async with self.sessions() as session:
            await AgentRepository(session).update_run(run.id, job_id=job.id)
            await session.commit()
        run.job_id = job.id
        return run

    # -- running -------------------------------------------------------------------------------
    async def execute(self, run: AgentRun, agent: AgentSnapshot, principal: Principal,
                      events: asyncio.Queue[Any] | None = None, job: JobContext | None = None) -> Outcome:
        trace = RunTrace(self.sessions, run.id, self.runtime.settings.agent_trace_chars, events)
        if job is not None:
            async def on_step(position: int, kind: str) -> None:
                await job.progress(position, None, kind)
                await job.check_cancelled()

            trace.on_step = on_step
        async with self.runtime.agent_pool.slot(run.id, agent.id, agent.config.max_concurrent_runs):
            await self._update(run.id, status="running", started_at=utcnow())
            trace.emit("running")
            loop = AgentLoop(self.runtime, ToolContext(principal, self.runtime), trace,
                             lambda ids: self.agents.peers(principal.user_id, ids))
            try:
                outcome = await loop.run(agent, run.input)
            except (JobCancelled, asyncio.CancelledError):
                await asyncio.shield(self._finish(run.id, Outcome("cancelled", "cancelled"), trace))
                raise
            await self._finish(run.id, outcome, trace)
            return outcome

    async def _finish(self, run_id: str, outcome: Outcome, trace: RunTrace) -> None:
        await self._update(run_id, status=outcome.status, stop_reason=outcome.stop_reason, output=outcome.output,
                           error=outcome.error, finished_at=utcnow(), prompt_tokens=trace.usage.prompt_tokens,
                           completion_tokens=trace.usage.completion_tokens)

    async def _update(self, run_id: str, **values: Any) -> None:
        async with self.sessions() as session:
            await AgentRepository(session).update_run(run_id, **values)
            await session.commit()

    # -- reading -------------------------------------------------------------------------------
    async def get(self, principal: Principal, run_id: str) -> AgentRun:
        async with self.sessions() as session:
            run = await AgentRepository(session).run(run_id, principal.user_id)
            if run is None:
                raise NotFound("no such agent run")
            return run

    async def steps(self, run_id: str) -> list[AgentRunStep]:
        async with self.sessions() as session:
            return await AgentRepository(session).steps(run_id)

    async def list(self, principal: Principal, agent_id: str, limit: int, cursor: str | None) -> Page[AgentRun]:
        await self.agents.get(principal, agent_id)
        async with self.sessions() as session:
            return await AgentRepository(session).runs(agent_id, principal.user_id, limit, cursor)

    def queue_position(self, run_id: str) -> int | None:
        return self.runtime.agent_pool.position(run_id)


def register(runtime: Runtime) -> None:
    async def run_agent(ctx: JobContext) -> dict[str, Any]:
        service = AgentRunService(runtime)
        principal = principal_from(ctx.payload["principal"])
        run = await service.get(principal, ctx.payload["run_id"])
        if run.status != "queued":  # delivered again after it ran: the first delivery's outcome stands
            return {"run_id": run.id, "status": run.status}
        async with runtime.sessions() as session:
            version = await AgentRepository(session).version(run.agent_id, run.agent_version)
        if version is None:
            return {"run_id": run.id, "status": "failed"}
        outcome = await service.execute(run, snapshot(version, run.agent_id), principal, job=ctx)
        return {"run_id": run.id, "status": outcome.status, "stop_reason": outcome.stop_reason}

    # Tools may have side effects, so a failed run is not repeated behind the caller's back.
    runtime.job_registry.register(JobSpec(kind=RUN_JOB, handler=run_agent, max_attempts=1, timeout_s=3 * 3600))
