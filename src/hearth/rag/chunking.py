"""Structure-aware chunking: sections by heading, then paragraphs, then sentences, then words, packed
up to a target size in tokens with an overlap of whole sentences between neighbours. Deterministic:
the same blocks and settings always give the same chunks."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from hearth.rag.parsing.base import Block

TokenCounter = Callable[[list[str]], list[int]]
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9])")


@dataclass
class ChunkDraft:
    text: str
    token_count: int
    heading_path: list[str] = field(default_factory=list)
    page: int | None = None


    def with_headings(self) -> str:
        """The text with its heading path in front: section titles carry vocabulary the text itself
        often leaves out (the title of a paper, the name of a product), which keyword search can only
        match literally."""
        if not self.heading_path:
            return self.text
        return " / ".join(self.heading_path) + "\n" + self.text


@dataclass
class _Piece:
    text: str
    tokens: int
    page: int | None
    paragraph_end: bool


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text) if s.strip()]


def _split_words(text: str, tokens: int, target: int) -> list[str]:
    words = text.split()
    parts = max(2, -(-tokens // target))
    size = -(-len(words) // parts)
    return [" ".join(words[i:i + size]) for i in range(0, len(words), size)]


def _pieces(blocks: list[Block], count: TokenCounter, target: int) -> list[_Piece]:
    sentences: list[tuple[str, int | None, bool]] = []
    for block in blocks:
        parts = _sentences(block.text) or [block.text]
        sentences.extend((s, block.page, i == len(parts) - 1) for i, s in enumerate(parts))
    counts = count([s for s, _, _ in sentences]) if sentences else []
    pieces: list[_Piece] = []
    for (text, page, end), tokens in zip(sentences, counts, strict=True):
        if tokens <= target:
            pieces.append(_Piece(text, tokens, page, end))
            continue
        words = _split_words(text, tokens, target)
        for i, (part, n) in enumerate(zip(words, count(words), strict=True)):
            pieces.append(_Piece(part, n, page, end and i == len(words) - 1))
    return pieces


def _sections(blocks: list[Block]) -> list[tuple[list[str], list[Block]]]:
    sections: list[tuple[list[str], list[Block]]] = []
    for block in blocks:
        if block.heading:
            sections.append((block.heading_path, []))
            continue
        # A new page starts a new section too, so every chunk cites exactly one page.
        if not sections or sections[-1][0] != block.heading_path or (
                sections[-1][1] and sections[-1][1][-1].page != block.page):
            sections.append((block.heading_path, []))
        sections[-1][1].append(block)
    return [(path, body) for path, body in sections if body]


def chunk_blocks(blocks: list[Block], count: TokenCounter, target: int = 256, overlap: int = 30) -> list[ChunkDraft]:
    chunks: list[ChunkDraft] = []
    for path, body in _sections(blocks):
        current: list[_Piece] = []
        fresh = 0  # pieces in `current` not carried over from the previous chunk

        def emit() -> None:
            if fresh:
                text = " ".join(p.text + ("\n" if p.paragraph_end else "") for p in current).strip()
                text = re.sub(r"\n ", "\n", text)
                chunks.append(ChunkDraft(text, sum(p.tokens for p in current), list(path), current[0].page))

        for piece in _pieces(body, count, target):
            if current and fresh and sum(p.tokens for p in current) + piece.tokens > target:
                emit()
                carried: list[_Piece] = []
                for previous in reversed(current):
                    if sum(p.tokens for p in carried) + previous.tokens > overlap:
                        break
                    carried.insert(0, previous)
                current, fresh = carried, 0
            current.append(piece)
            fresh += 1
        emit()
    return chunks
