from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.db.tables import WebhookAttempt, WebhookDelivery, WebhookSubscription
from hearth.repositories.pagination import Page, newest_first, to_page


class WebhookRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, row: WebhookSubscription | WebhookDelivery | WebhookAttempt) -> None:
        self.session.add(row)
        await self.session.flush()

    async def get_owned(self, subscription_id: str, owner_id: str) -> WebhookSubscription | None:
        stmt = select(WebhookSubscription).where(
            WebhookSubscription.id == subscription_id, WebhookSubscription.owner_id == owner_id
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def list_owned(self, owner_id: str, limit: int, cursor: str | None) -> Page[WebhookSubscription]:
        stmt = select(WebhookSubscription).where(WebhookSubscription.owner_id == owner_id)
        rows = (await self.session.execute(newest_first(stmt, WebhookSubscription, limit, cursor))).scalars().all()
        return to_page(list(rows), limit)

    async def subscriptions_of(self, owner_id: str) -> list[WebhookSubscription]:
        stmt = select(WebhookSubscription).where(WebhookSubscription.owner_id == owner_id)
        return list((await self.session.execute(stmt)).scalars().all())

    async def delete(self, subscription: WebhookSubscription) -> None:
        await self.session.delete(subscription)
        await self.session.flush()

    async def get_delivery(self, delivery_id: str) -> tuple[WebhookDelivery, WebhookSubscription] | None:
        stmt = (
            select(WebhookDelivery, WebhookSubscription)
            .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
            .where(WebhookDelivery.id == delivery_id)
        )
        row = (await self.session.execute(stmt)).one_or_none()
        return (row[0], row[1]) if row else None

    async def deliveries(self, subscription_id: str, limit: int, cursor: str | None) -> Page[WebhookDelivery]:
        stmt = select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription_id)
        rows = (await self.session.execute(newest_first(stmt, WebhookDelivery, limit, cursor))).scalars().all()
        return to_page(list(rows), limit)

    async def attempts_of(self, delivery_ids: list[str]) -> dict[str, list[WebhookAttempt]]:
        grouped: dict[str, list[WebhookAttempt]] = {d: [] for d in delivery_ids}
        if not delivery_ids:
            return grouped
        stmt = (
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id.in_(delivery_ids))
            .order_by(WebhookAttempt.attempted_at)
        )
        for attempt in (await self.session.execute(stmt)).scalars():
            grouped[attempt.delivery_id].append(attempt)
        return grouped
