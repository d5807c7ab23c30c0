"""The reusable isolation check for resource routes: another user's ids answer 404 — never 403,
never the object — and lists never contain another user's objects."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import httpx

Probe = tuple[str, str] | tuple[str, str, Any]  # (method, path) or (method, path, json body)


async def assert_hidden_from(
    client: httpx.AsyncClient, intruder_headers: dict[str, str], probes: Iterable[Probe], *, secret: str = ""
) -> None:
    """Every probe made by the intruder must answer 404 problem+json that does not echo `secret`."""
    for probe in probes:
        method, path, *rest = probe
        response = await client.request(method, path, headers=intruder_headers, json=rest[0] if rest else None)
        assert response.status_code == 404, f"{method} {path} answered {response.status_code}: {response.text}"
        assert response.headers["content-type"].startswith("application/problem+json")
        if secret:
            assert secret not in response.text, f"{method} {path} leaked {secret!r}"


async def assert_list_excludes(
    client: httpx.AsyncClient, headers: dict[str, str], list_path: str, foreign_ids: Sequence[str]
) -> None:
    """Walk every page of a list endpoint and check none of `foreign_ids` appears."""
    seen: list[str] = []
    cursor: str | None = None
    for _ in range(1000):
        params = {"limit": 200, **({"cursor": cursor} if cursor else {})}
        response = await client.get(list_path, headers=headers, params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        seen.extend(item["id"] for item in body["items"])
        cursor = body.get("next_cursor")
        if not cursor:
            break
    leaked = set(seen) & set(foreign_ids)
    assert not leaked, f"{list_path} shows another user's objects: {sorted(leaked)}"
