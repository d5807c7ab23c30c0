from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from hearth.db.tables import Job
from hearth.jobs.states import JobState
from hearth.schemas.common import ResponseModel


class Progress(BaseModel):
    done: int
    total: int | None
    stage: str | None
    message: str | None


class JobPublic(ResponseModel):
    id: str
    kind: str
    state: JobState
    progress: Progress
    attempts: int
    max_attempts: int
    error: str | None
    result: dict[str, Any] | None
    cancel_requested: bool
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def of(cls, job: Job) -> JobPublic:
        return cls(
            id=job.id, kind=job.kind, state=job.state,  # type: ignore[arg-type]
            progress=Progress(done=job.progress_done, total=job.progress_total, stage=job.stage, message=job.message),
            attempts=job.attempts, max_attempts=job.max_attempts, error=job.error, result=job.result,
            cancel_requested=job.cancel_requested, created_at=job.created_at, started_at=job.started_at,
            finished_at=job.finished_at,
        )
