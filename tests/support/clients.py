"""Helpers that act like an API user: sign up, sign in, mint keys."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

DEFAULT_PASSWORD = "correct horse battery"


@dataclass
class Account:
    email: str
    user_id: str
    access_token: str
    refresh_token: str
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


async def register(client: httpx.AsyncClient, email: str, password: str = DEFAULT_PASSWORD) -> httpx.Response:
    return await client.post("/api/v1/auth/register", json={"email": email, "password": password})


async def login(client: httpx.AsyncClient, email: str, password: str = DEFAULT_PASSWORD) -> httpx.Response:
    return await client.post("/api/v1/auth/login", json={"email": email, "password": password})


async def sign_up(client: httpx.AsyncClient, email: str, password: str = DEFAULT_PASSWORD) -> Account:
    created = await register(client, email, password)
    assert created.status_code == 201, created.text
    tokens = await login(client, email, password)
    assert tokens.status_code == 200, tokens.text
    body = tokens.json()
    return Account(email, created.json()["id"], body["access_token"], body["refresh_token"])


async def mint_key(client: httpx.AsyncClient, owner: Account, scopes: list[str], **fields: Any) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/api-keys", headers=owner.headers, json={"name": "test key", "scopes": scopes, **fields}
    )
    assert response.status_code == 201, response.text
    return response.json()


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}
