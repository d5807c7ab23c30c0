"""OpenAI wire shapes, and their translation to Hearth's provider-neutral messages. Unknown fields are
ignored (clients send many optional knobs) but values are still checked for NULs and deep nesting."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hearth.core.errors import InvalidInput
from hearth.llm.messages import ChatRequest, Message, ToolCall, ToolSpec
from hearth.schemas.common import check_json_value


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")

    @field_validator("*", mode="before")
    @classmethod
    def _safe(cls, value: Any) -> Any:
        return check_json_value(value)


class FunctionCall(_Lenient):
    name: str
    arguments: str = "{}"


class WireToolCall(_Lenient):
    id: str
    type: Literal["function"] = "function"
    function: FunctionCall


class WireMessage(_Lenient):
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[dict[str, Any]] | None = None
    name: str | None = None
    tool_calls: list[WireToolCall] | None = None
    tool_call_id: str | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            parts = []
            for part in self.content:
                if part.get("type") != "text":
                    raise InvalidInput(f"content parts of type {part.get('type')!r} are not supported here")
                parts.append(str(part.get("text", "")))
            return "".join(parts)
        return self.content or ""


class FunctionSpec(_Lenient):
    name: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-zA-Z0-9_-]+$")]
    description: str = ""
    parameters: dict[str, Any] = Field(default_factory=lambda: {"type": "object", "properties": {}})


class WireTool(_Lenient):
    type: Literal["function"] = "function"
    function: FunctionSpec


class ResponseFormat(_Lenient):
    type: Literal["text", "json_object", "json_schema"] = "text"
    json_schema: dict[str, Any] | None = None


class StreamOptions(_Lenient):
    include_usage: bool = False


class ChatCompletionRequest(_Lenient):
    model: Annotated[str, Field(max_length=200)] = ""
    messages: Annotated[list[WireMessage], Field(min_length=1, max_length=2000)]
    tools: list[WireTool] | None = None
    tool_choice: str | dict[str, Any] | None = None
    temperature: Annotated[float | None, Field(ge=0, le=2)] = None
    max_tokens: Annotated[int | None, Field(ge=1, le=131072)] = None
    max_completion_tokens: Annotated[int | None, Field(ge=1, le=131072)] = None
    stop: str | list[str] | None = None
    stream: bool = False
    stream_options: StreamOptions | None = None
    response_format: ResponseFormat | None = None

    def to_request(self) -> ChatRequest:
        messages = []
        for m in self.messages:
            calls = [ToolCall.parse(c.id, c.function.name, c.function.arguments) for c in m.tool_calls or []]
            role = "system" if m.role == "developer" else m.role
            messages.append(Message(role=role, content=m.text(), tool_calls=calls, tool_call_id=m.tool_call_id,
                                    name=m.name))
        choice = self.tool_choice or "auto"
        if isinstance(choice, dict):
            choice = str((choice.get("function") or {}).get("name") or "auto")
        schema = None
        if self.response_format and self.response_format.type == "json_object":
            schema = {}
        elif self.response_format and self.response_format.type == "json_schema":
            schema = (self.response_format.json_schema or {}).get("schema") or {}
        return ChatRequest(
            model=self.model, messages=messages, tool_choice=choice, temperature=self.temperature,
            max_tokens=self.max_completion_tokens or self.max_tokens, json_schema=schema,
            stop=[self.stop] if isinstance(self.stop, str) else (self.stop or []),
            tools=[ToolSpec(**t.function.model_dump()) for t in self.tools or []],
        )


class EmbeddingRequest(_Lenient):
    model: Annotated[str, Field(max_length=200)] = ""
    input: str | list[str]
    encoding_format: Literal["float", "base64"] = "float"

    def texts(self) -> list[str]:
        return [self.input] if isinstance(self.input, str) else self.input


def wire_tool_calls(calls: list[ToolCall], with_index: bool = False) -> list[dict[str, Any]]:
    out = []
    for i, call in enumerate(calls):
        item: dict[str, Any] = {"id": call.id, "type": "function", "function": {
            "name": call.name, "arguments": call.invalid_arguments or json.dumps(call.arguments)}}
        if with_index:
            item["index"] = i
        out.append(item)
    return out
