"""A run's trace: every step is written to the database as it completes and, for a streaming caller,
announced as an event the moment it starts and ends."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hearth.core.clock import utcnow
from hearth.db.tables import AgentRunStep
from hearth.llm.messages import Usage
from hearth.repositories.agents import AgentRepository


def clip(value: Any, limit: int) -> tuple[str | None, bool]:
    if value is None:
        return None, False
    text = value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
    return (text, False) if len(text) <= limit else (text[:limit] + "…", True)


@dataclass
class StepTimer:
    started_at: Any = field(default_factory=utcnow)
    began: float = field(default_factory=time.perf_counter)

    @property
    def duration_ms(self) -> int:
        return int((time.perf_counter() - self.began) * 1000)


class RunTrace:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], run_id: str, trace_chars: int,
                 events: asyncio.Queue[dict[str, Any]] | None = None) -> None:
        self.sessions = sessions
        self.run_id = run_id
        self.trace_chars = trace_chars
        self.events = events
        self.usage = Usage()
        # Called after each step is stored (a background run reports progress and checks for cancel).
        self.on_step: Callable[[int, str], Awaitable[None]] | None = None
        self._position = 0
        self._lock = asyncio.Lock()

    def emit(self, event_type: str, **data: Any) -> None:
        if self.events is not None:
            self.events.put_nowait({"type": event_type, "run_id": self.run_id, **data})

    async def record(self, kind: str, agent_id: str, timer: StepTimer, *, tool: str | None = None,
                     input: Any = None, output: Any = None, error: str | None = None, cached: bool = False,
                     depth: int = 0, usage: Usage | None = None) -> None:
        stored_input, cut_in = clip(input, self.trace_chars)
        stored_output, cut_out = clip(output, self.trace_chars)
        if usage is not None:
            self.usage.prompt_tokens += usage.prompt_tokens
            self.usage.completion_tokens += usage.completion_tokens
        async with self._lock:  # parallel tool calls finish in any order; positions stay unique
            self._position += 1
            step = AgentRunStep(
                run_id=self.run_id, position=self._position, kind=kind, agent_id=agent_id, tool=tool,
                input=stored_input, output=stored_output, error=error, truncated=cut_in or cut_out, cached=cached,
                depth=depth, started_at=timer.started_at, duration_ms=timer.duration_ms,
                prompt_tokens=usage.prompt_tokens if usage else None,
                completion_tokens=usage.completion_tokens if usage else None,
            )
            async with self.sessions() as session:
                await AgentRepository(session).add(step)
                await session.commit()
            position = self._position
        if self.on_step is not None:
            await self.on_step(position, kind)
