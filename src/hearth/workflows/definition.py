"""The definition format (API.md): `{"inputs"?: <JSON schema>, "steps": [{"id", "kind", "depends_on"?,
"retry"?, "timeout_s"?, ...fields of the kind}]}`. The common fields are typed here; each kind's own
fields are typed by that kind's `params` model and checked by the validator."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

STEP_ID = r"^[A-Za-z_][A-Za-z0-9_]{0,63}$"
COMMON_FIELDS = frozenset({"id", "kind", "depends_on", "retry", "timeout_s"})


class RetryPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_attempts: Annotated[int, Field(ge=1, le=10)] = 1
    backoff_s: Annotated[float, Field(ge=0, le=300, description="Wait before the second attempt; doubles after")] = 1.0
    max_backoff_s: Annotated[float, Field(ge=0, le=3600)] = 30.0


class StepSpec(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: Annotated[str, Field(pattern=STEP_ID, description="Letters, digits and _; templates refer to it")]
    kind: Annotated[str, Field(min_length=1, max_length=50)]
    depends_on: Annotated[list[str], Field(max_length=100)] = []
    retry: RetryPolicy = RetryPolicy()
    timeout_s: Annotated[float, Field(gt=0, le=24 * 3600)] = 600.0

    @property
    def params(self) -> dict[str, Any]:
        """The kind's own fields."""
        return dict(self.model_extra or {})


class WorkflowSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    inputs: dict[str, Any] | None = Field(default=None, description="A JSON schema the run's inputs must satisfy")
    steps: Annotated[list[StepSpec], Field(min_length=1, max_length=200)]

    def step(self, step_id: str) -> StepSpec:
        return next(s for s in self.steps if s.id == step_id)
