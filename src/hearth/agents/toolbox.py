"""The tools one agent has in one run: registered tools (checked against the caller's scopes when
called), tools of its MCP servers, and one pseudo-tool per handoff target (`transfer_to_<name>`) and
per delegate (`ask_<name>`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from hearth.agents.definition import AgentSnapshot, McpServer, tool_slug
from hearth.agents.mcp import McpTool
from hearth.agents.tools.base import ToolContext
from hearth.llm.messages import ToolSpec

if TYPE_CHECKING:
    from hearth.runtime import Runtime

ToolKind = Literal["tool", "mcp", "handoff", "delegate"]
DELEGATE_PARAMETERS = {"type": "object", "properties": {"input": {"type": "string", "description": "What to ask"}},
                       "required": ["input"]}


@dataclass(frozen=True)
class RunTool:
    spec: ToolSpec
    kind: ToolKind
    pure: bool = False
    invoke: Callable[[dict[str, Any]], Awaitable[Any]] | None = None
    target: AgentSnapshot | None = None


@dataclass
class Toolbox:
    tools: dict[str, RunTool] = field(default_factory=dict)

    def add(self, tool: RunTool) -> None:
        self.tools.setdefault(tool.spec.name, tool)

    def specs(self) -> list[ToolSpec]:
        return [t.spec for t in self.tools.values()]

    def get(self, name: str) -> RunTool | None:
        return self.tools.get(name)


def _registered(runtime: Runtime, ctx: ToolContext, name: str) -> RunTool:
    tool = runtime.tools.get(name)

    async def invoke(arguments: dict[str, Any]) -> Any:
        return await tool.call(ctx, arguments)

    return RunTool(tool.spec(), "tool", pure=tool.pure, invoke=invoke)


def _mcp(runtime: Runtime, tool: McpTool) -> RunTool:
    async def invoke(arguments: dict[str, Any]) -> Any:
        return await runtime.mcp.call(tool, arguments)

    spec = ToolSpec(name=tool.qualified_name, description=tool.description, parameters=tool.parameters)
    return RunTool(spec, "mcp", invoke=invoke)


async def build_toolbox(runtime: Runtime, ctx: ToolContext, agent: AgentSnapshot,
                        peers: dict[str, AgentSnapshot]) -> Toolbox:
    box = Toolbox()
    for name in agent.config.tools:
        box.add(_registered(runtime, ctx, name))
    servers = [*agent.config.mcp_servers, *(McpServer.model_validate(s) for s in runtime.settings.mcp_servers)]
    for server in servers:
        for tool in await runtime.mcp.tools(server):
            box.add(_mcp(runtime, tool))
    for agent_id in agent.config.handoffs:
        if (peer := peers.get(agent_id)) is not None:
            box.add(RunTool(ToolSpec(name=f"transfer_to_{tool_slug(peer.name)}",
                                     description=f"Hand the conversation over to {peer.name}. {peer.config.description}"),
                            "handoff", target=peer))
    for agent_id in agent.config.delegates:
        if (peer := peers.get(agent_id)) is not None:
            box.add(RunTool(ToolSpec(name=f"ask_{tool_slug(peer.name)}", parameters=DELEGATE_PARAMETERS,
                                     description=f"Ask {peer.name} and get its answer. {peer.config.description}"),
                            "delegate", target=peer))
    return box
