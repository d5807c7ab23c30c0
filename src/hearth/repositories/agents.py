from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.db.tables import Agent, AgentRun, AgentRunStep, AgentVersion
from hearth.repositories.pagination import Page, newest_first, to_page


class AgentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, row: Agent | AgentVersion | AgentRun | AgentRunStep) -> None:
        self.session.add(row)
        await self.session.flush()

    async def delete(self, row: Agent) -> None:
        await self.session.delete(row)
        await self.session.flush()

    async def agent(self, agent_id: str, owner_id: str) -> Agent | None:
        stmt = select(Agent).where(Agent.id == agent_id, Agent.owner_id == owner_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def agents_by_ids(self, ids: list[str], owner_id: str) -> list[Agent]:
        if not ids:
            return []
        stmt = select(Agent).where(Agent.id.in_(ids), Agent.owner_id == owner_id)
        return list((await self.session.execute(stmt)).scalars())

    async def agents(self, owner_id: str, limit: int, cursor: str | None) -> Page[Agent]:
        stmt = select(Agent).where(Agent.owner_id == owner_id)
        return to_page(list((await self.session.execute(newest_first(stmt, Agent, limit, cursor))).scalars()), limit)

    async def version(self, agent_id: str, version: int) -> AgentVersion | None:
        stmt = select(AgentVersion).where(AgentVersion.agent_id == agent_id, AgentVersion.version == version)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def run(self, run_id: str, owner_id: str | None) -> AgentRun | None:
        stmt = select(AgentRun).where(AgentRun.id == run_id)
        if owner_id is not None:
            stmt = stmt.where(AgentRun.owner_id == owner_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def runs(self, agent_id: str, owner_id: str, limit: int, cursor: str | None) -> Page[AgentRun]:
        stmt = select(AgentRun).where(AgentRun.agent_id == agent_id, AgentRun.owner_id == owner_id)
        rows = (await self.session.execute(newest_first(stmt, AgentRun, limit, cursor))).scalars()
        return to_page(list(rows), limit)

    async def update_run(self, run_id: str, **values: Any) -> None:
        await self.session.execute(update(AgentRun).where(AgentRun.id == run_id).values(**values))

    async def steps(self, run_id: str) -> list[AgentRunStep]:
        stmt = select(AgentRunStep).where(AgentRunStep.run_id == run_id).order_by(AgentRunStep.position)
        return list((await self.session.execute(stmt)).scalars())
