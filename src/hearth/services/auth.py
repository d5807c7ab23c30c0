"""Sign-up, sign-in, token rotation and resolving a bearer credential to a Principal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from hearth.core.clock import Clock, utcnow
from hearth.core.errors import Forbidden, RateLimited, Unauthenticated
from hearth.core.ids import new_id, random_token
from hearth.core.scopes import Principal, Scope, scopes_for_user
from hearth.core.security import (
    decode_access_token,
    hash_password,
    hash_token,
    issue_access_token,
    password_needs_rehash,
    verify_password,
)
from hearth.core.settings import Settings
from hearth.db.tables import RefreshToken, User
from hearth.repositories.api_keys import ApiKeyRepository
from hearth.repositories.refresh_tokens import RefreshTokenRepository
from hearth.repositories.users import UserRepository

API_KEY_PREFIX = "hk_"
REFRESH_TOKEN_PREFIX = "rt_"
# last_used_at is a hint, not an audit log: write it at most once a minute per key.
_KEY_TOUCH_INTERVAL = timedelta(seconds=60)


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    refresh_token: str
    expires_in: int


class AuthService:
    def __init__(self, session: AsyncSession, settings: Settings, clock: Clock = utcnow) -> None:
        self.session = session
        self.settings = settings
        self.clock = clock
        self.users = UserRepository(session)
        self.tokens = RefreshTokenRepository(session)
        self.keys = ApiKeyRepository(session)

    async def register(self, email: str, password: str, display_name: str | None = None) -> User:
        is_first = await self.users.count() == 0
        if not is_first and not self.settings.open_registration:
            raise Forbidden("registration is closed; ask an administrator for an account")
        user = await self.users.add(
            User(email=email, password_hash=hash_password(password), display_name=display_name, is_admin=is_first)
        )
        await self.session.commit()
        return user

    async def login(self, email: str, password: str) -> IssuedTokens:
        now = self.clock()
        user = await self.users.get_by_email(email)
        if user is not None and user.locked_until is not None and user.locked_until > now:
            raise RateLimited(
                "too many failed sign-in attempts; try again later",
                retry_after=int((user.locked_until - now).total_seconds()) + 1,
            )
        if not verify_password(user.password_hash if user else None, password) or user is None:
            if user is not None:
                await self._record_failure(user, now)
            raise Unauthenticated("invalid email or password")
        if not user.is_active:
            raise Unauthenticated("this account is deactivated")
        user.failed_logins = 0
        user.locked_until = None
        user.last_login_at = now
        if password_needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        issued = await self._issue(user.id, family_id=new_id(), now=now)
        await self.session.commit()
        return issued

    async def _record_failure(self, user: User, now: datetime) -> None:
        failures = user.failed_logins + 1
        locked_until = None
        over = failures - self.settings.login_max_failures
        if over >= 0:
            lock_s = min(self.settings.login_lockout_base_s * 2**over, self.settings.login_lockout_max_s)
            locked_until = now + timedelta(seconds=lock_s)
        await self.users.record_failed_login(user.id, locked_until)
        await self.session.commit()

    async def refresh(self, refresh_token: str) -> IssuedTokens:
        now = self.clock()
        token = await self.tokens.get_by_hash(hash_token(refresh_token))
        if token is None or token.revoked_at is not None:
            raise Unauthenticated("invalid refresh token")
        if token.used_at is not None or not await self.tokens.mark_used(token.id, now):
            await self._revoke_family_for_reuse(token.family_id, now)
        if token.expires_at <= now:
            raise Unauthenticated("refresh token expired")
        user = await self.users.get(token.user_id)
        if user is None or not user.is_active:
            raise Unauthenticated("this account is deactivated")
        issued = await self._issue(user.id, family_id=token.family_id, now=now)
        await self.session.commit()
        return issued

    async def _revoke_family_for_reuse(self, family_id: str, now: datetime) -> None:
        await self.session.rollback()
        await self.tokens.revoke_family(family_id, now)
        await self.session.commit()
        raise Unauthenticated("refresh token was already used; every session of that sign-in is revoked")

    async def logout(self, refresh_token: str) -> None:
        token = await self.tokens.get_by_hash(hash_token(refresh_token))
        if token is not None:
            await self.tokens.revoke_family(token.family_id, self.clock())
            await self.session.commit()

    async def _issue(self, user_id: str, family_id: str, now: datetime) -> IssuedTokens:
        ttl = self.settings.access_token_ttl_s
        access, _ = issue_access_token(user_id, self.settings.secret, now, ttl)
        secret = REFRESH_TOKEN_PREFIX + random_token()
        await self.tokens.add(
            RefreshToken(
                user_id=user_id,
                family_id=family_id,
                token_hash=hash_token(secret),
                created_at=now,
                expires_at=now + timedelta(seconds=self.settings.refresh_token_ttl_s),
            )
        )
        return IssuedTokens(access_token=access, refresh_token=secret, expires_in=ttl)

    async def authenticate(self, credential: str) -> Principal:
        if credential.startswith(API_KEY_PREFIX):
            return await self._authenticate_key(credential)
        user_id = decode_access_token(credential, self.settings.secret)
        user = await self.users.get(user_id)
        if user is None or not user.is_active:
            raise Unauthenticated("this account no longer exists or is deactivated")
        return Principal(user_id=user.id, is_admin=user.is_admin, scopes=scopes_for_user(user.is_admin), via="session")

    async def _authenticate_key(self, secret: str) -> Principal:
        now = self.clock()
        key = await self.keys.get_by_hash(hash_token(secret))
        if key is None or key.revoked_at is not None:
            raise Unauthenticated("invalid API key")
        if key.expires_at is not None and key.expires_at <= now:
            raise Unauthenticated("API key expired")
        user = await self.users.get(key.user_id)
        if user is None or not user.is_active:
            raise Unauthenticated("this account no longer exists or is deactivated")
        if key.last_used_at is None or now - key.last_used_at > _KEY_TOUCH_INTERVAL:
            await self.keys.touch(key.id, now)
            await self.session.commit()
        # A key never grants more than its owner currently holds (e.g. after a demotion).
        scopes = frozenset(Scope(s) for s in key.scopes) & scopes_for_user(user.is_admin)
        return Principal(
            user_id=user.id,
            is_admin=user.is_admin and Scope.ADMIN in scopes,
            scopes=scopes,
            via="api_key",
            api_key_id=key.id,
            collection_ids=frozenset(key.collection_ids) if key.collection_ids is not None else None,
        )
