from __future__ import annotations

import re

from hearth.rag.parsing.base import Block, HeadingTracker
from hearth.rag.parsing.text import decode_text

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_FENCE = re.compile(r"^(```|~~~)")


def parse_markdown(data: bytes) -> list[Block]:
    headings = HeadingTracker()
    blocks: list[Block] = []
    buffer: list[str] = []
    in_fence = False

    def flush() -> None:
        text = "\n".join(buffer).strip()
        if text:
            blocks.append(Block(text, headings.path))
        buffer.clear()

    for line in decode_text(data).replace("\r\n", "\n").split("\n"):
        if _FENCE.match(line.strip()):
            in_fence = not in_fence
            buffer.append(line)
            continue
        match = None if in_fence else _HEADING.match(line)
        if match:
            flush()
            headings.enter(len(match.group(1)), match.group(2).strip())
            blocks.append(Block(match.group(2).strip(), headings.path, heading=True))
        elif not line.strip() and not in_fence:
            flush()
        else:
            buffer.append(line)
    flush()
    return blocks
