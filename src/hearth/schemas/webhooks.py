from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, field_validator

from hearth.events import is_known_event_pattern
from hearth.schemas.common import RequestModel, ResponseModel


class WebhookSubscribe(RequestModel):
    url: Annotated[str, Field(min_length=8, max_length=2000)]
    events: Annotated[list[Annotated[str, Field(min_length=1, max_length=100)]], Field(min_length=1, max_length=50)]

    @field_validator("events")
    @classmethod
    def _known_events(cls, events: list[str]) -> list[str]:
        unknown = [e for e in events if not is_known_event_pattern(e)]
        if unknown:
            raise ValueError(f"unknown event types: {', '.join(unknown)}")
        return sorted(set(events))


class WebhookPublic(ResponseModel):
    id: str
    url: str
    events: list[str]
    created_at: datetime


class WebhookCreated(WebhookPublic):
    secret: str = Field(description="The signing secret. Shown only in this response.")


class AttemptPublic(ResponseModel):
    attempted_at: datetime
    status_code: int | None
    latency_ms: float | None
    error: str | None


class DeliveryPublic(ResponseModel):
    id: str
    event: str
    state: str
    created_at: datetime
    attempts: list[AttemptPublic]
