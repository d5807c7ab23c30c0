"""All tables, imported here so `Base.metadata` is complete for migrations."""

from hearth.db.tables.base import Base
from hearth.db.tables.users import ApiKey, RefreshToken, User

__all__ = ["ApiKey", "Base", "RefreshToken", "User"]
