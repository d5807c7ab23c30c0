from __future__ import annotations

from typing import Any

from pydantic import Field

from hearth.schemas.common import ResponseModel


class ToolPublic(ResponseModel):
    name: str
    description: str
    parameters: dict[str, Any] = Field(description="JSON schema of the arguments")
    scope: str | None = Field(description="The scope a caller needs to use it")
    timeout_s: float
    pure: bool = Field(description="Same arguments, same result: runs cache it")


class ToolList(ResponseModel):
    tools: list[ToolPublic]
