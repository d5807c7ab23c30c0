"""Bad bodies get a 4xx problem+json and the server keeps answering."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

REGISTER = "/api/v1/auth/register"
JSON = {"content-type": "application/json"}


def assert_problem(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"] and body["type"]
    assert "Traceback" not in response.text
    return body


async def assert_still_up(client: httpx.AsyncClient) -> None:
    assert (await client.get("/health")).status_code == 200
    ok = await client.post(REGISTER, json={"email": "after@example.com", "password": "longenough"})
    assert ok.status_code == 201


async def test_malformed_json(client: httpx.AsyncClient) -> None:
    assert_problem(await client.post(REGISTER, content=b'{"email": ', headers=JSON), 400)
    await assert_still_up(client)


async def test_wrong_types_list_each_field(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.post(REGISTER, json={"email": 42, "password": ["x"]}), 422)
    assert {tuple(e["loc"]) for e in body["errors"]} == {("body", "email"), ("body", "password")}
    assert all(e["msg"] for e in body["errors"])


async def test_body_not_an_object(client: httpx.AsyncClient) -> None:
    assert_problem(await client.post(REGISTER, json=[1, 2, 3]), 422)
    assert_problem(await client.post(REGISTER, content=b"", headers=JSON), 422)


async def test_unknown_fields(client: httpx.AsyncClient) -> None:
    body = assert_problem(
        await client.post(REGISTER, json={"email": "a@example.com", "password": "longenough", "is_admin": True}), 422
    )
    assert body["errors"][0]["loc"] == ["body", "is_admin"]


async def test_nul_bytes(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.post(REGISTER, json={"email": "a\x00@example.com", "password": "longenough"}), 422)
    assert "NUL" in body["errors"][0]["msg"]
    await assert_still_up(client)


async def test_ten_megabyte_body_with_content_length(client: httpx.AsyncClient) -> None:
    huge = b'{"email": "' + b"a" * (10 * 1024 * 1024) + b'@example.com", "password": "longenough"}'
    assert_problem(await client.post(REGISTER, content=huge, headers=JSON), 413)
    await assert_still_up(client)


async def test_ten_megabyte_chunked_body(client: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"email": "'
        for _ in range(10):
            yield b"a" * (1024 * 1024)
        yield b'@example.com", "password": "longenough"}'

    assert_problem(await client.post(REGISTER, content=chunks(), headers=JSON), 413)
    await assert_still_up(client)


@pytest.mark.parametrize("depth", [100, 100_000])
async def test_deeply_nested_json(client: httpx.AsyncClient, depth: int) -> None:
    nested = b'{"email": "a@example.com", "password": "longenough", "display_name": ' + b"[" * depth + b"]" * depth + b"}"
    response = await client.post(REGISTER, content=nested, headers=JSON)
    assert 400 <= response.status_code < 500
    assert response.headers["content-type"] == "application/problem+json"
    await assert_still_up(client)


async def test_unknown_route_and_method(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/api/v1/nope"), 404)
    assert_problem(await client.delete("/health"), 405)


async def test_bad_query_parameters(client: httpx.AsyncClient) -> None:
    from tests.support.clients import sign_up

    me = await sign_up(client, "a@example.com")
    body = assert_problem(await client.get("/api/v1/api-keys", headers=me.headers, params={"limit": "lots"}), 422)
    assert body["errors"][0]["loc"] == ["query", "limit"]
    assert_problem(await client.get("/api/v1/api-keys", headers=me.headers, params={"limit": 10_000}), 422)


async def test_invalid_content_length(client: httpx.AsyncClient) -> None:
    transport = client._transport
    request = httpx.Request("POST", "http://hearth.test" + REGISTER, headers={**JSON, "content-length": "abc"},
                            content=b"{}")
    response = await transport.handle_async_request(request)
    await response.aread()
    assert response.status_code == 400
