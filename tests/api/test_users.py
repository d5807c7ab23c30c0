from __future__ import annotations

import httpx

from tests.support.clients import DEFAULT_PASSWORD, bearer, login, mint_key, sign_up


async def test_update_me_display_name_and_password(client: httpx.AsyncClient) -> None:
    me = await sign_up(client, "a@example.com")
    renamed = await client.patch("/api/v1/users/me", headers=me.headers, json={"display_name": "Ada"})
    assert renamed.status_code == 200 and renamed.json()["display_name"] == "Ada"

    no_proof = await client.patch("/api/v1/users/me", headers=me.headers, json={"password": "new password 1"})
    assert no_proof.status_code == 422
    wrong = await client.patch(
        "/api/v1/users/me", headers=me.headers, json={"password": "new password 1", "current_password": "nope"}
    )
    assert wrong.status_code == 403
    changed = await client.patch(
        "/api/v1/users/me", headers=me.headers,
        json={"password": "new password 1", "current_password": DEFAULT_PASSWORD},
    )
    assert changed.status_code == 200
    assert (await login(client, "a@example.com")).status_code == 401
    assert (await login(client, "a@example.com", "new password 1")).status_code == 200
    # A password change signs every other device out.
    stale = await client.post("/api/v1/auth/refresh", json={"refresh_token": me.refresh_token})
    assert stale.status_code == 401


async def test_api_key_cannot_change_credentials(client: httpx.AsyncClient) -> None:
    me = await sign_up(client, "a@example.com")
    key = await mint_key(client, me, ["chat"])
    response = await client.patch(
        "/api/v1/users/me", headers=bearer(key["key"]),
        json={"email": "thief@example.com", "current_password": DEFAULT_PASSWORD},
    )
    assert response.status_code == 403


async def test_email_change_to_taken_address_conflicts(client: httpx.AsyncClient) -> None:
    await sign_up(client, "a@example.com")
    b = await sign_up(client, "b@example.com")
    response = await client.patch(
        "/api/v1/users/me", headers=b.headers, json={"email": "A@example.com", "current_password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 409


async def test_admin_routes_need_admin(client: httpx.AsyncClient) -> None:
    admin = await sign_up(client, "admin@example.com")
    user = await sign_up(client, "user@example.com")
    for method, path in [
        ("GET", "/api/v1/users"),
        ("GET", f"/api/v1/users/{admin.user_id}"),
        ("PATCH", f"/api/v1/users/{admin.user_id}"),
        ("DELETE", f"/api/v1/users/{admin.user_id}"),
    ]:
        response = await client.request(method, path, headers=user.headers, json={} if method == "PATCH" else None)
        assert response.status_code == 403, (method, path)
        assert admin.email not in response.text

    listed = await client.get("/api/v1/users", headers=admin.headers)
    assert {u["email"] for u in listed.json()["items"]} == {"admin@example.com", "user@example.com"}
    one = await client.get(f"/api/v1/users/{user.user_id}", headers=admin.headers)
    assert one.status_code == 200 and one.json()["email"] == "user@example.com"
    assert (await client.get("/api/v1/users/no-such-id", headers=admin.headers)).status_code == 404


async def test_deactivation_stops_tokens_keys_and_login(client: httpx.AsyncClient) -> None:
    admin = await sign_up(client, "admin@example.com")
    user = await sign_up(client, "user@example.com")
    key = await mint_key(client, user, ["chat"])
    off = await client.patch(f"/api/v1/users/{user.user_id}", headers=admin.headers, json={"is_active": False})
    assert off.status_code == 200 and off.json()["is_active"] is False

    assert (await client.get("/api/v1/users/me", headers=user.headers)).status_code == 401
    assert (await client.get("/api/v1/users/me", headers=bearer(key["key"]))).status_code == 401
    assert (await client.post("/api/v1/auth/refresh", json={"refresh_token": user.refresh_token})).status_code == 401
    assert (await login(client, "user@example.com")).status_code == 401

    on = await client.patch(f"/api/v1/users/{user.user_id}", headers=admin.headers, json={"is_active": True})
    assert on.status_code == 200
    assert (await login(client, "user@example.com")).status_code == 200


async def test_last_admin_cannot_be_removed(client: httpx.AsyncClient) -> None:
    admin = await sign_up(client, "admin@example.com")
    demote = await client.patch(f"/api/v1/users/{admin.user_id}", headers=admin.headers, json={"is_admin": False})
    assert demote.status_code == 409
    delete = await client.delete(f"/api/v1/users/{admin.user_id}", headers=admin.headers)
    assert delete.status_code == 409


async def test_delete_user_removes_their_keys(client: httpx.AsyncClient) -> None:
    admin = await sign_up(client, "admin@example.com")
    user = await sign_up(client, "user@example.com")
    key = await mint_key(client, user, ["chat"])
    assert (await client.delete(f"/api/v1/users/{user.user_id}", headers=admin.headers)).status_code == 204
    assert (await client.get("/api/v1/users/me", headers=bearer(key["key"]))).status_code == 401
    assert (await client.get(f"/api/v1/users/{user.user_id}", headers=admin.headers)).status_code == 404
    assert (await login(client, "user@example.com")).status_code == 401


async def test_admin_creates_user_when_registration_is_closed(make_client) -> None:
    client = await make_client(open_registration=False)
    admin = await sign_up(client, "admin@example.com")
    created = await client.post(
        "/api/v1/users", headers=admin.headers, json={"email": "invited@example.com", "password": "longenough"}
    )
    assert created.status_code == 201
    assert (await login(client, "invited@example.com", "longenough")).status_code == 200
