"""The job API that services use, whatever the backend."""

from __future__ import annotations

from typing import Any, Protocol

from hearth.db.tables import Job


class JobQueue(Protocol):
    async def enqueue(self, kind: str, payload: dict[str, Any], owner_id: str | None,
                      idempotency_key: str | None = None) -> Job:
        """Persist a job and hand it to workers; the same idempotency key returns the first job."""
        ...

    async def start_workers(self) -> None: ...

    async def stop(self, grace_s: float) -> None: ...

    async def check(self) -> tuple[bool, str]: ...
