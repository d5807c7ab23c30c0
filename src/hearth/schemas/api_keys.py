from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, Field

from hearth.core.scopes import Scope
from hearth.schemas.common import RequestModel, ResponseModel


class ApiKeyCreate(RequestModel):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    scopes: Annotated[list[Scope], Field(min_length=1, max_length=len(Scope))]
    collection_ids: Annotated[list[Annotated[str, Field(min_length=1, max_length=64)]], Field(max_length=100)] | None = (
        None
    )
    expires_at: AwareDatetime | None = None


class ApiKeyPublic(ResponseModel):
    id: str
    name: str
    prefix: str = Field(description="The first characters of the key, to recognise it.")
    scopes: list[Scope]
    collection_ids: list[str] | None
    expires_at: datetime | None
    last_used_at: datetime | None
    created_at: datetime


class ApiKeyCreated(ApiKeyPublic):
    key: str = Field(description="The secret. Shown only in this response; store it now.")
