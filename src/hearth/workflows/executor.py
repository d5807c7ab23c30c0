"""Runs one workflow run from its checkpoints: every step whose prerequisites are done starts (at most
HEARTH_WORKFLOW_MAX_PARALLEL_STEPS at once), each step's state, output, attempts and timings are written
before its dependants start, and a step interrupted by a crash is run again while finished ones are not."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from hearth.agents.tools.base import ToolError
from hearth.core.clock import utcnow
from hearth.core.errors import HearthError, Unavailable
from hearth.core.logging import get_logger
from hearth.core.scopes import Principal
from hearth.db.tables import WorkflowRun, WorkflowRunStep
from hearth.jobs.context import JobContext
from hearth.repositories.workflows import WorkflowRepository
from hearth.workflows.definition import StepSpec, WorkflowSpec
from hearth.workflows.kinds.base import StepContext, StepError, StepKind, StepResult, WaitForInput
from hearth.workflows.templates import TemplateProblem, render
from hearth.workflows.validator import dependencies

if TYPE_CHECKING:
    from hearth.runtime import Runtime

log = get_logger("hearth.workflows")
POLL_S = 0.25
STEP_TERMINAL = frozenset({"succeeded", "failed", "skipped", "cancelled"})


@dataclass
class Checkpoint:
    step_id: str
    kind: str
    state: str
    output: Any
    error: str | None
    attempts: int
    started_at: datetime | None
    finished_at: datetime | None
    duration_ms: int | None

    @classmethod
    def of(cls, row: WorkflowRunStep) -> Checkpoint:
        return cls(row.step_id, row.kind, row.state, row.output, row.error, row.attempts, row.started_at,
                   row.finished_at, row.duration_ms)

    def values(self) -> dict[str, Any]:
        return {"state": self.state, "output": self.output, "error": self.error, "attempts": self.attempts,
                "started_at": self.started_at, "finished_at": self.finished_at, "duration_ms": self.duration_ms}


def _retryable(exc: BaseException) -> bool:
    return isinstance(exc, StepError) and exc.retry


class RunExecutor:
    def __init__(self, runtime: Runtime, run: WorkflowRun, spec: WorkflowSpec, principal: Principal,
                 job: JobContext | None) -> None:
        self.runtime = runtime
        self.run = run
        self.spec = spec
        self.principal = principal
        self.job = job
        self.kinds = runtime.step_kinds
        self.deps = dependencies(spec, self.kinds)
        self.steps: dict[str, Checkpoint] = {}

    async def execute(self) -> tuple[str, str | None]:
        """Run until nothing more can run; the run's resulting state and error."""
        await self._load()
        running: dict[asyncio.Task[None], str] = {}
        limit = self.runtime.settings.workflow_max_parallel_steps
        try:
            while True:
                await self._settle_blocked()
                for step_id in self._ready():
                    if len(running) >= limit:
                        break
                    self.steps[step_id].state = "running"
                    running[asyncio.create_task(self._run_step(step_id))] = step_id
                if not running:
                    break
                done, _ = await asyncio.wait(running, timeout=POLL_S, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    running.pop(task)
                    task.result()
                if done:
                    await self._progress()
                await self._pick_up_resumed()
                if self.job is not None:
                    await self.job.check_cancelled()
        except BaseException:
            for task in running:
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)
            raise
        return self._outcome()

    # -- checkpoints ---------------------------------------------------------------------------
    async def _load(self) -> None:
        async with self.runtime.sessions() as session:
            rows = await WorkflowRepository(session).steps(self.run.id)
        self.steps = {row.step_id: Checkpoint.of(row) for row in rows}
        interrupted = [c for c in self.steps.values() if c.state == "running"]
        for checkpoint in interrupted:  # its worker died mid-step: the step runs again
            checkpoint.state = "pending"
        await self._save(*interrupted)

    async def _save(self, *checkpoints: Checkpoint) -> None:
        if not checkpoints:
            return
        async with self.runtime.sessions() as session:
            repo = WorkflowRepository(session)
            for checkpoint in checkpoints:
                await repo.update_step(self.run.id, checkpoint.step_id, **checkpoint.values())
            await session.commit()

    async def cancel_unfinished(self) -> None:
        unfinished = [c for c in self.steps.values() if c.state not in STEP_TERMINAL]
        for checkpoint in unfinished:
            checkpoint.state, checkpoint.error = "cancelled", "the run was cancelled"
        await asyncio.shield(self._save(*unfinished))

    async def _pick_up_resumed(self) -> None:
        """A human_input step resumed while the run still had other work is done now."""
        waiting = [c for c in self.steps.values() if c.state == "waiting"]
        if not waiting:
            return
        async with self.runtime.sessions() as session:
            rows = {r.step_id: r for r in await WorkflowRepository(session).steps(self.run.id)}
        for checkpoint in waiting:
            if rows[checkpoint.step_id].state != "waiting":
                self.steps[checkpoint.step_id] = Checkpoint.of(rows[checkpoint.step_id])

    async def _progress(self) -> None:
        if self.job is None:
            return
        finished = sum(c.state in STEP_TERMINAL for c in self.steps.values())
        active = ", ".join(sorted(s for s, c in self.steps.items() if c.state == "running"))
        await self.job.progress(finished, len(self.steps), "steps", f"running: {active}" if active else None)

    # -- scheduling ----------------------------------------------------------------------------
    async def _settle_blocked(self) -> None:
        """Steps that can no longer run: after a failed or cancelled prerequisite, or when every
        prerequisite was skipped (a branch not taken)."""
        settled: list[Checkpoint] = []
        changed = True
        while changed:
            changed = False
            for step_id, checkpoint in self.steps.items():
                if checkpoint.state != "pending":
                    continue
                states = {d: self.steps[d].state for d in self.deps[step_id]}
                broken = next((d for d, s in states.items() if s in ("failed", "cancelled")), None)
                if broken is None and not (states and all(s == "skipped" for s in states.values())):
                    continue
                checkpoint.state = "skipped"
                checkpoint.error = (f"not run: step {broken!r} {states[broken]}" if broken
                                    else "not run: every step it depends on was skipped")
                settled.append(checkpoint)
                changed = True
        await self._save(*settled)

    def _ready(self) -> list[str]:
        return [s for s, c in self.steps.items() if c.state == "pending"
                and all(self.steps[d].state in ("succeeded", "skipped") for d in self.deps[s])]

    def _outcome(self) -> tuple[str, str | None]:
        states = [c.state for c in self.steps.values()]
        if "waiting" in states:
            return "waiting", None
        failed = sorted((c for c in self.steps.values() if c.state == "failed"),
                        key=lambda c: c.finished_at or utcnow())
        if failed:
            return "failed", f"step {failed[0].step_id!r} failed: {failed[0].error}"
        return "succeeded", None

    def _variables(self) -> dict[str, Any]:
        steps = {s: {"output": c.output, "state": c.state, "error": c.error, "attempts": c.attempts}
                 for s, c in self.steps.items()}
        return {"inputs": self.run.inputs, "steps": steps}

    # -- one step ------------------------------------------------------------------------------
    async def _run_step(self, step_id: str) -> None:
        spec = self.spec.step(step_id)
        checkpoint = self.steps[step_id]
        checkpoint.started_at, checkpoint.error = checkpoint.started_at or utcnow(), None
        began = time.perf_counter()
        kind = self.kinds.get(spec.kind)
        skipped: list[Checkpoint] = []

        async def count_attempt() -> int:  # also records that the step is running
            checkpoint.attempts += 1
            await self._save(checkpoint)
            return checkpoint.attempts

        try:
            if kind is None:
                raise StepError(f"no step kind {spec.kind!r} on this worker", retry=False)
            result = await self._attempts(spec, kind, self._variables(), count_attempt, checkpoint.attempts)
            output = result.output if isinstance(result, StepResult) else result
            self._check_size(output)
        except WaitForInput:
            checkpoint.state = "waiting"
        except StepError as exc:
            checkpoint.state, checkpoint.error = "failed", exc.detail
        else:
            checkpoint.state, checkpoint.output = "succeeded", output
            for other in result.skip if isinstance(result, StepResult) else []:
                if self.steps[other].state == "pending":
                    self.steps[other].state, self.steps[other].error = "skipped", f"not chosen by {step_id!r}"
                    skipped.append(self.steps[other])
        checkpoint.duration_ms = int((time.perf_counter() - began) * 1000)
        checkpoint.finished_at = utcnow() if checkpoint.state != "waiting" else None
        await self._save(checkpoint, *skipped)

    def _check_size(self, output: Any) -> None:
        limit = self.runtime.settings.workflow_max_output_bytes
        size = len(json.dumps(output, default=str))
        if size > limit:
            raise StepError(f"the output is {size} bytes, more than HEARTH_WORKFLOW_MAX_OUTPUT_BYTES ({limit})",
                            retry=False)

    async def _attempts(self, spec: StepSpec, kind: StepKind, variables: dict[str, Any],
                        count_attempt: Any, already: int = 0) -> Any:
        policy = spec.retry
        retrying = AsyncRetrying(
            stop=stop_after_attempt(max(1, policy.max_attempts - already)),
            wait=wait_exponential_jitter(multiplier=policy.backoff_s, max=policy.max_backoff_s, jitter=policy.backoff_s / 2),
            retry=retry_if_exception(_retryable), reraise=True)
        async for attempt in retrying:
            with attempt:
                result = await self._invoke(spec, kind, variables, await count_attempt())
        return result

    async def _invoke(self, spec: StepSpec, kind: StepKind, variables: dict[str, Any], attempt: int) -> Any:
        try:
            rendered = render({k: v for k, v in spec.params.items() if k not in kind.raw_fields}, variables)
        except TemplateProblem as exc:
            raise StepError(f"a template failed: {exc}", retry=False) from None
        rendered.update({k: v for k, v in spec.params.items() if k in kind.raw_fields})
        if kind.scope is not None and not self.principal.has(kind.scope):
            raise StepError(f"a {kind.name} step needs the {kind.scope.value} scope, which this run's credential "
                            "lacks", retry=False)
        params, problems = kind.parse(rendered)
        if problems:
            raise StepError("; ".join(problems), retry=False)

        async def run_nested(step: dict[str, Any], extra: dict[str, Any]) -> Any:
            return await self._nested(spec.id, step, {**variables, **extra})

        ctx = StepContext(self.runtime, self.principal, self.run.id, spec.id, attempt, run_nested)
        try:
            async with asyncio.timeout(spec.timeout_s):
                return await kind.run(ctx, params)
        except TimeoutError:
            raise StepError(f"timed out after {spec.timeout_s:g} s") from None
        except (StepError, WaitForInput):
            raise
        except ToolError as exc:
            raise StepError(str(exc)) from None
        except Unavailable as exc:  # a provider or service that may come back
            raise StepError(exc.detail) from None
        except HearthError as exc:
            raise StepError(exc.detail, retry=False) from None
        except Exception as exc:
            log.exception("workflow step raised", run_id=self.run.id, step=spec.id, kind=spec.kind)
            raise StepError(f"unexpected error in the step ({type(exc).__name__})") from None

    async def _nested(self, parent: str, step: dict[str, Any], variables: dict[str, Any]) -> Any:
        try:
            inner = StepSpec.model_validate({"id": parent, **step})
        except ValidationError as exc:
            raise StepError(f"invalid nested step: {exc.errors()[0]['msg']}", retry=False) from None
        kind = self.kinds.get(inner.kind)
        if kind is None:
            raise StepError(f"no step kind {inner.kind!r}", retry=False)
        attempts = 0

        async def count_attempt() -> int:
            nonlocal attempts
            attempts += 1
            return attempts

        result = await self._attempts(inner, kind, variables, count_attempt)
        return result.output if isinstance(result, StepResult) else result
