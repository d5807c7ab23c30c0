"""Agents using the tools of a real MCP server (tests/support/mcp_server.py, the official SDK) over
stdio and over streamable HTTP on loopback."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from hearth.agents.definition import McpServer
from hearth.agents.tools.base import ToolError
from tests.api.test_agents import kinds, make_agent, run
from tests.support.clients import sign_up
from tests.support.kb import API
from tests.support.server import free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def http_mcp_server(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "tests.support.mcp_server", "--http", str(port)], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, timeout_s=30)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        process.terminate()
        process.wait(10)


def stdio_server(starts: Path) -> dict[str, Any]:
    return {"name": "tools", "command": [sys.executable, "-m", "tests.support.mcp_server"],
            "env": {"MCP_TEST_STARTS": str(starts)}}


async def test_an_agent_calls_a_stdio_mcp_tool_and_the_process_is_reused(make_client: Any, tmp_path: Path) -> None:
    client: httpx.AsyncClient = await make_client()
    admin = await sign_up(client, "admin@example.com")
    starts = tmp_path / "starts.txt"
    agent = await make_agent(client, admin, "mcp", mcp_servers=[stdio_server(starts)])
    first = await run(client, admin, agent["id"])
    assert first["status"] == "succeeded" and first["output"] == 'sum {"result": 42}', first
    call = next(s for s in first["steps"] if s["kind"] == "tool_call")
    assert call["tool"] == "tools__add" and json.loads(call["input"]) == {"a": 20, "b": 22}
    second = await run(client, admin, agent["id"])
    assert second["output"] == 'sum {"result": 42}' and kinds(second) == kinds(first)
    pids = [int(p) for p in starts.read_text().splitlines()]
    assert len(pids) == 1  # one process served both runs

    # Calls are timed out and failures reach the model as errors; the process stops with the runtime.
    mcp = client.app.state.hearth.runtime.mcp  # type: ignore[attr-defined]
    slow = McpServer.model_validate({**stdio_server(starts), "timeout_s": 0.5})
    tools = {t.name: t for t in await mcp.tools(slow)}
    with pytest.raises(ToolError, match="timed out after 0.5 s"):
        await mcp.call(tools["nap"], {"seconds": 5})
    # The server renders the failure's traceback before answering, which took 1.2 s here.
    patient = {t.name: t for t in await mcp.tools(McpServer.model_validate({**stdio_server(starts), "timeout_s": 20}))}
    with pytest.raises(ToolError, match="reported an error"):
        await mcp.call(patient["fail"], {"reason": "on purpose"})
    assert await mcp.call(tools["shout"], {"text": "hi"}) == {"result": "HI"}
    await mcp.close()
    assert mcp.open_count == 0
    for pid in [int(p) for p in starts.read_text().splitlines()]:
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()

    # Only an administrator may make the server start a process.
    user = await sign_up(client, "user@example.com")
    response = await client.post(f"{API}/agents", headers=user.headers,
                                 json={"name": "x", "mcp_servers": [stdio_server(starts)]})
    assert response.status_code == 403, response.text


async def test_an_agent_calls_a_streamable_http_mcp_tool(make_client: Any, http_mcp_server: str) -> None:
    client: httpx.AsyncClient = await make_client(mcp_allow_hosts=["127.0.0.1"])
    alice = await sign_up(client, "alice@example.com")
    agent = await make_agent(client, alice, "mcp", mcp_servers=[{"name": "tools", "url": http_mcp_server}])
    result = await run(client, alice, agent["id"])
    assert result["status"] == "succeeded" and result["output"] == 'sum {"result": 42}', result
    assert [s["tool"] for s in result["steps"] if s["kind"] == "tool_call"] == ["tools__add"]
    tools = await client.app.state.hearth.runtime.mcp.tools(  # type: ignore[attr-defined]
        McpServer(name="tools", url=http_mcp_server))
    assert {t.qualified_name for t in tools} == {"tools__add", "tools__shout", "tools__nap", "tools__fail"}
    assert tools[0].parameters["type"] == "object"


async def test_mcp_urls_on_private_addresses_are_refused_unless_allowed(make_client: Any) -> None:
    client: httpx.AsyncClient = await make_client()
    alice = await sign_up(client, "alice@example.com")
    response = await client.post(f"{API}/agents", headers=alice.headers,
                                 json={"name": "x", "mcp_servers": [{"name": "t", "url": "http://127.0.0.1:9/mcp"}]})
    assert response.status_code == 422 and "non-public" in response.text
