from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, status
from fastapi.responses import JSONResponse
from starlette.responses import Response

from hearth.agents.definition import AgentConfig
from hearth.api import sse
from hearth.api.deps import AgentRunServiceDep, AgentServiceDep, AgentsPrincipal, PageParams
from hearth.schemas.agents import AgentCreate, AgentPublic, AgentUpdate, RunCreate, RunPublic, StepPublic
from hearth.schemas.common import PageOut
from hearth.services.agent_runs import AgentRunService

router = APIRouter(prefix="/agents", tags=["agents"])

_RUN_DOC = {
    200: {"content": {"text/event-stream": {}},
          "description": "The finished run with its steps; with `stream: true`, server-sent events: `run`, "
                         "`running`, then `model_started`, `tool_call`, `tool_result`, `handoff` as they happen, "
                         "and `final` or `error`, then `event: done`."},
    202: {"model": RunPublic, "description": "With `background: true`: the queued run and its job id"},
}


async def _public(runs: AgentRunService, run: Any, with_steps: bool = True) -> RunPublic:
    public = RunPublic.model_validate(run)
    public.queue_position = runs.queue_position(run.id) if run.status == "queued" else None
    if with_steps:
        public.steps = [StepPublic.model_validate(s) for s in await runs.steps(run.id)]
    return public


@router.post("", response_model=AgentPublic, status_code=status.HTTP_201_CREATED, summary="Define an agent")
async def create_agent(body: AgentCreate, principal: AgentsPrincipal, agents: AgentServiceDep) -> AgentPublic:
    config = AgentConfig.model_validate(body.model_dump(exclude={"name"}))
    return AgentPublic.of(await agents.create(principal, body.name, config))


@router.get("", response_model=PageOut[AgentPublic], summary="Your agents, newest first")
async def list_agents(principal: AgentsPrincipal, page: PageParams, agents: AgentServiceDep) -> PageOut[AgentPublic]:
    found = await agents.list(principal, *page)
    return PageOut[AgentPublic](items=[AgentPublic.of(a) for a in found.items], next_cursor=found.next_cursor)


@router.get("/runs/{run_id}", response_model=RunPublic, summary="A run with its full trace")
async def read_run(run_id: str, principal: AgentsPrincipal, runs: AgentRunServiceDep) -> RunPublic:
    return await _public(runs, await runs.get(principal, run_id))


@router.get("/{agent_id}", response_model=AgentPublic, summary="An agent's current version")
async def read_agent(agent_id: str, principal: AgentsPrincipal, agents: AgentServiceDep) -> AgentPublic:
    return AgentPublic.of(await agents.get(principal, agent_id))


@router.patch("/{agent_id}", response_model=AgentPublic, summary="Change an agent; saves a new version")
async def update_agent(agent_id: str, body: AgentUpdate, principal: AgentsPrincipal,  # type: ignore[valid-type]
                       agents: AgentServiceDep) -> AgentPublic:
    changes = body.model_dump(exclude_unset=True)  # type: ignore[attr-defined]
    return AgentPublic.of(await agents.update(principal, agent_id, changes))


@router.delete("/{agent_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response,
               summary="Delete an agent, its versions and its runs")
async def delete_agent(agent_id: str, principal: AgentsPrincipal, agents: AgentServiceDep) -> Response:
    await agents.delete(principal, agent_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{agent_id}/runs", response_model=RunPublic, responses=_RUN_DOC,
             summary="Run an agent: the result, a stream of steps, or a background job")
async def run_agent(agent_id: str, body: RunCreate, principal: AgentsPrincipal, runs: AgentRunServiceDep) -> Any:
    if body.background:
        run = await runs.start_background(principal, agent_id, body.input)
        public = await _public(runs, run, with_steps=False)
        return JSONResponse(public.model_dump(mode="json"), status_code=status.HTTP_202_ACCEPTED)
    if not body.stream:
        return await _public(runs, await runs.run(principal, agent_id, body.input))

    stream = await sse.started(runs.stream(principal, agent_id, body.input))

    async def events() -> AsyncIterator[bytes]:
        run_id = None
        async for event in stream:
            run_id = event.get("run_id", run_id)
            yield sse.encode(event, event=event["type"])
        yield sse.encode({"run_id": run_id}, event="done")

    return sse.sse_response(events())


@router.get("/{agent_id}/runs", response_model=PageOut[RunPublic], summary="An agent's runs, newest first")
async def list_runs(agent_id: str, principal: AgentsPrincipal, page: PageParams,
                    runs: AgentRunServiceDep) -> PageOut[RunPublic]:
    found = await runs.list(principal, agent_id, *page)
    items = [await _public(runs, r, with_steps=False) for r in found.items]
    return PageOut[RunPublic](items=items, next_cursor=found.next_cursor)
