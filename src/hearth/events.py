"""In-process event bus: `job.succeeded`, `job.failed`, later `document.indexed`, `workflow.completed`...
Subscribers (the webhook dispatcher) run after the event's state is committed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hearth.core.clock import utcnow
from hearth.core.ids import new_id
from hearth.core.logging import get_logger

log = get_logger("hearth.events")


@dataclass(frozen=True)
class Event:
    type: str
    owner_id: str | None
    data: dict[str, Any]
    id: str = field(default_factory=new_id)
    occurred_at: datetime = field(default_factory=utcnow)

    def envelope(self) -> dict[str, Any]:
        return {"id": self.id, "type": self.type, "occurred_at": self.occurred_at.isoformat(), "data": self.data}


# Event types a webhook can subscribe to; features add theirs as they land.
KNOWN_EVENTS = {"job.succeeded", "job.failed", "job.cancelled", "document.indexed", "workflow.completed",
                "workflow.failed", "workflow.cancelled", "workflow.waiting"}


def is_known_event_pattern(pattern: str) -> bool:
    """An exact known type, `*`, or `prefix.*` covering at least one known type."""
    if pattern == "*" or pattern in KNOWN_EVENTS:
        return True
    return pattern.endswith(".*") and any(e.startswith(pattern[:-1]) for e in KNOWN_EVENTS)


def matches(pattern: str, event_type: str) -> bool:
    return pattern == "*" or pattern == event_type or (pattern.endswith(".*") and event_type.startswith(pattern[:-1]))


Subscriber = Callable[[Event], Awaitable[None]]


class EventBus:
    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []

    def subscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.append(subscriber)

    async def publish(self, event: Event) -> None:
        for subscriber in self._subscribers:
            try:
                await subscriber(event)
            except Exception:  # one failing subscriber must not stop the others
                log.exception("event subscriber failed", event_type=event.type, event_id=event.id)
