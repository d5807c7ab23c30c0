from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from hearth.core.errors import InvalidInput


@dataclass
class IndexedChunk:
    chunk_id: str
    document_id: str
    text: str
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


def matches(metadata: dict[str, Any], filters: dict[str, Any] | None) -> bool:
    """Metadata filters: `{"field": value}` equals, `{"field": {"in": [...]}}`,
    `{"field": {"gte": a, "lte": b}}` (also gt, lt)."""
    for key, condition in (filters or {}).items():
        value = metadata.get(key)
        if isinstance(condition, dict):
            for op, operand in condition.items():
                try:
                    ok = {"in": lambda: value in operand, "gte": lambda: value >= operand,
                          "gt": lambda: value > operand, "lte": lambda: value <= operand,
                          "lt": lambda: value < operand, "eq": lambda: value == operand,
                          "ne": lambda: value != operand}[op]()
                except KeyError:
                    raise InvalidInput(f"unknown filter operator {op!r} on {key!r}", field="filters") from None
                except TypeError:
                    ok = False
                if not ok:
                    return False
        elif value != condition:
            return False
    return True
