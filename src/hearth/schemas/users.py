from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, model_validator

from hearth.schemas.auth import Email, Password
from hearth.schemas.common import RequestModel, ResponseModel


class UserPublic(ResponseModel):
    id: str
    email: str
    display_name: str | None
    is_admin: bool
    is_active: bool
    created_at: datetime
    last_login_at: datetime | None


class UserSelfUpdate(RequestModel):
    display_name: Annotated[str, Field(max_length=200)] | None = None
    email: Email | None = None
    password: Password | None = None
    current_password: Annotated[str, Field(max_length=1024)] | None = None

    @model_validator(mode="after")
    def _credentials_need_current_password(self) -> UserSelfUpdate:
        if (self.password is not None or self.email is not None) and not self.current_password:
            raise ValueError("current_password is required to change email or password")
        return self


class UserAdminUpdate(RequestModel):
    display_name: Annotated[str, Field(max_length=200)] | None = None
    is_active: bool | None = None
    is_admin: bool | None = None
    password: Password | None = None
