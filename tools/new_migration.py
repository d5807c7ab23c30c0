"""Autogenerate the next migration: `python tools/new_migration.py 0003 "chat sessions"`.

Upgrades a scratch SQLite database to the current head, then lets Alembic diff it against the models."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine

from hearth.db.migrate import alembic_config


def main(rev_id: str, message: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{Path(tmp) / 'scratch.db'}")
        with engine.begin() as conn:
            cfg = alembic_config(conn)
            command.upgrade(cfg, "head")
            script = command.revision(cfg, message=message, autogenerate=True, rev_id=rev_id)
    path = Path(script.path)  # type: ignore[union-attr]
    text = "\n".join(line for line in path.read_text().splitlines() if "# ###" not in line) + "\n"
    path.write_text(text)
    print(path)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
