from __future__ import annotations

from dataclasses import dataclass, field


class ParseError(Exception):
    """A document that cannot be read; the message is shown to its owner."""


@dataclass
class Block:
    """A paragraph-sized piece of text; `heading` marks a heading line (its level in heading_path)."""

    text: str
    heading_path: list[str] = field(default_factory=list)
    page: int | None = None
    heading: bool = False


class HeadingTracker:
    """Keeps the current heading path as headings of various levels go by."""

    def __init__(self) -> None:
        self.levels: list[tuple[int, str]] = []

    def enter(self, level: int, title: str) -> None:
        self.levels = [(lv, t) for lv, t in self.levels if lv < level] + [(level, title)]

    @property
    def path(self) -> list[str]:
        return [t for _, t in self.levels]
