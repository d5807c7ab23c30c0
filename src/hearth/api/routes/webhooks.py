from __future__ import annotations

from fastapi import APIRouter, status

from hearth.api.deps import CurrentPrincipal, PageParams, WebhookServiceDep
from hearth.schemas.common import PageOut
from hearth.schemas.webhooks import (
    AttemptPublic,
    DeliveryPublic,
    WebhookCreated,
    WebhookPublic,
    WebhookSubscribe,
)

router = APIRouter(prefix="/integration/webhooks", tags=["webhooks"])


@router.post("/subscribe", status_code=status.HTTP_201_CREATED, response_model=WebhookCreated,
             summary="Subscribe a URL to events; the signing secret is in this response only")
async def subscribe(body: WebhookSubscribe, principal: CurrentPrincipal, webhooks: WebhookServiceDep) -> object:
    return await webhooks.subscribe(principal, body.url, body.events)


@router.get("", response_model=PageOut[WebhookPublic], summary="Your subscriptions")
async def list_subscriptions(principal: CurrentPrincipal, page: PageParams, webhooks: WebhookServiceDep) -> object:
    return PageOut.of(await webhooks.list(principal, *page), WebhookPublic)


@router.delete("/unsubscribe/{subscription_id}", status_code=status.HTTP_204_NO_CONTENT,
               summary="Remove a subscription")
async def unsubscribe(subscription_id: str, principal: CurrentPrincipal, webhooks: WebhookServiceDep) -> None:
    await webhooks.unsubscribe(principal, subscription_id)


@router.get("/{subscription_id}/deliveries", response_model=PageOut[DeliveryPublic],
            summary="Deliveries with every attempt: time, status code, latency, error")
async def deliveries(subscription_id: str, principal: CurrentPrincipal, page: PageParams,
                     webhooks: WebhookServiceDep) -> PageOut[DeliveryPublic]:
    found = await webhooks.deliveries(principal, subscription_id, *page)
    items = [
        DeliveryPublic(id=d.delivery.id, event=d.delivery.event, state=d.delivery.state,
                       created_at=d.delivery.created_at,
                       attempts=[AttemptPublic.model_validate(a) for a in d.attempts])
        for d in found.items
    ]
    return PageOut[DeliveryPublic](items=items, next_cursor=found.next_cursor)
