from __future__ import annotations

import httpx

from tests.support.clients import login, register, sign_up


async def test_first_user_is_admin_and_later_users_are_not(client: httpx.AsyncClient) -> None:
    first = await register(client, "First@Example.com")
    second = await register(client, "second@example.com")
    assert first.status_code == 201 and second.status_code == 201
    assert first.json()["email"] == "first@example.com"
    assert first.json()["is_admin"] is True
    assert second.json()["is_admin"] is False
    assert "password" not in first.text and "password_hash" not in first.text


async def test_duplicate_email_conflicts(client: httpx.AsyncClient) -> None:
    await register(client, "dup@example.com")
    again = await register(client, "DUP@example.com")
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"


async def test_closed_registration_admits_only_the_first_user(make_client) -> None:
    client = await make_client(open_registration=False)
    assert (await register(client, "owner@example.com")).status_code == 201
    refused = await register(client, "stranger@example.com")
    assert refused.status_code == 403
    assert "closed" in refused.json()["detail"]


async def test_login_returns_bearer_pair_and_access_token_works(client: httpx.AsyncClient) -> None:
    await register(client, "a@example.com")
    response = await login(client, "a@example.com")
    body = response.json()
    assert response.status_code == 200
    assert body["token_type"] == "bearer" and body["expires_in"] == 900
    me = await client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200 and me.json()["email"] == "a@example.com"


async def test_wrong_password_and_unknown_email_look_the_same(client: httpx.AsyncClient) -> None:
    await register(client, "a@example.com")
    wrong = await login(client, "a@example.com", "not the password")
    unknown = await login(client, "nobody@example.com", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"]
    assert wrong.headers["www-authenticate"] == "Bearer"


async def test_repeated_failures_lock_the_account_with_retry_after(make_client) -> None:
    client = await make_client(login_max_failures=3, login_lockout_base_s=60)
    await register(client, "a@example.com")
    for _ in range(3):
        assert (await login(client, "a@example.com", "wrong password")).status_code == 401
    locked = await login(client, "a@example.com")  # even the right password waits out the lock
    assert locked.status_code == 429
    assert 1 <= int(locked.headers["retry-after"]) <= 61


async def test_refresh_rotates_and_replay_revokes_the_family(client: httpx.AsyncClient) -> None:
    account = await sign_up(client, "a@example.com")
    first = await client.post("/api/v1/auth/refresh", json={"refresh_token": account.refresh_token})
    assert first.status_code == 200
    rotated = first.json()["refresh_token"]
    assert rotated != account.refresh_token

    replay = await client.post("/api/v1/auth/refresh", json={"refresh_token": account.refresh_token})
    assert replay.status_code == 401
    assert "revoked" in replay.json()["detail"]
    # The thief's replay also kills the legitimate, never-used successor.
    successor = await client.post("/api/v1/auth/refresh", json={"refresh_token": rotated})
    assert successor.status_code == 401


async def test_replay_does_not_touch_other_sign_ins(client: httpx.AsyncClient) -> None:
    laptop = await sign_up(client, "a@example.com")
    phone = (await login(client, "a@example.com")).json()
    await client.post("/api/v1/auth/refresh", json={"refresh_token": laptop.refresh_token})
    await client.post("/api/v1/auth/refresh", json={"refresh_token": laptop.refresh_token})  # replay
    still_fine = await client.post("/api/v1/auth/refresh", json={"refresh_token": phone["refresh_token"]})
    assert still_fine.status_code == 200


async def test_logout_revokes_the_refresh_family(client: httpx.AsyncClient) -> None:
    account = await sign_up(client, "a@example.com")
    rotated = (await client.post("/api/v1/auth/refresh", json={"refresh_token": account.refresh_token})).json()
    out = await client.post("/api/v1/auth/logout", json={"refresh_token": rotated["refresh_token"]})
    assert out.status_code == 204
    after = await client.post("/api/v1/auth/refresh", json={"refresh_token": rotated["refresh_token"]})
    assert after.status_code == 401


async def test_unknown_refresh_token_is_401(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/auth/refresh", json={"refresh_token": "rt_made_up"})
    assert response.status_code == 401


async def test_protected_route_without_or_with_bad_token(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/v1/users/me")).status_code == 401
    bad = await client.get("/api/v1/users/me", headers={"Authorization": "Bearer not.a.jwt"})
    assert bad.status_code == 401
    assert bad.headers["content-type"] == "application/problem+json"


async def test_token_signed_with_another_secret_is_refused(make_client) -> None:
    one = await make_client()
    account = await sign_up(one, "a@example.com")
    other = await make_client(secret_key="another-secret-" + "q9w8e7" * 8)
    assert (await other.get("/api/v1/users/me", headers=account.headers)).status_code == 401
