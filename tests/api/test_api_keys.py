from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx

from tests.support.clients import bearer, mint_key, sign_up
from tests.support.isolation import assert_hidden_from, assert_list_excludes


async def test_key_is_shown_once_and_authenticates(client: httpx.AsyncClient) -> None:
    owner = await sign_up(client, "a@example.com")
    created = await mint_key(client, owner, ["kb:read", "chat"])
    assert created["key"].startswith("hk_")
    assert created["prefix"] == created["key"][:10]
    assert created["scopes"] == ["chat", "kb:read"]

    listed = await client.get("/api/v1/api-keys", headers=owner.headers)
    assert listed.status_code == 200
    assert [k["id"] for k in listed.json()["items"]] == [created["id"]]
    assert created["key"] not in listed.text  # never shown again

    me = await client.get("/api/v1/users/me", headers=bearer(created["key"]))
    assert me.status_code == 200 and me.json()["id"] == owner.user_id
    used = (await client.get("/api/v1/api-keys", headers=owner.headers)).json()["items"][0]
    assert used["last_used_at"] is not None


async def test_read_only_key_cannot_create_users_or_keys(client: httpx.AsyncClient) -> None:
    admin = await sign_up(client, "admin@example.com")  # first user: admin
    reader = await mint_key(client, admin, ["kb:read"])
    new_user = await client.post(
        "/api/v1/users", headers=bearer(reader["key"]), json={"email": "x@example.com", "password": "longenough"}
    )
    assert new_user.status_code == 403
    assert new_user.headers["content-type"] == "application/problem+json"
    new_key = await client.post(
        "/api/v1/api-keys", headers=bearer(reader["key"]), json={"name": "escalate", "scopes": ["kb:read"]}
    )
    assert new_key.status_code == 403
    listing = await client.get("/api/v1/users", headers=bearer(reader["key"]))
    assert listing.status_code == 403 and "admin" in listing.json()["detail"]


async def test_admin_scoped_key_can_administer(client: httpx.AsyncClient) -> None:
    admin = await sign_up(client, "admin@example.com")
    key = await mint_key(client, admin, ["admin"])
    created = await client.post(
        "/api/v1/users", headers=bearer(key["key"]), json={"email": "new@example.com", "password": "longenough"}
    )
    assert created.status_code == 201 and created.json()["is_admin"] is False


async def test_non_admin_cannot_grant_admin_scope(client: httpx.AsyncClient) -> None:
    await sign_up(client, "admin@example.com")
    user = await sign_up(client, "user@example.com")
    response = await client.post("/api/v1/api-keys", headers=user.headers, json={"name": "x", "scopes": ["admin"]})
    assert response.status_code == 403


async def test_revoked_key_is_401(client: httpx.AsyncClient) -> None:
    owner = await sign_up(client, "a@example.com")
    key = await mint_key(client, owner, ["chat"])
    assert (await client.delete(f"/api/v1/api-keys/{key['id']}", headers=owner.headers)).status_code == 204
    response = await client.get("/api/v1/users/me", headers=bearer(key["key"]))
    assert response.status_code == 401
    assert (await client.get("/api/v1/api-keys", headers=owner.headers)).json()["items"] == []


async def test_expired_key_is_401(client: httpx.AsyncClient) -> None:
    owner = await sign_up(client, "a@example.com")
    soon = datetime.now(UTC) + timedelta(seconds=1)
    key = await mint_key(client, owner, ["chat"], expires_at=soon.isoformat())
    assert (await client.get("/api/v1/users/me", headers=bearer(key["key"]))).status_code == 200
    await asyncio.sleep(1.2)
    response = await client.get("/api/v1/users/me", headers=bearer(key["key"]))
    assert response.status_code == 401 and "expired" in response.json()["detail"]


async def test_expiry_in_the_past_is_refused(client: httpx.AsyncClient) -> None:
    owner = await sign_up(client, "a@example.com")
    past = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    response = await client.post(
        "/api/v1/api-keys", headers=owner.headers, json={"name": "x", "scopes": ["chat"], "expires_at": past}
    )
    assert response.status_code == 422


async def test_unknown_scope_and_made_up_key(client: httpx.AsyncClient) -> None:
    owner = await sign_up(client, "a@example.com")
    bad = await client.post("/api/v1/api-keys", headers=owner.headers, json={"name": "x", "scopes": ["root"]})
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"][:2] == ["body", "scopes"]
    assert (await client.get("/api/v1/users/me", headers=bearer("hk_made_up"))).status_code == 401


async def test_collection_restriction_is_stored(client: httpx.AsyncClient) -> None:
    owner = await sign_up(client, "a@example.com")
    key = await mint_key(client, owner, ["kb:read"], collection_ids=["c2", "c1", "c1"])
    assert key["collection_ids"] == ["c1", "c2"]


async def test_keys_of_a_demoted_admin_lose_admin_power(client: httpx.AsyncClient) -> None:
    root = await sign_up(client, "root@example.com")
    second = await sign_up(client, "second@example.com")
    promote = await client.patch(f"/api/v1/users/{second.user_id}", headers=root.headers, json={"is_admin": True})
    assert promote.status_code == 200
    relogin = await client.post(
        "/api/v1/auth/login", json={"email": second.email, "password": "correct horse battery"}
    )
    second_headers = bearer(relogin.json()["access_token"])
    key = (await client.post(
        "/api/v1/api-keys", headers=second_headers, json={"name": "adm", "scopes": ["admin"]}
    )).json()
    assert (await client.get("/api/v1/users", headers=bearer(key["key"]))).status_code == 200
    await client.patch(f"/api/v1/users/{second.user_id}", headers=root.headers, json={"is_admin": False})
    assert (await client.get("/api/v1/users", headers=bearer(key["key"]))).status_code == 403


async def test_other_users_keys_are_hidden(client: httpx.AsyncClient) -> None:
    alice = await sign_up(client, "alice@example.com")
    bob = await sign_up(client, "bob@example.com")
    key = await mint_key(client, alice, ["chat"])
    await assert_hidden_from(client, bob.headers, [("DELETE", f"/api/v1/api-keys/{key['id']}")], secret=key["key"])
    await assert_list_excludes(client, bob.headers, "/api/v1/api-keys", [key["id"]])
    # Bob's failed attempt changed nothing: the key still works.
    assert (await client.get("/api/v1/users/me", headers=bearer(key["key"]))).status_code == 200


async def test_list_pages_with_cursor(client: httpx.AsyncClient) -> None:
    owner = await sign_up(client, "a@example.com")
    ids = [(await mint_key(client, owner, ["chat"]))["id"] for _ in range(5)]
    first = (await client.get("/api/v1/api-keys", headers=owner.headers, params={"limit": 2})).json()
    second = (await client.get(
        "/api/v1/api-keys", headers=owner.headers, params={"limit": 2, "cursor": first["next_cursor"]}
    )).json()
    third = (await client.get(
        "/api/v1/api-keys", headers=owner.headers, params={"limit": 2, "cursor": second["next_cursor"]}
    )).json()
    seen = [k["id"] for page in (first, second, third) for k in page["items"]]
    assert seen == list(reversed(ids))
    assert third["next_cursor"] is None
    bad = await client.get("/api/v1/api-keys", headers=owner.headers, params={"cursor": "garbage!"})
    assert bad.status_code == 422
