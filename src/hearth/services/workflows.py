"""Workflow definitions: create, read, update (a new version each time), delete. A definition is saved
only when the validator and each kind's own checks find no problem; otherwise one 422 lists them all."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from jsonschema import Draft202012Validator

from hearth.core.errors import InvalidInput, NotFound
from hearth.core.scopes import Principal
from hearth.db.tables import WorkflowDefinition, WorkflowDefinitionVersion
from hearth.repositories.pagination import Page
from hearth.repositories.workflows import WorkflowRepository
from hearth.workflows.definition import WorkflowSpec
from hearth.workflows.validator import validate, verify

if TYPE_CHECKING:
    from hearth.runtime import Runtime


def schema_problems(schema: dict[str, Any] | None, value: Any) -> list[str]:
    if schema is None:
        return []
    errors = sorted(Draft202012Validator(schema).iter_errors(value), key=lambda e: list(e.absolute_path))
    return [f"{'.'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in errors[:20]]


class WorkflowService:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.sessions = runtime.sessions

    async def check(self, principal: Principal, raw: dict[str, Any]) -> WorkflowSpec:
        spec, problems = validate(raw, self.runtime.step_kinds)
        if spec is not None:
            problems = await verify(spec, self.runtime.step_kinds, self.runtime, principal)
        if problems:
            count = len(problems)
            raise InvalidInput(f"the workflow definition has {count} problem{'s' if count != 1 else ''}",
                               errors=[p.as_dict() for p in problems])
        assert spec is not None
        return spec

    async def create(self, principal: Principal, name: str, raw: dict[str, Any]) -> WorkflowDefinition:
        spec = await self.check(principal, raw)
        stored = spec.model_dump(mode="json", by_alias=True, exclude_unset=True)
        async with self.sessions() as session:
            repo = WorkflowRepository(session)
            row = WorkflowDefinition(owner_id=principal.user_id, name=name, version=1, definition=stored)
            await repo.add(row)
            await repo.add(WorkflowDefinitionVersion(definition_id=row.id, version=1, name=name, definition=stored))
            await session.commit()
            return row

    async def get(self, principal: Principal, definition_id: str) -> WorkflowDefinition:
        async with self.sessions() as session:
            return await self._owned(WorkflowRepository(session), principal, definition_id)

    async def list(self, principal: Principal, limit: int, cursor: str | None) -> Page[WorkflowDefinition]:
        async with self.sessions() as session:
            return await WorkflowRepository(session).definitions(principal.user_id, limit, cursor)

    async def update(self, principal: Principal, definition_id: str, name: str | None,
                     raw: dict[str, Any]) -> WorkflowDefinition:
        await self.get(principal, definition_id)  # someone else's id is a 404, whatever the body holds
        spec = await self.check(principal, raw)
        stored = spec.model_dump(mode="json", by_alias=True, exclude_unset=True)
        async with self.sessions() as session:
            repo = WorkflowRepository(session)
            row = await self._owned(repo, principal, definition_id)
            row.name, row.version, row.definition = name or row.name, row.version + 1, stored
            await repo.add(WorkflowDefinitionVersion(definition_id=row.id, version=row.version, name=row.name,
                                                     definition=stored))
            await session.commit()
            return row

    async def delete(self, principal: Principal, definition_id: str) -> None:
        async with self.sessions() as session:
            repo = WorkflowRepository(session)
            await repo.delete(await self._owned(repo, principal, definition_id))
            await session.commit()

    @staticmethod
    async def _owned(repo: WorkflowRepository, principal: Principal, definition_id: str) -> WorkflowDefinition:
        row = await repo.definition(definition_id, principal.user_id)
        if row is None:
            raise NotFound("no such workflow definition")
        return row
