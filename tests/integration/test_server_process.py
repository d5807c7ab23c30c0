"""`hearth serve` and the CLI as real processes, nothing configured but a data dir."""

from __future__ import annotations

import json
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from hearth.db.migrate import head_revision
from tests.support.server import ServerProcess, hearth_env, run_cli

pytestmark = pytest.mark.slow


def test_serve_embedded_default_end_to_end(tmp_path: Path) -> None:
    with ServerProcess(tmp_path, hearth_env(tmp_path / "data")) as server, httpx.Client(base_url=server.url) as http:
        assert http.get("/health").json()["status"] == "ok"
        ready = http.get("/ready")
        assert ready.status_code == 200 and ready.json()["checks"]["database"]["ok"]
        created = http.post("/api/v1/auth/register", json={"email": "a@example.com", "password": "longenough"})
        assert created.status_code == 201 and created.json()["is_admin"] is True
        tokens = http.post("/api/v1/auth/login", json={"email": "a@example.com", "password": "longenough"}).json()
        me = http.get("/api/v1/users/me", headers={"Authorization": f"Bearer {tokens['access_token']}",
                                                  "X-Request-ID": "trace-me-42"})
        assert me.status_code == 200 and me.headers["x-request-id"] == "trace-me-42"
        metrics = http.get("/metrics").text
        assert 'route="/api/v1/auth/login",status="200"' in metrics

    assert (tmp_path / "data" / "hearth.db").exists() and (tmp_path / "data" / "secret_key").exists()
    lines = [json.loads(line) for line in server.logs().splitlines() if line.startswith("{")]
    traced = [line for line in lines if line.get("request_id") == "trace-me-42"]
    assert traced and traced[0]["route"] == "/api/v1/users/me" and traced[0]["status"] == 200


def test_cli_version_users_create_and_login(tmp_path: Path) -> None:
    env = hearth_env(tmp_path / "data")
    version = run_cli("--version", cwd=tmp_path, env=env)
    assert version.returncode == 0 and version.stdout.startswith("hearth ")

    created = run_cli("users", "create", "boss@example.com", "--password-stdin", "--admin",
                      cwd=tmp_path, env=env, stdin="a long passphrase\n")
    assert created.returncode == 0, created.stderr
    assert "created admin user boss@example.com" in created.stdout
    duplicate = run_cli("users", "create", "boss@example.com", "--password-stdin",
                        cwd=tmp_path, env=env, stdin="a long passphrase\n")
    assert duplicate.returncode == 1 and "already exists" in duplicate.stderr
    short = run_cli("users", "create", "x@example.com", "--password-stdin", cwd=tmp_path, env=env, stdin="short\n")
    assert short.returncode == 2 and "password" in short.stderr

    with ServerProcess(tmp_path, env) as server:
        login = httpx.post(server.url + "/api/v1/auth/login",
                           json={"email": "boss@example.com", "password": "a long passphrase"})
        assert login.status_code == 200
        token = login.json()["access_token"]
        me = httpx.get(server.url + "/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})
        assert me.json()["is_admin"] is True


def test_migrate_command_on_postgres(tmp_path: Path, postgres_url: str) -> None:
    result = run_cli("migrate", cwd=tmp_path, env=hearth_env(tmp_path / "data", HEARTH_DATABASE_URL=postgres_url))
    assert result.returncode == 0, result.stderr
    assert f"database at revision {head_revision()}" in result.stdout


def test_production_without_secret_refuses_to_start(tmp_path: Path) -> None:
    result = run_cli("serve", "--port", "1", cwd=tmp_path, env=hearth_env(tmp_path / "data", HEARTH_ENV="production"))
    assert result.returncode == 2
    assert "HEARTH_SECRET_KEY is required" in result.stderr
    assert "Traceback" not in result.stderr


def test_sigterm_drains_an_in_flight_request(tmp_path: Path) -> None:
    """SIGTERM arrives while a request body is still streaming in; the server stops taking new
    connections but finishes that request before exiting."""
    with ServerProcess(tmp_path, hearth_env(tmp_path / "data")) as server:
        body_started = threading.Event()

        def slow_body() -> Iterator[bytes]:
            yield b'{"email": "slow@example.com", '
            body_started.set()
            time.sleep(1.5)
            yield b'"password": "longenough"}'

        result: dict[str, httpx.Response] = {}

        def send() -> None:
            result["response"] = httpx.post(
                server.url + "/api/v1/auth/register", content=slow_body(),
                headers={"content-type": "application/json"}, timeout=30,
            )

        sender = threading.Thread(target=send)
        sender.start()
        assert body_started.wait(10)
        time.sleep(0.3)
        server.signal(signal.SIGTERM)
        sender.join(30)
        assert result["response"].status_code == 201
        assert server.wait() in (0, -signal.SIGTERM)  # uvicorn re-raises the signal once drained
        with pytest.raises(httpx.TransportError):
            httpx.get(server.url + "/health", timeout=2)
