from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from hearth.schemas.common import RequestModel, ResponseModel


def _normalise_email(value: str) -> str:
    value = value.strip().lower()
    local, sep, domain = value.partition("@")
    if not sep or not local or not domain or "@" in domain or any(c.isspace() for c in value):
        raise ValueError("not a valid email address")
    if domain.startswith(".") or domain.endswith(".") or ".." in domain:
        raise ValueError("not a valid email address")
    return value


Email = Annotated[str, Field(min_length=3, max_length=254), AfterValidator(_normalise_email)]
Password = Annotated[str, Field(min_length=8, max_length=1024)]


class Credentials(RequestModel):
    email: Email
    password: Annotated[str, Field(min_length=1, max_length=1024)]


class RegisterRequest(RequestModel):
    email: Email
    password: Password
    display_name: Annotated[str, Field(max_length=200)] | None = None


class RefreshRequest(RequestModel):
    refresh_token: Annotated[str, Field(min_length=1, max_length=512)]


class TokenPair(ResponseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the access token expires.")
