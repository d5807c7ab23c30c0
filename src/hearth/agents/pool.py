"""How many agent runs may work at once: a global limit and one per agent. Runs over the limit wait
in arrival order, and each can tell its place in the line."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class _Waiter:
    run_id: str
    agent_id: str
    agent_limit: int


class RunPool:
    def __init__(self, global_limit: int, per_agent_limit: int) -> None:
        self.global_limit = global_limit
        self.per_agent_limit = per_agent_limit
        self._running: Counter[str] = Counter()
        self._waiting: list[_Waiter] = []
        self._changed = asyncio.Condition()

    @property
    def running(self) -> int:
        return sum(self._running.values())

    def position(self, run_id: str) -> int | None:
        """1 for the next run to start; None when the run is not waiting here."""
        return next((i + 1 for i, w in enumerate(self._waiting) if w.run_id == run_id), None)

    def _has_room(self, waiter: _Waiter) -> bool:
        return self.running < self.global_limit and self._running[waiter.agent_id] < waiter.agent_limit

    def _admissible(self, waiter: _Waiter) -> bool:
        # First come, first served among the runs that could start: a run of a busy agent does not
        # hold back a run of an idle one.
        for earlier in self._waiting:
            if earlier is waiter:
                return self._has_room(waiter)
            if self._has_room(earlier):
                return False
        return False

    @asynccontextmanager
    async def slot(self, run_id: str, agent_id: str, agent_limit: int | None = None) -> AsyncIterator[None]:
        waiter = _Waiter(run_id, agent_id, agent_limit or self.per_agent_limit)
        async with self._changed:
            self._waiting.append(waiter)
            try:
                await self._changed.wait_for(lambda: self._admissible(waiter))
            finally:
                self._waiting.remove(waiter)
                self._changed.notify_all()
            self._running[agent_id] += 1
        try:
            yield
        finally:
            async with self._changed:
                self._running[agent_id] -= 1
                self._changed.notify_all()
