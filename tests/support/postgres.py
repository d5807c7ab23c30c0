"""A throwaway PostgreSQL database per test run on 127.0.0.1:5432, dropped afterwards."""

from __future__ import annotations

import os
import uuid

import asyncpg

HOST = os.environ.get("HEARTH_TEST_PG_HOST", "127.0.0.1")
PORT = int(os.environ.get("HEARTH_TEST_PG_PORT", "5432"))
CANDIDATE_USERS = ("postgres", "root")


async def find_admin_user() -> str | None:
    for user in CANDIDATE_USERS:
        try:
            conn = await asyncpg.connect(host=HOST, port=PORT, user=user, database="test", timeout=3)
        except (OSError, asyncpg.PostgresError, TimeoutError):
            continue
        await conn.close()
        return user
    return None


async def create_database(user: str) -> tuple[str, str]:
    name = f"hearth_test_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(host=HOST, port=PORT, user=user, database="test")
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return name, f"postgresql+asyncpg://{user}@{HOST}:{PORT}/{name}"


async def drop_database(user: str, name: str) -> None:
    conn = await asyncpg.connect(host=HOST, port=PORT, user=user, database="test")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()
