"""Account management for the signed-in user and for administrators."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from hearth.core.clock import Clock, utcnow
from hearth.core.errors import Conflict, Forbidden, NotFound, Unauthenticated
from hearth.core.scopes import Principal
from hearth.core.security import hash_password, verify_password
from hearth.db.tables import User
from hearth.repositories.pagination import Page
from hearth.repositories.refresh_tokens import RefreshTokenRepository
from hearth.repositories.users import UserRepository
from hearth.schemas.users import UserAdminUpdate, UserSelfUpdate


class UserService:
    def __init__(self, session: AsyncSession, clock: Clock = utcnow) -> None:
        self.session = session
        self.clock = clock
        self.users = UserRepository(session)
        self.tokens = RefreshTokenRepository(session)

    async def me(self, principal: Principal) -> User:
        user = await self.users.get(principal.user_id)
        if user is None:
            raise Unauthenticated("this account no longer exists")
        return user

    async def update_me(self, principal: Principal, change: UserSelfUpdate) -> User:
        user = await self.me(principal)
        if change.email is not None or change.password is not None:
            if principal.via != "session":
                raise Forbidden("changing email or password needs a signed-in session, not an API key")
            if not verify_password(user.password_hash, change.current_password or ""):
                raise Forbidden("current_password is wrong")
        if change.display_name is not None:
            user.display_name = change.display_name
        if change.email is not None:
            user.email = change.email
        if change.password is not None:
            user.password_hash = hash_password(change.password)
            await self.tokens.revoke_all_for_user(user.id, self.clock())
        await self.users.flush()
        await self.session.commit()
        return user

    async def create(
        self, email: str, password: str, *, is_admin: bool = False, display_name: str | None = None
    ) -> User:
        user = await self.users.add(
            User(email=email, password_hash=hash_password(password), is_admin=is_admin, display_name=display_name)
        )
        await self.session.commit()
        return user

    async def list(self, limit: int, cursor: str | None) -> Page[User]:
        return await self.users.list(limit, cursor)

    async def get(self, user_id: str) -> User:
        user = await self.users.get(user_id)
        if user is None:
            raise NotFound("no such user")
        return user

    async def admin_update(self, principal: Principal, user_id: str, change: UserAdminUpdate) -> User:
        user = await self.get(user_id)
        losing_admin = user.is_admin and user.is_active and (change.is_admin is False or change.is_active is False)
        if losing_admin and await self.users.count_active_admins() <= 1:
            raise Conflict("this is the last active administrator")
        if change.display_name is not None:
            user.display_name = change.display_name
        if change.is_admin is not None:
            user.is_admin = change.is_admin
        if change.password is not None:
            user.password_hash = hash_password(change.password)
        if change.is_active is not None:
            user.is_active = change.is_active
            if not change.is_active:
                await self.tokens.revoke_all_for_user(user.id, self.clock())
            else:
                user.failed_logins, user.locked_until = 0, None
        await self.users.flush()
        await self.session.commit()
        return user

    async def delete(self, principal: Principal, user_id: str) -> None:
        user = await self.get(user_id)
        if user.is_admin and user.is_active and await self.users.count_active_admins() <= 1:
            raise Conflict("this is the last active administrator")
        await self.users.delete(user)
        await self.session.commit()
