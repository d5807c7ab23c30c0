"""Workflow runs: started as a `workflow.run` job, executed from checkpoints (so a crashed worker's job,
picked up again, resumes), paused by human_input steps and resumed with data, cancelled cooperatively.
Each run ends with a `workflow.<completed|failed|cancelled>` event, or `workflow.waiting` when it pauses."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hearth.core.clock import utcnow
from hearth.core.errors import Conflict, InvalidInput, NotFound
from hearth.core.scopes import Principal
from hearth.db.tables import WorkflowRun, WorkflowRunStep
from hearth.events import Event
from hearth.jobs.context import JobCancelled, JobContext, JobFailed
from hearth.jobs.registry import JobSpec
from hearth.jobs.states import TERMINAL_STATES
from hearth.repositories.jobs import JobRepository
from hearth.repositories.pagination import Page
from hearth.repositories.workflows import WorkflowRepository
from hearth.services.agent_runs import principal_from, principal_payload
from hearth.services.workflows import WorkflowService, schema_problems
from hearth.workflows.definition import WorkflowSpec
from hearth.workflows.executor import STEP_TERMINAL, RunExecutor

if TYPE_CHECKING:
    from hearth.runtime import Runtime

RUN_JOB = "workflow.run"
RUN_TERMINAL = ("succeeded", "failed", "cancelled")
EVENT_BY_STATE = {"succeeded": "workflow.completed", "failed": "workflow.failed",
                  "cancelled": "workflow.cancelled", "waiting": "workflow.waiting"}


class WorkflowRunService:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.sessions = runtime.sessions

    # -- starting ------------------------------------------------------------------------------
    async def start(self, principal: Principal, definition_id: str, inputs: dict[str, Any]) -> WorkflowRun:
        definition = await WorkflowService(self.runtime).get(principal, definition_id)
        spec = WorkflowSpec.model_validate(definition.definition)
        problems = schema_problems(spec.inputs, inputs)
        if problems:
            raise InvalidInput("the inputs do not match the workflow's inputs schema", field="inputs",
                               errors=problems)
        async with self.sessions() as session:
            repo = WorkflowRepository(session)
            run = WorkflowRun(definition_id=definition.id, definition_version=definition.version,
                              owner_id=principal.user_id, state="queued", inputs=inputs)
            await repo.add(run)
            await repo.add(*(WorkflowRunStep(run_id=run.id, step_id=s.id, kind=s.kind, state="pending", attempts=0)
                             for s in spec.steps))
            await session.commit()
        return await self._enqueue(run, principal)

    async def _enqueue(self, run: WorkflowRun, principal: Principal) -> WorkflowRun:
        job = await self.runtime.jobs.enqueue(RUN_JOB, {"run_id": run.id, "principal": principal_payload(principal)},
                                              principal.user_id)
        await self._update(run.id, job_id=job.id)
        run.job_id = job.id
        return run

    # -- reading -------------------------------------------------------------------------------
    async def get(self, principal: Principal, run_id: str) -> WorkflowRun:
        async with self.sessions() as session:
            run = await WorkflowRepository(session).run(run_id, principal.user_id)
            unfinished = run is not None and run.state in ("queued", "running") and run.job_id
            job = await JobRepository(session).get(run.job_id) if unfinished else None  # type: ignore[union-attr,arg-type]
        if run is None:
            raise NotFound("no such workflow run")
        if job is not None and job.state in ("failed", "cancelled"):
            # The job ended without concluding the run (cancelled through /jobs, say): the run ends with it.
            await self.conclude_orphan(run.id, job.state, job.error or f"the run's job was {job.state}")
            return await self.get(principal, run_id)
        return run

    async def steps(self, run: WorkflowRun) -> list[WorkflowRunStep]:
        async with self.sessions() as session:
            repo = WorkflowRepository(session)
            rows = await repo.steps(run.id)
            version = await repo.version(run.definition_id, run.definition_version)
        order = {s["id"]: i for i, s in enumerate(version.definition["steps"])} if version else {}
        return sorted(rows, key=lambda r: order.get(r.step_id, len(order)))

    async def list(self, principal: Principal, definition_id: str, limit: int, cursor: str | None) -> Page[WorkflowRun]:
        await WorkflowService(self.runtime).get(principal, definition_id)
        async with self.sessions() as session:
            return await WorkflowRepository(session).runs(definition_id, principal.user_id, limit, cursor)

    # -- control -------------------------------------------------------------------------------
    async def cancel(self, principal: Principal, run_id: str) -> WorkflowRun:
        run = await self.get(principal, run_id)
        if run.state in RUN_TERMINAL:
            raise Conflict(f"the run has already {run.state}")
        async with self.sessions() as session:
            await WorkflowRepository(session).update_run(run.id, cancel_requested=True)
            job = None
            if run.job_id:
                jobs = JobRepository(session)
                await jobs.cancel(run.job_id, utcnow())
                job = await jobs.get(run.job_id)
            await session.commit()
        if run.state in ("queued", "waiting") or job is None or job.state in TERMINAL_STATES:
            # No worker is executing it (a job waiting to be retried is cancelled at once), so nobody else will.
            await self.conclude_orphan(run.id, "cancelled", "cancelled by request")
        return await self.get(principal, run_id)

    async def conclude_orphan(self, run_id: str, state: str, error: str) -> None:
        """End a run that no worker is executing, unless it has already ended."""
        async with self.sessions() as session:
            repo = WorkflowRepository(session)
            run = await repo.run(run_id)
            if run is None or not await repo.update_run(run.id, only_in=("queued", "running", "waiting"), state=state,
                                                        error=error, finished_at=utcnow()):
                return
            for step in await repo.steps(run.id):
                if step.state not in STEP_TERMINAL:
                    await repo.update_step(run.id, step.step_id, state="cancelled", error="the run was cancelled" if state == "cancelled" else "the run failed")
            await session.commit()
        await self._announce(run, state, error)

    async def resume(self, principal: Principal, run_id: str, step_id: str | None, data: Any) -> WorkflowRun:
        run = await self.get(principal, run_id)
        if run.state in RUN_TERMINAL:
            raise Conflict(f"the run has already {run.state}")
        waiting = [s for s in await self.steps(run) if s.state == "waiting"]
        if not waiting:
            raise Conflict("no step of this run is waiting for input")
        step = next((s for s in waiting if s.step_id == step_id), None) if step_id else waiting[0]
        if step is None or (step_id is None and len(waiting) > 1):
            names = ", ".join(s.step_id for s in waiting)
            raise InvalidInput(f"name the step to resume with step_id; waiting: {names}", field="step_id")
        version = await self._definition(run)
        schema = version.step(step.step_id).params.get("schema")
        problems = schema_problems(schema, data)
        if problems:
            raise InvalidInput(f"the data does not match step {step.step_id!r}'s schema", field="data", errors=problems)
        async with self.sessions() as session:
            repo = WorkflowRepository(session)
            if not await repo.update_step(run.id, step.step_id, only_in=("waiting",), state="succeeded", output=data,
                                          finished_at=utcnow()):
                raise Conflict("that step has already been resumed")
            await session.commit()
        await self._continue_if_paused(run, principal)
        return await self.get(principal, run_id)

    async def _continue_if_paused(self, run: WorkflowRun, principal: Principal) -> None:
        """A paused run needs a new job to go on; a running one picks the data up itself. The state
        change is atomic, so of two callers (a resume and a run pausing) only one enqueues."""
        async with self.sessions() as session:
            moved = await WorkflowRepository(session).update_run(run.id, only_in=("waiting",), state="queued")
            await session.commit()
        if moved:
            await self._enqueue(run, principal)

    # -- executing (the job) -------------------------------------------------------------------
    async def execute(self, run_id: str, principal: Principal, job: JobContext) -> dict[str, Any]:
        async with self.sessions() as session:
            run = await WorkflowRepository(session).run(run_id)
        if run is None:
            return {"run_id": run_id, "state": "deleted"}
        if run.state in (*RUN_TERMINAL, "waiting"):  # delivered again after it concluded: that outcome stands
            return {"run_id": run.id, "state": run.state}
        executor = RunExecutor(self.runtime, run, await self._definition(run), principal, job)
        if run.cancel_requested:
            raise JobCancelled
        await self._update(run.id, state="running", started_at=run.started_at or utcnow())
        try:
            state, error = await executor.execute()
        except JobCancelled:
            await executor.cancel_unfinished()
            await self._conclude(run, "cancelled", "cancelled by request")
            raise
        await self._conclude(run, state, error)
        if state == "waiting":
            await self._check_resumed_meanwhile(run, principal)
        if state == "failed":
            raise JobFailed(error or "the workflow failed", retry=False)
        return {"run_id": run.id, "state": state}

    async def _check_resumed_meanwhile(self, run: WorkflowRun, principal: Principal) -> None:
        async with self.sessions() as session:
            steps = await WorkflowRepository(session).steps(run.id)
        if not any(s.state == "waiting" for s in steps):
            await self._continue_if_paused(run, principal)

    async def _definition(self, run: WorkflowRun) -> WorkflowSpec:
        async with self.sessions() as session:
            version = await WorkflowRepository(session).version(run.definition_id, run.definition_version)
        if version is None:
            raise JobFailed("the workflow definition is gone", retry=False)
        return WorkflowSpec.model_validate(version.definition)

    async def _conclude(self, run: WorkflowRun, state: str, error: str | None) -> None:
        finished = utcnow() if state in RUN_TERMINAL else None
        await self._update(run.id, state=state, error=error, finished_at=finished)
        await self._announce(run, state, error)

    async def _announce(self, run: WorkflowRun, state: str, error: str | None) -> None:
        data: dict[str, Any] = {"run_id": run.id, "definition_id": run.definition_id, "state": state,
                                "job_id": run.job_id}
        if error:
            data["error"] = error
        await self.runtime.bus.publish(Event(type=EVENT_BY_STATE[state], owner_id=run.owner_id, data=data))

    async def _update(self, run_id: str, **values: Any) -> None:
        async with self.sessions() as session:
            await WorkflowRepository(session).update_run(run_id, **values)
            await session.commit()


def register(runtime: Runtime) -> None:
    async def run_workflow(ctx: JobContext) -> dict[str, Any]:
        principal = principal_from(ctx.payload["principal"])
        return await WorkflowRunService(runtime).execute(ctx.payload["run_id"], principal, ctx)

    async def on_job_ended(event: Event) -> None:
        """A run whose job ended without concluding it (the job gave up after its worker died, or was
        cancelled before it started) ends with the job."""
        if event.data.get("kind") != RUN_JOB or event.data.get("state") not in ("failed", "cancelled"):
            return
        async with runtime.sessions() as session:
            run = await WorkflowRepository(session).run_by_job(event.data["job_id"])
        if run is not None:
            error = event.data.get("error") or f"the run's job was {event.data['state']}"
            await WorkflowRunService(runtime).conclude_orphan(run.id, event.data["state"], error)

    runtime.bus.subscribe(on_job_ended)

    # Attempts beyond the first exist for crashes: a job picked up again resumes from the checkpoints.
    runtime.job_registry.register(JobSpec(kind=RUN_JOB, handler=run_workflow, max_attempts=3, timeout_s=24 * 3600,
                                          backoff_base_s=1.0))

