from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from hearth.core.errors import InvalidInput


@dataclass
class IndexedChunk:
    chunk_id: str
    document_id: str
    text: str  # what keyword search sees: the chunk with its heading path
    vector: np.ndarray
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Hit:
    chunk_id: str
    document_id: str
    score: float


class SearchIndex(Protocol):
    async def replace_documents(self, collection_id: str, documents: dict[str, list[IndexedChunk]]) -> None:
        """Make each document's chunks exactly these (idempotent: re-running never duplicates)."""

    async def delete_documents(self, collection_id: str, document_ids: list[str]) -> None: ...

    async def delete_collection(self, collection_id: str) -> None: ...

    async def dense(self, collection_ids: list[str], vector: np.ndarray, k: int,
                    filters: dict[str, Any] | None) -> list[Hit]: ...

    async def keyword(self, collection_ids: list[str], query: str, k: int,
                      filters: dict[str, Any] | None) -> list[Hit]: ...

    async def count(self, collection_id: str) -> int: ...

    async def chunk_ids(self, collection_id: str) -> list[str]:
        """Every chunk id the index holds for the collection, duplicates included (for consistency checks)."""

    async def close(self) -> None: ...


_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "in": lambda value, operand: value in operand, "eq": operator.eq, "ne": operator.ne,
    "gte": operator.ge, "gt": operator.gt, "lte": operator.le, "lt": operator.lt}


def matches(metadata: dict[str, Any], filters: dict[str, Any] | None) -> bool:
    """Metadata filters: `{"field": value}` equals, `{"field": {"in": [...]}}`,
    `{"field": {"gte": a, "lte": b}}` (also gt, lt, eq, ne)."""
    for key, condition in (filters or {}).items():
        value = metadata.get(key)
        if not isinstance(condition, dict):
            if value != condition:
                return False
            continue
        for op, operand in condition.items():
            compare = _OPERATORS.get(op)
            if compare is None:
                raise InvalidInput(f"unknown filter operator {op!r} on {key!r}", field="filters")
            try:
                if not compare(value, operand):
                    return False
            except TypeError:
                return False
    return True
