"""Document parsing: the type is sniffed from the bytes, then one parser per type turns them into
blocks of text that remember their heading path and page."""

from hearth.rag.parsing.base import Block, ParseError
from hearth.rag.parsing.dispatch import parse_document, sniff_type

__all__ = ["Block", "ParseError", "parse_document", "sniff_type"]
