"""The migration chain on both databases: up, down to nothing, up again, and no drift between
the tables in code and what the migrations build."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from hearth.core.settings import load_settings
from hearth.db import migrate
from hearth.db.engine import create_engine
from hearth.db.tables import Base


async def test_upgrade_downgrade_upgrade_without_drift(make_settings, fresh_database: str) -> None:
    engine = create_engine(make_settings())
    try:
        await migrate.upgrade(engine)
        assert await migrate.current_revision(engine) == migrate.head_revision()
        await migrate.downgrade(engine, "base")
        async with engine.connect() as conn:
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        ours = {t.name for t in Base.metadata.sorted_tables}
        assert not tables & ours
        assert await migrate.current_revision(engine) is None
        await migrate.upgrade(engine)
        async with engine.connect() as conn:
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
            drift = await conn.run_sync(
                lambda c: compare_metadata(
                    MigrationContext.configure(c, opts={"compare_type": True, "include_name": _only_ours}),
                    Base.metadata,
                )
            )
        assert {t.name for t in Base.metadata.sorted_tables} <= tables
        assert drift == [], f"models and migrations disagree: {drift}"
    finally:
        await engine.dispose()


def _only_ours(name: str | None, type_: str, _parent: object) -> bool:
    """Ignore tables that tests' plugins create beside Hearth's own."""
    return type_ != "table" or name in Base.metadata.tables


async def test_embedded_sqlite_uses_wal_and_foreign_keys(tmp_path) -> None:
    engine = create_engine(load_settings(data_dir=tmp_path, secret_key="s" * 40))
    try:
        async with engine.connect() as conn:
            mode = (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar()
            fks = (await conn.exec_driver_sql("PRAGMA foreign_keys")).scalar()
        assert (mode, fks) == ("wal", 1)
        assert (tmp_path / "hearth.db").exists()
    finally:
        await engine.dispose()
