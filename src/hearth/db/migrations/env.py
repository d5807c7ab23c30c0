"""Alembic environment. Hearth always hands a live connection in `config.attributes["connection"]`
(see hearth.db.migrate), so the same code path runs from `hearth migrate`, from `serve` and in tests."""

from __future__ import annotations

from alembic import context

from hearth.db.tables import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `hearth migrate`, which provides the connection")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
