"""What a job handler sees: its payload, a way to report progress, and the cancellation token."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from hearth.core.errors import HearthError


class JobCancelled(Exception):
    """Raised by `JobContext.check_cancelled()`; the runner marks the job cancelled."""


class JobFailed(HearthError):
    """A handler's readable failure. `retry=False` skips the remaining attempts."""

    title = "Job failed"

    def __init__(self, detail: str, *, retry: bool = True) -> None:
        super().__init__(detail)
        self.retry = retry


class ProgressSink(Protocol):
    async def progress(self, job_id: str, worker_id: str, done: int, total: int | None,
                       stage: str | None, message: str | None) -> None: ...

    async def cancel_requested(self, job_id: str) -> bool: ...


@dataclass
class JobContext:
    job_id: str
    kind: str
    payload: dict[str, Any]
    owner_id: str | None
    attempt: int
    worker_id: str
    sink: ProgressSink
    cancel_check_interval_s: float = 0.25
    _cancelled: bool = field(default=False, init=False)
    _last_check: float = field(default=0.0, init=False)

    async def progress(self, done: int, total: int | None = None, stage: str | None = None,
                       message: str | None = None) -> None:
        await self.sink.progress(self.job_id, self.worker_id, done, total, stage, message)

    async def check_cancelled(self) -> None:
        """Raise JobCancelled if cancellation was requested; cheap to call in a loop."""
        now = time.monotonic()
        if not self._cancelled and now - self._last_check >= self.cancel_check_interval_s:
            self._last_check = now
            self._cancelled = await self.sink.cancel_requested(self.job_id)
        if self._cancelled:
            raise JobCancelled

    def mark_cancelled(self) -> None:
        self._cancelled = True
