"""Base request/response models. Requests refuse unknown fields, NUL characters and deep nesting,
so hostile bodies fail validation with a 422 instead of reaching a database driver."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, field_validator

MAX_JSON_DEPTH = 32
T = TypeVar("T")


def check_json_value(value: Any, depth: int = 0) -> Any:
    if depth > MAX_JSON_DEPTH:
        raise ValueError(f"nested deeper than {MAX_JSON_DEPTH} levels")
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("NUL characters are not allowed")
    elif isinstance(value, dict):
        for key, item in value.items():
            check_json_value(key, depth + 1)
            check_json_value(item, depth + 1)
    elif isinstance(value, (list, tuple)):
        for item in value:
            check_json_value(item, depth + 1)
    return value


class RequestModel(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul_no_deep_nesting(cls, value: Any) -> Any:
        return check_json_value(value)


class ResponseModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class PageOut(ResponseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None

    @classmethod
    def of(cls, page: Any, item_model: type[BaseModel]) -> PageOut[Any]:
        """Build from a repository Page of ORM rows."""
        return cls(items=[item_model.model_validate(row) for row in page.items], next_cursor=page.next_cursor)


