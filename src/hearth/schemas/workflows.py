from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

from pydantic import Field

from hearth.db.tables import WorkflowRun, WorkflowRunStep
from hearth.schemas.common import RequestModel, ResponseModel

DEFINITION_DOC = ('{"inputs"?: <JSON schema>, "steps": [{"id", "kind", "depends_on"?, "retry"?: {"max_attempts", '
                  '"backoff_s", "max_backoff_s"}, "timeout_s"?, ...fields of the kind}]}')


class DefinitionCreate(RequestModel):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    definition: dict[str, Any] = Field(description=DEFINITION_DOC)


class DefinitionUpdate(RequestModel):
    name: Annotated[str | None, Field(min_length=1, max_length=200)] = None
    definition: dict[str, Any] = Field(description=DEFINITION_DOC)


class DefinitionPublic(ResponseModel):
    id: str
    name: str
    version: int = Field(description="Goes up by one on every update; each run records the version it used")
    definition: dict[str, Any]
    created_at: datetime
    updated_at: datetime


class ExecuteRequest(RequestModel):
    definition_id: Annotated[str, Field(min_length=1, max_length=64)]
    inputs: dict[str, Any] = Field(default_factory=dict, description="Checked against the definition's inputs schema")


class ExecuteAccepted(ResponseModel):
    run_id: str
    job_id: str | None
    state: str


class ResumeRequest(RequestModel):
    step_id: Annotated[str | None, Field(max_length=64, description="Needed only when several steps wait")] = None
    data: Any = Field(description="The waiting step's output; checked against its schema")


class RunStepPublic(ResponseModel):
    id: str = Field(validation_alias="step_id")
    kind: str
    state: str = Field(description="pending | running | waiting | succeeded | failed | skipped | cancelled")
    output: Any = Field(description="The output, or its JSON text cut short when output_truncated")
    output_truncated: bool = False
    error: str | None
    attempts: int
    started_at: datetime | None
    finished_at: datetime | None
    duration_ms: int | None

    @classmethod
    def of(cls, row: WorkflowRunStep, preview_chars: int) -> RunStepPublic:
        public = cls.model_validate(row)
        text = json.dumps(row.output, ensure_ascii=False, default=str)
        if len(text) > preview_chars:
            public.output, public.output_truncated = text[:preview_chars], True
        return public


class RunPublic(ResponseModel):
    id: str
    definition_id: str
    definition_version: int
    state: str = Field(description="queued | running | waiting | succeeded | failed | cancelled")
    inputs: dict[str, Any]
    error: str | None
    job_id: str | None
    cancel_requested: bool
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    steps: list[RunStepPublic] = []

    @classmethod
    def of(cls, run: WorkflowRun, steps: list[WorkflowRunStep], preview_chars: int) -> RunPublic:
        public = cls.model_validate(run)
        public.steps = [RunStepPublic.of(s, preview_chars) for s in steps]
        return public
