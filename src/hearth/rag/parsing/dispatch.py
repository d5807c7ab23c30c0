from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

from hearth.rag.parsing.base import Block, ParseError
from hearth.rag.parsing.docx import parse_docx
from hearth.rag.parsing.html import parse_html
from hearth.rag.parsing.markdown import parse_markdown
from hearth.rag.parsing.pdf import parse_pdf
from hearth.rag.parsing.text import parse_text

PARSERS: dict[str, Callable[[bytes], list[Block]]] = {
    "pdf": parse_pdf, "docx": parse_docx, "html": parse_html, "markdown": parse_markdown, "text": parse_text,
}
_MARKDOWN_EXTENSIONS = (".md", ".markdown", ".mdown")


def sniff_type(data: bytes, filename: str) -> str:
    """The type by content; the extension only tells Markdown from plain text, which look alike."""
    if not data:
        raise ParseError("the file is empty")
    head = data[:2048].lstrip()
    if data.startswith(b"%PDF-") or b"%PDF-" in data[:1024]:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                if "word/document.xml" in archive.namelist():
                    return "docx"
        except zipfile.BadZipFile:
            pass
        raise ParseError("the file is a zip archive but not a DOCX document")
    lowered = head[:512].lower()
    if lowered.startswith((b"<!doctype html", b"<html")) or (b"<html" in lowered and b"<body" in head.lower()):
        return "html"
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ParseError("the file holds binary data, not text or a supported document type")
    if filename.lower().endswith(_MARKDOWN_EXTENSIONS):
        return "markdown"
    return "text"


def parse_document(data: bytes, filename: str) -> tuple[str, list[Block]]:
    kind = sniff_type(data, filename)
    blocks = PARSERS[kind](data)
    if not any(b.text.strip() for b in blocks):
        raise ParseError(f"no text could be extracted from this {kind} file")
    return kind, blocks
