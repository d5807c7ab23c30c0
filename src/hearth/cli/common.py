"""What every command needs: settings and logging set up once, configuration errors shown plainly."""

from __future__ import annotations

import typer

from hearth.core.errors import ConfigurationError
from hearth.core.logging import configure_logging
from hearth.core.settings import Settings, load_settings


def settings_or_exit() -> Settings:
    try:
        settings = load_settings()
    except ConfigurationError as exc:
        typer.secho(f"error: {exc.detail}", err=True, fg=typer.colors.RED)
        raise typer.Exit(code=2) from exc
    configure_logging(settings.log_level, settings.log_json)
    return settings
