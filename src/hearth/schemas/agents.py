from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, create_model

from hearth.agents.definition import AgentConfig
from hearth.db.tables import Agent
from hearth.schemas.common import RequestModel, ResponseModel


class ToolPublic(ResponseModel):
    name: str
    description: str
    parameters: dict[str, Any] = Field(description="JSON schema of the arguments")
    scope: str | None = Field(description="The scope a caller needs to use it")
    timeout_s: float
    pure: bool = Field(description="Same arguments, same result: runs cache it")


class ToolList(ResponseModel):
    tools: list[ToolPublic]


class AgentCreate(RequestModel, AgentConfig):
    name: Annotated[str, Field(min_length=1, max_length=200)]


# Every field optional; the merged definition is validated as a whole (AgentConfig) by the service.
AgentUpdate = create_model(
    "AgentUpdate", __base__=RequestModel,
    name=(str | None, Field(default=None, min_length=1, max_length=200)),
    **{name: (field.annotation | None, Field(default=None, description=field.description))  # type: ignore[operator]
       for name, field in AgentConfig.model_fields.items()},
)


class AgentPublic(ResponseModel, AgentConfig):
    model_config = ConfigDict(from_attributes=True, extra="ignore")

    id: str
    name: str
    version: int = Field(description="Goes up by one on every update; each run records the version it used")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: Agent) -> AgentPublic:
        return cls.model_validate({**row.config, "id": row.id, "name": row.name, "version": row.version,
                                   "created_at": row.created_at, "updated_at": row.updated_at})


class RunCreate(RequestModel):
    input: Annotated[str, Field(min_length=1, max_length=100_000)]
    stream: bool = Field(default=False, description="Server-sent step events instead of one answer")
    background: bool = Field(default=False, description="Run as a background job: 202 with the run and job ids")


class StepPublic(ResponseModel):
    position: int
    kind: Literal["model", "tool_call", "handoff", "final", "error"]
    agent_id: str
    tool: str | None = Field(description="The tool called (tool_call, handoff) or the model (model)")
    input: str | None
    output: str | None
    error: str | None
    truncated: bool
    cached: bool
    depth: int = Field(description="0 for the run's agent, 1 for an agent it asked, ...")
    started_at: datetime
    duration_ms: int
    prompt_tokens: int | None
    completion_tokens: int | None


class RunPublic(ResponseModel):
    id: str
    agent_id: str
    agent_version: int
    status: Literal["queued", "running", "succeeded", "stopped", "failed", "cancelled"]
    stop_reason: str | None
    input: str
    output: str | None
    error: str | None
    job_id: str | None
    queue_position: int | None = Field(default=None, description="While queued: 1 is next to start")
    prompt_tokens: int
    completion_tokens: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    steps: list[StepPublic] = Field(default_factory=list)
