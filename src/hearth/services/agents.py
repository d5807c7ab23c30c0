"""Agent definitions: create, read, update (a new version each time), delete. Every reference an
agent makes — tools, model, MCP servers, other agents — is checked when it is saved."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hearth.agents.definition import AgentConfig, AgentSnapshot
from hearth.agents.tools.base import ToolRegistry
from hearth.core.errors import Forbidden, InvalidInput, NotFound
from hearth.core.netguard import ensure_allowed_url
from hearth.core.scopes import Principal
from hearth.core.settings import Settings
from hearth.db.tables import Agent, AgentVersion
from hearth.llm.registry import LLMRegistry
from hearth.repositories.agents import AgentRepository
from hearth.repositories.pagination import Page


def snapshot(row: Agent | AgentVersion, agent_id: str | None = None) -> AgentSnapshot:
    return AgentSnapshot(id=agent_id or row.id, name=row.name, version=row.version,
                         config=AgentConfig.model_validate(row.config))


class AgentService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], tools: ToolRegistry, llm: LLMRegistry,
                 settings: Settings) -> None:
        self.sessions = sessions
        self.tools = tools
        self.llm = llm
        self.settings = settings

    async def create(self, principal: Principal, name: str, config: AgentConfig) -> Agent:
        async with self.sessions() as session:
            repo = AgentRepository(session)
            await self._check(repo, principal, config, self_id=None)
            agent = Agent(owner_id=principal.user_id, name=name, version=1, config=config.model_dump(mode="json"))
            await repo.add(agent)
            await repo.add(AgentVersion(agent_id=agent.id, version=1, name=name, config=agent.config))
            await session.commit()
            return agent

    async def get(self, principal: Principal, agent_id: str) -> Agent:
        async with self.sessions() as session:
            return await self._owned(AgentRepository(session), principal, agent_id)

    async def list(self, principal: Principal, limit: int, cursor: str | None) -> Page[Agent]:
        async with self.sessions() as session:
            return await AgentRepository(session).agents(principal.user_id, limit, cursor)

    async def update(self, principal: Principal, agent_id: str, changes: dict[str, Any]) -> Agent:
        async with self.sessions() as session:
            repo = AgentRepository(session)
            agent = await self._owned(repo, principal, agent_id)
            name = changes.pop("name", None) or agent.name
            try:
                config = AgentConfig.model_validate({**agent.config, **changes})
            except ValidationError as exc:
                problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
                raise InvalidInput(f"invalid agent definition: {problems}") from None
            await self._check(repo, principal, config, self_id=agent.id)
            agent.name, agent.version, agent.config = name, agent.version + 1, config.model_dump(mode="json")
            await repo.add(AgentVersion(agent_id=agent.id, version=agent.version, name=name, config=agent.config))
            await session.commit()
            return agent

    async def delete(self, principal: Principal, agent_id: str) -> None:
        async with self.sessions() as session:
            repo = AgentRepository(session)
            await repo.delete(await self._owned(repo, principal, agent_id))
            await session.commit()

    async def peers(self, owner_id: str, ids: list[str]) -> dict[str, AgentSnapshot]:
        """The current versions of these agents, only those the owner has."""
        async with self.sessions() as session:
            return {a.id: snapshot(a) for a in await AgentRepository(session).agents_by_ids(ids, owner_id)}

    @staticmethod
    async def _owned(repo: AgentRepository, principal: Principal, agent_id: str) -> Agent:
        agent = await repo.agent(agent_id, principal.user_id)
        if agent is None:
            raise NotFound("no such agent")
        return agent

    async def _check(self, repo: AgentRepository, principal: Principal, config: AgentConfig,
                     self_id: str | None) -> None:
        self.tools.check(config.tools)
        if config.model:
            self.llm.split(config.model)
        for server in config.mcp_servers:
            if server.command is not None and not principal.is_admin:
                # A stdio server is a process on this machine: only an administrator may start one.
                raise Forbidden("only administrators may configure MCP servers that run a command")
            if server.url is not None:
                await ensure_allowed_url(server.url, self.settings.mcp_allow_hosts)
        others = [i for i in {*config.handoffs, *config.delegates} if i != self_id]
        found = {a.id for a in await repo.agents_by_ids(others, principal.user_id)}
        missing = [i for i in others if i not in found]
        if missing:
            raise InvalidInput(f"no such agents: {', '.join(sorted(missing))}", field="handoffs")
