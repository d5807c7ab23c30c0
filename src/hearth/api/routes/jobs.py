from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.sse import EventSourceResponse, ServerSentEvent

from hearth.api.deps import CurrentPrincipal, JobServiceDep, PageParams, State
from hearth.jobs.states import TERMINAL_STATES, JobState
from hearth.schemas.common import PageOut
from hearth.schemas.jobs import JobPublic
from hearth.services.jobs import JobService

router = APIRouter(prefix="/jobs", tags=["jobs"])
EVENT_POLL_S = 0.5


@router.get("", response_model=PageOut[JobPublic], summary="Your jobs, newest first (admins: everyone's)")
async def list_jobs(principal: CurrentPrincipal, page: PageParams, jobs: JobServiceDep,
                    state: Annotated[JobState | None, Query()] = None,
                    kind: Annotated[str | None, Query(max_length=100)] = None) -> PageOut[JobPublic]:
    found = await jobs.list(principal, *page, state, kind)
    return PageOut[JobPublic](items=[JobPublic.of(j) for j in found.items], next_cursor=found.next_cursor)


@router.get("/{job_id}", response_model=JobPublic, summary="State, progress and error of a job")
async def read_job(job_id: str, principal: CurrentPrincipal, jobs: JobServiceDep) -> JobPublic:
    return JobPublic.of(await jobs.get(principal, job_id))


@router.post("/{job_id}/cancel", response_model=JobPublic,
             summary="Cancel: queued jobs stop at once, running ones at their next check")
async def cancel_job(job_id: str, principal: CurrentPrincipal, jobs: JobServiceDep) -> JobPublic:
    return JobPublic.of(await jobs.cancel(principal, job_id))


async def _visible_job_id(job_id: str, principal: CurrentPrincipal, jobs: JobServiceDep) -> str:
    """Resolved as a dependency so a foreign id answers 404 before the stream starts."""
    return (await jobs.get(principal, job_id)).id


@router.get("/{job_id}/events", response_class=EventSourceResponse,
            summary="Server-sent progress events until the job ends, then `event: done`")
async def job_events(job_id: Annotated[str, Depends(_visible_job_id)], request: Request,
                     principal: CurrentPrincipal, state: State) -> AsyncIterator[ServerSentEvent]:
    last: dict | None = None
    while not await request.is_disconnected():
        async with state.sessions() as session:
            job = JobPublic.of(await JobService(session).get(principal, job_id))
        snapshot = job.model_dump(mode="json")
        if snapshot != last:
            last = snapshot
            yield ServerSentEvent(data=snapshot, event="progress")
        if job.state in TERMINAL_STATES:
            yield ServerSentEvent(data={"id": job.id, "state": job.state}, event="done")
            return
        await asyncio.sleep(EVENT_POLL_S)
