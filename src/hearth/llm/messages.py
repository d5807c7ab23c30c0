"""The provider-neutral chat vocabulary every provider translates to and from."""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, Field

Role = Literal["system", "user", "assistant", "tool"]


class ToolCall(BaseModel):
    id: str
    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    # Set when the model's arguments were not a JSON object; agents hand the problem back to the model.
    invalid_arguments: str | None = None

    @classmethod
    def parse(cls, call_id: str, name: str, raw: str | dict[str, Any] | None) -> ToolCall:
        if isinstance(raw, dict):
            return cls(id=call_id, name=name, arguments=raw)
        try:
            value = json.loads(raw or "{}")
        except ValueError:
            value = None
        if isinstance(value, dict):
            return cls(id=call_id, name=name, arguments=value)
        return cls(id=call_id, name=name, invalid_arguments=str(raw))


class Message(BaseModel):
    role: Role
    content: str = ""
    tool_calls: list[ToolCall] = Field(default_factory=list)
    tool_call_id: str | None = None
    name: str | None = None


class ToolSpec(BaseModel):
    name: str
    description: str = ""
    parameters: dict[str, Any] = Field(default_factory=lambda: {"type": "object", "properties": {}})


class ChatRequest(BaseModel):
    model: str
    messages: list[Message]
    tools: list[ToolSpec] = Field(default_factory=list)
    # "auto", "none", "required" or the name of one tool
    tool_choice: str = "auto"
    temperature: float | None = None
    max_tokens: int | None = None
    # A JSON schema the reply must follow; {} means "any JSON object".
    json_schema: dict[str, Any] | None = None
    stop: list[str] = Field(default_factory=list)


class Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


FinishReason = Literal["stop", "length", "tool_calls", "error"]


class ChatResult(BaseModel):
    model: str
    content: str = ""
    tool_calls: list[ToolCall] = Field(default_factory=list)
    finish_reason: FinishReason = "stop"
    usage: Usage = Field(default_factory=Usage)


class StreamDelta(BaseModel):
    """One piece of a streamed reply. Tool calls arrive whole, in the last deltas."""

    content: str = ""
    tool_calls: list[ToolCall] = Field(default_factory=list)
    finish_reason: FinishReason | None = None
    usage: Usage | None = None


class Capabilities(BaseModel):
    chat: bool = True
    tools: bool = False
    vision: bool = False
    embedding: bool = False
    context_length: int | None = None


class ModelInfo(BaseModel):
    id: str  # "provider/model"
    provider: str
    name: str
    capabilities: Capabilities


def assemble(model: str, deltas: list[StreamDelta]) -> ChatResult:
    """Fold a streamed reply into the whole answer the non-streaming call would give."""
    content = "".join(d.content for d in deltas)
    calls = [c for d in deltas for c in d.tool_calls]
    finish = next((d.finish_reason for d in reversed(deltas) if d.finish_reason), "stop")
    usage = next((d.usage for d in reversed(deltas) if d.usage), Usage())
    return ChatResult(model=model, content=content, tool_calls=calls, finish_reason=finish, usage=usage)
