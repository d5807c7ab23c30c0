from __future__ import annotations

import io
import zipfile

from hearth.rag.parsing.base import Block, HeadingTracker, ParseError

MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_RATIO = 200


def _check_archive(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise ParseError("the DOCX file is damaged (not a valid zip archive)") from exc
    unpacked = sum(e.file_size for e in entries)
    if unpacked > MAX_UNPACKED_BYTES or unpacked > MAX_RATIO * max(len(data), 1):
        raise ParseError("the DOCX file expands to far more data than it holds (a zip bomb?); refused")


def parse_docx(data: bytes) -> list[Block]:
    _check_archive(data)
    from docx import Document as open_docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = open_docx(io.BytesIO(data))
    except Exception as exc:  # python-docx raises many kinds on malformed parts
        raise ParseError("the DOCX file is damaged and cannot be read") from exc
    headings = HeadingTracker()
    blocks: list[Block] = []
    for item in document.iter_inner_content():
        if isinstance(item, Paragraph):
            text = item.text.strip()
            if not text:
                continue
            style = (item.style.name if item.style is not None else "") or ""
            if style.startswith("Heading") or style == "Title":
                level = int(style.split()[-1]) if style.split()[-1].isdigit() else 1
                headings.enter(level, text)
                blocks.append(Block(text, headings.path, heading=True))
            else:
                blocks.append(Block(text, headings.path))
        elif isinstance(item, Table):
            rows = [" | ".join(cell.text.strip() for cell in row.cells) for row in item.rows]
            table = "\n".join(r for r in rows if r.strip(" |"))
            if table:
                blocks.append(Block(table, headings.path))
    return blocks
