"""HTTP plumbing shared by the wire providers: one place that turns transport failures and error
statuses into ProviderError, deciding what may be retried."""

from __future__ import annotations

import email.utils
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from hearth.llm.provider import ProviderError

RETRYABLE_STATUSES = {408, 409, 429, 500, 502, 503, 504}


def parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value)
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None


def _status_error(provider: str, response: httpx.Response) -> ProviderError:
    retry_after = parse_retry_after(response.headers.get("retry-after"))
    if response.status_code == 429:
        return ProviderError(provider, "rate limited by the provider (429)", retryable=True, status=429,
                             retry_after=retry_after)
    retryable = response.status_code in RETRYABLE_STATUSES
    return ProviderError(provider, f"the provider answered HTTP {response.status_code}", retryable=retryable,
                         status=response.status_code, retry_after=retry_after)


@asynccontextmanager
async def open_response(client: httpx.AsyncClient, provider: str, method: str, url: str,
                        json: dict[str, Any] | None = None) -> AsyncIterator[httpx.Response]:
    """Send a request and yield the streaming response once its status is known to be good."""
    try:
        async with client.stream(method, url, json=json) as response:
            if response.status_code >= 400:
                await response.aread()
                raise _status_error(provider, response)
            yield response
    except httpx.TimeoutException as exc:
        raise ProviderError(provider, "timed out", retryable=True) from exc
    except httpx.TransportError as exc:
        # Connect errors and connections dropped mid-body alike: the caller decides whether a
        # retry is still allowed (never once tokens have been streamed).
        raise ProviderError(provider, f"cannot reach the provider ({type(exc).__name__})", retryable=True) from exc


async def request_json(client: httpx.AsyncClient, provider: str, method: str, url: str,
                       json: dict[str, Any] | None = None) -> Any:
    async with open_response(client, provider, method, url, json) as response:
        body = await response.aread()
    try:
        return httpx.Response(200, content=body).json()
    except ValueError as exc:
        raise ProviderError(provider, "the provider answered something that is not JSON") from exc
