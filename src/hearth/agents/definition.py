"""What an agent is: the fields a user sets, validated once here and stored as a version's config."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

NAME_PATTERN = re.compile(r"[^a-zA-Z0-9_-]+")


class McpServer(BaseModel):
    """An MCP server an agent may use: a local command spoken to over stdio, or a streamable-HTTP URL."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=40, pattern=r"^[a-zA-Z0-9_-]+$",
                      description="Prefix of this server's tools, e.g. `files` → `files__read`")
    command: list[str] | None = Field(default=None, min_length=1, description="argv of a stdio server")
    env: dict[str, str] = Field(default_factory=dict)
    url: str | None = Field(default=None, max_length=2000, description="A streamable-HTTP endpoint")
    timeout_s: float = Field(default=30.0, gt=0, le=600, description="Per tool call")
    tools: list[str] | None = Field(default=None, description="Only these of the server's tools (default: all)")

    @model_validator(mode="after")
    def _one_transport(self) -> McpServer:
        if (self.command is None) == (self.url is None):
            raise ValueError("an MCP server needs exactly one of `command` (stdio) or `url` (streamable HTTP)")
        return self

    def key(self) -> str:
        """Servers with the same key share one connection."""
        return self.model_dump_json(include={"command", "env", "url"})


class AgentConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str = Field(default="", max_length=2000,
                             description="What the agent does; other agents see it when they hand off or ask")
    instructions: str = Field(default="You are a helpful assistant.", max_length=20_000)
    model: str | None = Field(default=None, max_length=200, description="provider/model; default: the chat default")
    temperature: float | None = Field(default=None, ge=0, le=2)
    tools: list[str] = Field(default_factory=list, max_length=64)
    mcp_servers: list[McpServer] = Field(default_factory=list, max_length=8)
    tool_use: Literal["auto", "first"] = Field(
        default="auto", description="`first`: the first model step must call one of the tools. Small local models "
                                    "often guess instead of calling a tool; this makes them look things up first.")
    max_steps: int = Field(default=8, ge=1, le=100, description="Model calls before the run stops")
    time_budget_s: float = Field(default=120.0, gt=0, le=3600)
    output_schema: dict[str, Any] | None = Field(default=None, description="JSON schema the final answer follows")
    handoffs: list[str] = Field(default_factory=list, max_length=16,
                                description="Agent ids this agent may hand the conversation to")
    delegates: list[str] = Field(default_factory=list, max_length=16,
                                 description="Agent ids this agent may ask as a tool and get the answer of")
    max_concurrent_runs: int | None = Field(default=None, ge=1, le=256)


def tool_slug(name: str) -> str:
    """A name usable in a tool name (providers accept [a-zA-Z0-9_-])."""
    return NAME_PATTERN.sub("_", name).strip("_").lower()[:40] or "agent"


@dataclass(frozen=True)
class AgentSnapshot:
    """One version of an agent, as a run uses it."""

    id: str
    name: str
    version: int
    config: AgentConfig
