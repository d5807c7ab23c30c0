from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.db.tables import WorkflowDefinition, WorkflowDefinitionVersion, WorkflowRun, WorkflowRunStep
from hearth.repositories.pagination import Page, newest_first, to_page

Row = WorkflowDefinition | WorkflowDefinitionVersion | WorkflowRun | WorkflowRunStep


class WorkflowRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, *rows: Row) -> None:
        self.session.add_all(rows)
        await self.session.flush()

    async def delete(self, row: WorkflowDefinition) -> None:
        await self.session.delete(row)
        await self.session.flush()

    async def definition(self, definition_id: str, owner_id: str) -> WorkflowDefinition | None:
        stmt = select(WorkflowDefinition).where(WorkflowDefinition.id == definition_id,
                                                WorkflowDefinition.owner_id == owner_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def definitions(self, owner_id: str, limit: int, cursor: str | None) -> Page[WorkflowDefinition]:
        stmt = select(WorkflowDefinition).where(WorkflowDefinition.owner_id == owner_id)
        rows = (await self.session.execute(newest_first(stmt, WorkflowDefinition, limit, cursor))).scalars()
        return to_page(list(rows), limit)

    async def version(self, definition_id: str, version: int) -> WorkflowDefinitionVersion | None:
        stmt = select(WorkflowDefinitionVersion).where(WorkflowDefinitionVersion.definition_id == definition_id,
                                                       WorkflowDefinitionVersion.version == version)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def run(self, run_id: str, owner_id: str | None = None) -> WorkflowRun | None:
        stmt = select(WorkflowRun).where(WorkflowRun.id == run_id)
        if owner_id is not None:
            stmt = stmt.where(WorkflowRun.owner_id == owner_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def run_by_job(self, job_id: str) -> WorkflowRun | None:
        stmt = select(WorkflowRun).where(WorkflowRun.job_id == job_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def runs(self, definition_id: str, owner_id: str, limit: int, cursor: str | None) -> Page[WorkflowRun]:
        stmt = select(WorkflowRun).where(WorkflowRun.definition_id == definition_id, WorkflowRun.owner_id == owner_id)
        return to_page(list((await self.session.execute(newest_first(stmt, WorkflowRun, limit, cursor))).scalars()),
                       limit)

    async def update_run(self, run_id: str, *, only_in: tuple[str, ...] = (), **values: Any) -> bool:
        """Update a run, optionally only while it is in one of `only_in` states; True if it changed."""
        stmt = update(WorkflowRun).where(WorkflowRun.id == run_id)
        if only_in:
            stmt = stmt.where(WorkflowRun.state.in_(only_in))
        return (await self.session.execute(stmt.values(**values))).rowcount > 0  # type: ignore[attr-defined]

    async def steps(self, run_id: str) -> list[WorkflowRunStep]:
        stmt = select(WorkflowRunStep).where(WorkflowRunStep.run_id == run_id)
        return list((await self.session.execute(stmt)).scalars())

    async def update_step(self, run_id: str, step_id: str, *, only_in: tuple[str, ...] = (), **values: Any) -> bool:
        stmt = update(WorkflowRunStep).where(WorkflowRunStep.run_id == run_id, WorkflowRunStep.step_id == step_id)
        if only_in:
            stmt = stmt.where(WorkflowRunStep.state.in_(only_in))
        return (await self.session.execute(stmt.values(**values))).rowcount > 0  # type: ignore[attr-defined]
