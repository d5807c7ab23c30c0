from __future__ import annotations

import re

from charset_normalizer import from_bytes

from hearth.rag.parsing.base import Block, ParseError

_PARAGRAPH = re.compile(r"\n\s*\n")


def decode_text(data: bytes) -> str:
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ParseError("the file holds binary data, not text or a supported document type")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        best = from_bytes(data).best()
        if best is None:
            raise ParseError("the file's text encoding could not be detected") from None
        return str(best)


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in _PARAGRAPH.split(text.replace("\r\n", "\n")) if p.strip()]


def parse_text(data: bytes) -> list[Block]:
    return [Block(p) for p in paragraphs(decode_text(data))]
