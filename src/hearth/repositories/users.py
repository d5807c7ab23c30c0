from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.core.errors import Conflict
from hearth.db.tables import User
from hearth.repositories.pagination import Page, newest_first, to_page


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, user_id: str) -> User | None:
        return await self.session.get(User, user_id)

    async def get_by_email(self, email: str) -> User | None:
        return (await self.session.execute(select(User).where(User.email == email))).scalar_one_or_none()

    async def count(self) -> int:
        return (await self.session.execute(select(func.count()).select_from(User))).scalar_one()

    async def count_active_admins(self) -> int:
        stmt = select(func.count()).select_from(User).where(User.is_admin.is_(True), User.is_active.is_(True))
        return (await self.session.execute(stmt)).scalar_one()

    async def add(self, user: User) -> User:
        self.session.add(user)
        try:
            await self.session.flush()
        except IntegrityError as exc:
            raise Conflict("a user with this email already exists", field="email") from exc
        return user

    async def flush(self) -> None:
        try:
            await self.session.flush()
        except IntegrityError as exc:
            raise Conflict("a user with this email already exists", field="email") from exc

    async def delete(self, user: User) -> None:
        await self.session.delete(user)
        await self.session.flush()

    async def list(self, limit: int, cursor: str | None) -> Page[User]:
        rows = (await self.session.execute(newest_first(select(User), User, limit, cursor))).scalars().all()
        return to_page(list(rows), limit)

    async def record_failed_login(self, user_id: str, locked_until: datetime | None) -> None:
        await self.session.execute(
            update(User)
            .where(User.id == user_id)
            .values(failed_logins=User.failed_logins + 1, locked_until=locked_until)
        )
