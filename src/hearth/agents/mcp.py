"""Tools of MCP servers, through the official `mcp` SDK. One connection per distinct server (a stdio
process or a streamable-HTTP session) is opened on first use, shared by every run that needs it,
closed after it has been idle for `HEARTH_MCP_IDLE_TIMEOUT_S`, and reopened if it died."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, replace
from typing import Any

from hearth.agents.definition import McpServer
from hearth.agents.tools.base import ToolError
from hearth.core.logging import get_logger

log = get_logger("hearth.agents.mcp")
CONNECT_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class McpTool:
    server: McpServer
    name: str
    description: str
    parameters: dict[str, Any]

    @property
    def qualified_name(self) -> str:
        return f"{self.server.name}__{self.name}"


class _Connection:
    """Owns one SDK client inside a task of its own: the SDK's transports must be entered and left
    by the same task, while calls may come from any run."""

    def __init__(self, server: McpServer, idle_timeout_s: float) -> None:
        self.server = server
        self.idle_timeout_s = idle_timeout_s
        self.client: Any = None
        self.tools: list[McpTool] = []
        self.failure: str | None = None
        self.last_used = time.monotonic()
        self._ready = asyncio.Event()
        self._stop = asyncio.Event()
        self._task = asyncio.create_task(self._own(), name=f"mcp:{server.name}")

    @property
    def alive(self) -> bool:
        return not self._task.done()

    def _target(self) -> Any:
        from mcp.client.stdio import StdioServerParameters

        if self.server.url:
            return self.server.url
        command = self.server.command or []
        return StdioServerParameters(command=command[0], args=command[1:], env=self.server.env or None)

    async def _own(self) -> None:
        from mcp import Client

        try:
            async with Client(self._target(), read_timeout_seconds=self.server.timeout_s) as client:
                self.tools = await _list_tools(client, self.server)
                self.client = client
                self._ready.set()
                while not self._stop.is_set():
                    try:
                        await asyncio.wait_for(self._stop.wait(), timeout=min(self.idle_timeout_s, 5.0))
                    except TimeoutError:
                        if time.monotonic() - self.last_used > self.idle_timeout_s:
                            break
        except Exception as exc:  # noqa: BLE001 - the SDK raises many kinds; the caller gets a summary
            self.failure = f"MCP server {self.server.name!r} is unavailable ({type(exc).__name__})"
            log.warning("mcp server failed", server=self.server.name, error=type(exc).__name__)
        finally:
            self.client = None
            self._ready.set()

    async def ready(self) -> Any:
        try:
            await asyncio.wait_for(self._ready.wait(), CONNECT_TIMEOUT_S)
        except TimeoutError:
            raise ToolError(f"MCP server {self.server.name!r} did not start within {CONNECT_TIMEOUT_S:g} s") from None
        if self.client is None:
            raise ToolError(self.failure or f"MCP server {self.server.name!r} closed")
        self.last_used = time.monotonic()
        return self.client

    async def close(self) -> None:
        self._stop.set()
        try:
            await asyncio.wait_for(asyncio.shield(self._task), 10)
        except (TimeoutError, asyncio.CancelledError):
            self._task.cancel()


async def _list_tools(client: Any, server: McpServer) -> list[McpTool]:
    tools: list[McpTool] = []
    cursor = None
    while True:
        page = await client.list_tools(cursor=cursor)
        for tool in page.tools:
            tools.append(McpTool(server, tool.name, tool.description or "", dict(tool.input_schema)))
        cursor = page.next_cursor
        if not cursor:
            return tools


def result_value(result: Any) -> Any:
    """A CallToolResult as the value the model sees: structured content when there is some, else text."""
    if result.structured_content is not None:
        return result.structured_content
    texts = [getattr(block, "text", None) or json.dumps(block.model_dump(mode="json")) for block in result.content]
    return "\n".join(texts)


class McpConnections:
    def __init__(self, idle_timeout_s: float) -> None:
        self.idle_timeout_s = idle_timeout_s
        self._connections: dict[str, _Connection] = {}
        self._lock = asyncio.Lock()

    async def _connection(self, server: McpServer) -> _Connection:
        async with self._lock:
            connection = self._connections.get(server.key())
            if connection is None or not connection.alive:
                connection = _Connection(server, self.idle_timeout_s)
                self._connections[server.key()] = connection
        return connection

    async def tools(self, server: McpServer) -> list[McpTool]:
        connection = await self._connection(server)
        await connection.ready()
        # Agents sharing a connection may set their own timeouts and tool filters.
        listed = connection.tools
        return [replace(t, server=server) for t in listed if server.tools is None or t.name in server.tools]

    async def call(self, tool: McpTool, arguments: dict[str, Any]) -> Any:
        client = await (await self._connection(tool.server)).ready()
        try:
            result = await asyncio.wait_for(client.call_tool(tool.name, arguments), tool.server.timeout_s)
        except TimeoutError:
            raise ToolError(f"{tool.qualified_name} timed out after {tool.server.timeout_s:g} s") from None
        except Exception as exc:  # noqa: BLE001 - any SDK failure is the tool failing, for the model
            raise ToolError(f"{tool.qualified_name} failed ({type(exc).__name__})") from None
        value = result_value(result)
        if result.is_error:
            raise ToolError(f"{tool.qualified_name} reported an error: {value}")
        return value

    @property
    def open_count(self) -> int:
        return sum(1 for c in self._connections.values() if c.alive)

    async def close(self) -> None:
        connections, self._connections = list(self._connections.values()), {}
        await asyncio.gather(*(c.close() for c in connections))
