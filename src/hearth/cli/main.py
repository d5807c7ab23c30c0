"""`hearth` command line: one typer app, one module per command group."""

from __future__ import annotations

from typing import Annotated

import typer

from hearth import __version__
from hearth.cli import db as db_commands
from hearth.cli import eval as eval_commands
from hearth.cli import ingest as ingest_commands
from hearth.cli import serve as serve_commands
from hearth.cli import users as users_commands
from hearth.cli import worker as worker_commands

app = typer.Typer(help="Hearth: a local-first agentic AI backend.", no_args_is_help=True, add_completion=False)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"hearth {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Hearth: a local-first agentic AI backend."""


app.command("serve")(serve_commands.serve)
app.command("migrate")(db_commands.migrate)
app.command("worker")(worker_commands.worker)
app.command("ingest")(ingest_commands.ingest_command)
app.add_typer(users_commands.app, name="users")
app.add_typer(eval_commands.app, name="eval")
