from __future__ import annotations

import asyncio

import typer

from hearth.cli.common import settings_or_exit
from hearth.db import migrate as migrations
from hearth.db.engine import create_engine


def migrate() -> None:
    """Apply database migrations up to the newest."""
    settings = settings_or_exit()

    async def run() -> str | None:
        engine = create_engine(settings)
        try:
            await migrations.upgrade(engine)
            return await migrations.current_revision(engine)
        finally:
            await engine.dispose()

    revision = asyncio.run(run())
    typer.echo(f"database at revision {revision}")
