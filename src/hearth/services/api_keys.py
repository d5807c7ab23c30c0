"""Scoped API keys: minted once, stored as a digest, revoked by their owner."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from hearth.core.clock import Clock, utcnow
from hearth.core.errors import Forbidden, InvalidInput, NotFound
from hearth.core.ids import random_token
from hearth.core.scopes import Principal, Scope
from hearth.core.security import hash_token
from hearth.db.tables import ApiKey
from hearth.repositories.api_keys import ApiKeyRepository
from hearth.repositories.pagination import Page
from hearth.schemas.api_keys import ApiKeyCreate
from hearth.services.auth import API_KEY_PREFIX

_DISPLAY_PREFIX_LEN = 10


@dataclass(frozen=True)
class MintedKey:
    record: ApiKey
    secret: str


class ApiKeyService:
    def __init__(self, session: AsyncSession, clock: Clock = utcnow) -> None:
        self.session = session
        self.clock = clock
        self.keys = ApiKeyRepository(session)

    async def create(self, principal: Principal, request: ApiKeyCreate) -> MintedKey:
        wanted = frozenset(request.scopes)
        # A key can only narrow what its creator holds, never widen it.
        if not wanted <= principal.scopes:
            missing = ", ".join(sorted(wanted - principal.scopes))
            raise Forbidden(f"you cannot grant scopes you do not hold: {missing}")
        if request.expires_at is not None and request.expires_at <= self.clock():
            raise InvalidInput("expires_at must be in the future", field="expires_at")
        collections = request.collection_ids
        if principal.collection_ids is not None:
            if collections is None or not set(collections) <= principal.collection_ids:
                raise Forbidden("a collection-restricted key cannot create a key for other collections")
        secret = API_KEY_PREFIX + random_token()
        record = await self.keys.add(
            ApiKey(
                user_id=principal.user_id,
                name=request.name,
                prefix=secret[:_DISPLAY_PREFIX_LEN],
                key_hash=hash_token(secret),
                scopes=sorted(Scope(s).value for s in wanted),
                collection_ids=sorted(set(collections)) if collections is not None else None,
                expires_at=request.expires_at,
            )
        )
        await self.session.commit()
        return MintedKey(record=record, secret=secret)

    async def list(self, principal: Principal, limit: int, cursor: str | None) -> Page[ApiKey]:
        return await self.keys.list_owned(principal.user_id, limit, cursor)

    async def revoke(self, principal: Principal, key_id: str) -> None:
        key = await self.keys.get_owned(key_id, principal.user_id)
        if key is None:
            raise NotFound("no such API key")
        key.revoked_at = self.clock()
        await self.session.commit()
