"""PDF text with pypdf (BSD-licensed, pure Python). PyMuPDF extracts faster and better but is
AGPL, which would oblige everyone who serves Hearth to publish their changes; pypdf does not."""

from __future__ import annotations

import io

from pypdf import PdfReader
from pypdf.errors import PdfReadError, PyPdfError

from hearth.rag.parsing.base import Block, ParseError
from hearth.rag.parsing.text import paragraphs

MAX_PAGES = 5000


def parse_pdf(data: bytes) -> list[Block]:
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                unlocked = reader.decrypt("")
            except (PyPdfError, NotImplementedError) as exc:
                raise ParseError("the PDF is encrypted") from exc
            if not unlocked:
                raise ParseError("the PDF is encrypted with a password")
        if len(reader.pages) > MAX_PAGES:
            raise ParseError(f"the PDF has more than {MAX_PAGES} pages")
        blocks = []
        for number, page in enumerate(reader.pages, start=1):
            text = page.extract_text() or ""
            blocks.extend(Block(p, page=number) for p in paragraphs(text))
    except ParseError:
        raise
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        raise ParseError("the PDF is damaged and cannot be read") from exc
    return blocks
