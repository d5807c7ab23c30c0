"""Contract checks over the whole app: the route names of API.md, and authentication on every
route that is not public by design (so a route added later without it fails here)."""

from __future__ import annotations

import re

import httpx

PUBLIC = {"/health", "/ready", "/metrics", "/api/v1/auth/register", "/api/v1/auth/login",
          "/api/v1/auth/refresh", "/api/v1/auth/logout"}


async def test_openapi_names_match_api_md(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    expected = {
        "/api/v1/auth/register": {"post"}, "/api/v1/auth/login": {"post"}, "/api/v1/auth/refresh": {"post"},
        "/api/v1/auth/logout": {"post"}, "/api/v1/users/me": {"get", "patch"}, "/api/v1/users": {"get"},
        "/api/v1/users/{user_id}": {"get", "patch", "delete"}, "/api/v1/api-keys": {"post", "get"},
        "/api/v1/api-keys/{key_id}": {"delete"}, "/health": {"get"}, "/ready": {"get"}, "/metrics": {"get"},
        "/api/v1/workflows/definitions": {"post", "get"},
        "/api/v1/workflows/definitions/{definition_id}": {"get", "put", "delete"},
        "/api/v1/workflows/execute": {"post"}, "/api/v1/workflows/runs/{run_id}": {"get"},
        "/api/v1/workflows/runs/{run_id}/cancel": {"post"}, "/api/v1/workflows/runs/{run_id}/resume": {"post"},
    }
    for path, methods in expected.items():
        assert path in paths, path
        assert methods <= set(paths[path]), (path, set(paths[path]))


async def test_every_non_public_route_requires_credentials(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    checked = 0
    for path, operations in paths.items():
        if path in PUBLIC:
            continue
        concrete = re.sub(r"\{[^}]+\}", "some-id", path)
        for method, operation in operations.items():
            assert operation.get("security"), f"{method.upper()} {path} declares no security scheme"
            response = await client.request(method.upper(), concrete, json={} if method in {"post", "put", "patch"} else None)
            assert response.status_code == 401, f"{method.upper()} {path} answered {response.status_code} without credentials"
            checked += 1
    assert checked >= 9
