"""Built-in plugin: turns events into signed webhook deliveries, sent by the `webhook.deliver`
job so retries with backoff come from the job queue and survive restarts."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

import httpx

from hearth.core.errors import InvalidInput
from hearth.core.logging import get_logger
from hearth.core.netguard import ensure_public_url
from hearth.db.tables import WebhookAttempt, WebhookDelivery
from hearth.events import Event, matches
from hearth.jobs.context import JobContext, JobFailed
from hearth.jobs.registry import JobSpec
from hearth.repositories.webhooks import WebhookRepository
from hearth.webhooks.signing import sign

if TYPE_CHECKING:
    from hearth.runtime import Runtime

KIND = "webhook.deliver"
log = get_logger("hearth.webhooks")


def register(runtime: Runtime) -> None:
    settings = runtime.settings

    async def dispatch(event: Event) -> None:
        # Deliveries are jobs too; announcing their own outcome would loop forever.
        if event.owner_id is None or event.data.get("kind") == KIND:
            return
        body = json.dumps(event.envelope(), separators=(",", ":"), sort_keys=True)
        async with runtime.sessions() as session:
            repo = WebhookRepository(session)
            targets = [s for s in await repo.subscriptions_of(event.owner_id)
                       if any(matches(p, event.type) for p in s.events)]
            deliveries = [WebhookDelivery(subscription_id=s.id, event=event.type, body=body) for s in targets]
            for delivery in deliveries:
                await repo.add(delivery)
            await session.commit()
        for delivery in deliveries:
            await runtime.jobs.enqueue(KIND, {"delivery_id": delivery.id}, event.owner_id,
                                       idempotency_key=delivery.id)

    async def deliver(ctx: JobContext) -> dict[str, Any]:
        delivery_id = ctx.payload["delivery_id"]
        async with runtime.sessions() as session:
            repo = WebhookRepository(session)
            found = await repo.get_delivery(delivery_id)
            if found is None:
                return {"skipped": "the subscription was removed"}
            delivery, subscription = found
            outcome = await _post(subscription.url, subscription.secret, delivery, settings.webhook_timeout_s,
                                  settings.allow_private_webhooks)
            await repo.add(WebhookAttempt(delivery_id=delivery.id, **outcome))
            ok = outcome["status_code"] is not None and 200 <= outcome["status_code"] < 300
            runtime.job_metrics.webhook_deliveries.labels("delivered" if ok else "failed").inc()
            if ok:
                delivery.state = "delivered"
            elif ctx.attempt >= settings.webhook_max_attempts:
                delivery.state = "failed"
            else:
                delivery.state = "retrying"
            await session.commit()
        if not ok:
            raise JobFailed(outcome["error"] or f"the receiver answered {outcome['status_code']}")
        return {"status_code": outcome["status_code"]}

    runtime.job_registry.register(JobSpec(
        kind=KIND, handler=deliver, max_attempts=settings.webhook_max_attempts,
        timeout_s=settings.webhook_timeout_s + 5, backoff_base_s=settings.webhook_backoff_base_s,
        backoff_max_s=3600,
    ))
    runtime.bus.subscribe(dispatch)


async def _post(url: str, secret: str, delivery: WebhookDelivery, timeout_s: float,
                allow_private: bool) -> dict[str, Any]:
    timestamp = int(time.time())
    body = delivery.body.encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Hearth-Webhooks/1",
        "Hearth-Event": delivery.event,
        "Hearth-Delivery": delivery.id,
        "Hearth-Timestamp": str(timestamp),
        "Hearth-Signature": sign(secret, timestamp, body),
    }
    began = time.perf_counter()
    try:
        # Checked again at send time: the name may resolve elsewhere than when it was subscribed.
        await ensure_public_url(url, allow_private=allow_private)
        async with httpx.AsyncClient(timeout=timeout_s, follow_redirects=False) as client:
            response = await client.post(url, content=body, headers=headers)
        status: int | None = response.status_code
        error = None if 200 <= response.status_code < 300 else f"the receiver answered {response.status_code}"
    except InvalidInput as exc:
        status, error = None, exc.detail
    except httpx.TimeoutException:
        status, error = None, f"no answer within {timeout_s:g}s"
    except httpx.HTTPError as exc:
        status, error = None, f"could not connect ({type(exc).__name__})"
    return {"status_code": status, "latency_ms": round((time.perf_counter() - began) * 1000, 2), "error": error}
