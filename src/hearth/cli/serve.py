from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from hearth.cli.common import settings_or_exit

# How long SIGTERM waits for in-flight requests before closing connections.
GRACEFUL_SHUTDOWN_S = 30


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Serve the API (migrating the embedded database first)."""
    from hearth.api.app import create_app

    settings = settings_or_exit()
    app = create_app(settings)
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        proxy_headers=False,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
    )
