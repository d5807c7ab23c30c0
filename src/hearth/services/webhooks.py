"""Webhook subscriptions: created with a secret shown once, listed and removed by their owner."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from hearth.core.errors import NotFound
from hearth.core.ids import random_token
from hearth.core.netguard import ensure_public_url
from hearth.core.scopes import Principal
from hearth.core.settings import Settings
from hearth.db.tables import WebhookAttempt, WebhookDelivery, WebhookSubscription
from hearth.repositories.pagination import Page
from hearth.repositories.webhooks import WebhookRepository

SECRET_PREFIX = "whsec_"


@dataclass(frozen=True)
class DeliveryWithAttempts:
    delivery: WebhookDelivery
    attempts: list[WebhookAttempt]


class WebhookService:
    def __init__(self, session: AsyncSession, settings: Settings) -> None:
        self.session = session
        self.settings = settings
        self.repo = WebhookRepository(session)

    async def subscribe(self, principal: Principal, url: str, events: list[str]) -> WebhookSubscription:
        await ensure_public_url(url, allow_private=self.settings.allow_private_webhooks)
        subscription = WebhookSubscription(
            owner_id=principal.user_id, url=url, events=events, secret=SECRET_PREFIX + random_token(24)
        )
        await self.repo.add(subscription)
        await self.session.commit()
        return subscription

    async def list(self, principal: Principal, limit: int, cursor: str | None) -> Page[WebhookSubscription]:
        return await self.repo.list_owned(principal.user_id, limit, cursor)

    async def _owned(self, principal: Principal, subscription_id: str) -> WebhookSubscription:
        subscription = await self.repo.get_owned(subscription_id, principal.user_id)
        if subscription is None:
            raise NotFound("no such webhook subscription")
        return subscription

    async def unsubscribe(self, principal: Principal, subscription_id: str) -> None:
        await self.repo.delete(await self._owned(principal, subscription_id))
        await self.session.commit()

    async def deliveries(self, principal: Principal, subscription_id: str, limit: int,
                         cursor: str | None) -> Page[DeliveryWithAttempts]:
        subscription = await self._owned(principal, subscription_id)
        page = await self.repo.deliveries(subscription.id, limit, cursor)
        attempts = await self.repo.attempts_of([d.id for d in page.items])
        return Page(items=[DeliveryWithAttempts(d, attempts[d.id]) for d in page.items], next_cursor=page.next_cursor)
