"""Scopes an API key can carry, and the caller identity every protected route receives."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal


class Scope(StrEnum):
    CHAT = "chat"
    KB_READ = "kb:read"
    KB_WRITE = "kb:write"
    AGENTS = "agents"
    WORKFLOWS = "workflows"
    ADMIN = "admin"


USER_SCOPES = frozenset(s for s in Scope if s is not Scope.ADMIN)
ALL_SCOPES = frozenset(Scope)


def scopes_for_user(is_admin: bool) -> frozenset[Scope]:
    return ALL_SCOPES if is_admin else USER_SCOPES


@dataclass(frozen=True)
class Principal:
    """Who is calling: a user signed in with a JWT, or one of their API keys (narrower scopes)."""

    user_id: str
    is_admin: bool
    scopes: frozenset[Scope]
    via: Literal["session", "api_key"]
    api_key_id: str | None = None
    collection_ids: frozenset[str] | None = None  # None: every collection the user owns

    def has(self, scope: Scope) -> bool:
        return scope in self.scopes

    @property
    def rate_limit_key(self) -> str:
        return f"key:{self.api_key_id}" if self.api_key_id else f"user:{self.user_id}"
