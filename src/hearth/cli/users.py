from __future__ import annotations

import asyncio
import sys
from typing import Annotated

import typer
from pydantic import ValidationError

from hearth.cli.common import settings_or_exit
from hearth.core.errors import HearthError
from hearth.db import migrate as migrations
from hearth.db.engine import create_engine, create_session_factory
from hearth.schemas.auth import RegisterRequest
from hearth.services.users import UserService

app = typer.Typer(help="Manage users.", no_args_is_help=True)


@app.command("create")
def create(
    email: Annotated[str, typer.Argument(help="The new user's email.")],
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin.")] = False,
    admin: Annotated[bool, typer.Option("--admin", help="Make the user an administrator.")] = False,
) -> None:
    """Create a user (works even when open registration is off)."""
    settings = settings_or_exit()
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        request = RegisterRequest(email=email, password=password)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        typer.secho(f"error: {problems}", err=True, fg=typer.colors.RED)
        raise typer.Exit(code=2) from exc

    async def run() -> str:
        engine = create_engine(settings)
        try:
            if settings.should_auto_migrate:
                await migrations.upgrade(engine)
            async with create_session_factory(engine)() as session:
                user = await UserService(session).create(request.email, request.password, is_admin=admin)
                return user.id
        finally:
            await engine.dispose()

    try:
        user_id = asyncio.run(run())
    except HearthError as exc:
        typer.secho(f"error: {exc.detail}", err=True, fg=typer.colors.RED)
        raise typer.Exit(code=1) from exc
    typer.echo(f"created {'admin ' if admin else ''}user {request.email} ({user_id})")
