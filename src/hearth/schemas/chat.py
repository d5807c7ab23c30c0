from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from hearth.schemas.common import RequestModel, ResponseModel

SessionStatus = Literal["active", "archived", "resumable"]
ContextStrategy = Literal["truncate_oldest", "summarize"]
ModelName = Annotated[str, Field(min_length=3, max_length=200, pattern=r"^[^/\s]+/\S+$",
                                 description="provider/model, e.g. local/qwen2.5-0.5b-instruct")]


class ChatSessionCreate(RequestModel):
    model: ModelName | None = None
    system_prompt: Annotated[str | None, Field(max_length=20_000)] = None
    title: Annotated[str | None, Field(max_length=200)] = None
    context_strategy: ContextStrategy | None = Field(
        default=None, description="How older turns leave the context window; default from settings.")


class ChatSessionStatusUpdate(RequestModel):
    status: SessionStatus


class ContextUsage(ResponseModel):
    used_tokens: int
    max_tokens: int | None
    dropped_messages: int
    summarized_through_seq: int


class ChatSessionPublic(ResponseModel):
    id: str
    title: str | None
    model: str | None
    system_prompt: str | None
    status: SessionStatus
    context_strategy: ContextStrategy | None
    message_count: int
    context: ContextUsage
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: object) -> ChatSessionPublic:
        return cls.model_validate({
            **{k: getattr(row, k) for k in ("id", "title", "model", "system_prompt", "status", "context_strategy",
                                             "message_count", "created_at", "updated_at")},
            "context": ContextUsage(used_tokens=row.context_used_tokens,  # type: ignore[attr-defined]
                                    max_tokens=row.context_max_tokens,  # type: ignore[attr-defined]
                                    dropped_messages=row.dropped_messages,  # type: ignore[attr-defined]
                                    summarized_through_seq=row.summary_through_seq),  # type: ignore[attr-defined]
        })


class ChatMessageCreate(RequestModel):
    content: Annotated[str, Field(min_length=1, max_length=200_000)]
    stream: bool = False


class ChatMessagePublic(ResponseModel):
    id: str
    seq: int
    role: Literal["system", "user", "assistant", "tool"]
    content: str
    model: str | None
    partial: bool
    token_count: int
    prompt_tokens: int | None
    completion_tokens: int | None
    latency_ms: int | None
    created_at: datetime


class ChatCleanup(RequestModel):
    older_than_days: Annotated[int, Field(ge=0, le=36500)] = 30
    statuses: list[SessionStatus] = Field(default_factory=lambda: ["archived"], min_length=1)


class ChatCleanupResult(ResponseModel):
    deleted_sessions: int
