"""A tiny MCP server for the tests, built on the official SDK. Run over stdio (default) or as a
streamable-HTTP server on loopback: `python -m tests.support.mcp_server [--http PORT]`. Each start
appends a line to $MCP_TEST_STARTS so tests can tell a reused connection from a new process."""

from __future__ import annotations

import argparse
import os

import anyio
from mcp.server.mcpserver import MCPServer

server = MCPServer("hearth-test-tools")


@server.tool()
def add(a: int, b: int) -> int:
    """Add two whole numbers."""
    return a + b


@server.tool()
def shout(text: str) -> str:
    """Return the text in capitals."""
    return text.upper()


@server.tool()
async def nap(seconds: float) -> str:
    """Sleep, then say so."""
    await anyio.sleep(seconds)
    return "rested"


@server.tool()
def fail(reason: str) -> str:
    """Always fails with the given reason."""
    raise ValueError(reason)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--http", type=int, default=None, help="serve streamable HTTP on 127.0.0.1:PORT")
    args = parser.parse_args()
    starts = os.environ.get("MCP_TEST_STARTS")
    if starts:
        with open(starts, "a") as f:
            f.write(f"{os.getpid()}\n")
    if args.http:
        server.run("streamable-http", host="127.0.0.1", port=args.http)
    else:
        server.run("stdio")


if __name__ == "__main__":
    main()
